"""``python -m bot`` is the same program as ``ethics-bot``."""

import sys

from bot.cli import main

sys.exit(main())
