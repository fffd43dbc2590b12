"""The state: schema and migrations (database.py), feeds and their health (feeds.py), stories and
the alerts they queue (stories.py), which reports are one event (identity.py) and filing them
into clusters (clusters.py), the durable outbox of alerts (outbox.py), and the one-writer lock
on the state folder (lock.py, SQLite only). The database decides what is new. The state is
SQLite in the state folder (sqlite.py) or PostgreSQL at ``BOT_DATABASE_URL`` (postgres.py);
backend.py chooses and defines the connection both adapters offer.

May import: ``bot.core``, ``bot.observe``; owns sqlite3 (in sqlite.py only) and psycopg (in
postgres.py only).
"""
