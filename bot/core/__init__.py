"""The kernel every part shares: the records that cross boundaries (``Feed``, ``Story``,
``Match``, ``Alert``, ``Rule``), the settings records and their defaults, the exception tree,
the labelled-story format, and where the semantic layer's files are.

May import: the standard library only. Everything else in ``bot`` may import it.
"""
