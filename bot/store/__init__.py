"""The state: schema and migrations (database.py), feeds and their health (feeds.py), stories and
the alerts they queue (stories.py), which reports are one event (identity.py) and filing them
into clusters (clusters.py), the durable outbox of alerts (outbox.py), and the one-writer lock
on the state folder (lock.py). The database decides what is new.

May import: ``bot.core``, ``bot.observe``; owns sqlite3.
"""
