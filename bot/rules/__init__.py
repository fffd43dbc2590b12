"""The rule language, pure: parse a query, compile the rule set, evaluate it over a story's words
with positions, and explain every verdict. No I/O, no clock, no YAML.

May import: ``bot.core``; owns pyahocorasick.
"""
