"""The ``ethics-bot`` command: argument parsing, wiring the parts together, signals, reports.

May import: everything. Nothing imports it.
"""
