"""Judging rules against stories: explain how a story matches every rule, and score rules on
labelled stories (precision, recall).

May import: ``bot.core``, ``bot.observe``, ``bot.rules``, ``bot.semantic``, ``bot.config``.
"""
