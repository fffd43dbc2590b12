"""Load and validate ``rules.yaml`` and the environment into ``bot.core.settings.Config``,
reporting every problem at once with its path and line.

May import: ``bot.core``, ``bot.rules`` (to check queries), ``bot.observe``; owns PyYAML.
"""
