"""The rule language, pure: parse a query, compile the rule set, evaluate it over a story's words
with positions, and explain every verdict; find a query's likely mistakes (``lint``) and
which feeds a rule reads (``sources``). No I/O, no clock, no YAML.

May import: ``bot.core``; owns pyahocorasick.
"""
