"""Bytes and headers of a feed into ``Story`` records: RSS, Atom and JSON Feed, HTML to plain
text, stable keys and canonical links, and where a parse runs (thread or worker processes).

May import: ``bot.core``, ``bot.observe``; owns feedparser and beautifulsoup4.
"""
