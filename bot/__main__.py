"""``python -m bot`` is the same program as ``ethics-bot``."""

import sys

from bot.cli.main import main

sys.exit(main())
