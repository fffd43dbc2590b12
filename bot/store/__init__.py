"""The state: schema and migrations, feeds and their health, stories, which reports are one
event, and the durable outbox of alerts. The database decides what is new.

May import: ``bot.core``, ``bot.observe``; owns sqlite3.
"""
