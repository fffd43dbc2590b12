"""The state: schema and migrations (database.py), feeds and their health (feeds.py), stories and
the alerts they queue (stories.py), which reports are one event (identity.py), and the durable
outbox of alerts (outbox.py). The database decides what is new.

May import: ``bot.core``, ``bot.observe``; owns sqlite3.
"""
