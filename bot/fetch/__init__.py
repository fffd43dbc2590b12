"""Fetch a feed over HTTP: conditional GET, size and time limits, redirects, bounded decoding,
and the address guard that refuses private networks at connect time.

May import: ``bot.core``, ``bot.observe``; owns httpx and httpcore.
"""
