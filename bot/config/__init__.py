"""Load and validate ``rules.yaml`` into ``bot.core.settings.Config``, reporting every problem at
once with its path and line: ``load`` (file and top level), ``sections`` (settings, lists, feeds,
rules), ``semantic`` (the semantic section and its example files), ``checker`` (the YAML node
walker), ``values`` (durations, sizes, numbers, channels). The records and defaults themselves
are in ``bot.core.settings``.

May import: ``bot.core``, ``bot.rules`` (to check queries), ``bot.observe``; owns PyYAML.
"""
