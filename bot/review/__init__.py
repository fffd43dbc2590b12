"""Judging rules against stories: explain how a story matches every rule, score rules on
labelled stories (precision, recall), and replay an edit of the rules on stored stories (what
it would add and remove; the stories come from the command line, never from the store).

May import: ``bot.core``, ``bot.observe``, ``bot.rules``, ``bot.semantic``, ``bot.config``.
"""
