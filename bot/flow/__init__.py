"""The work itself: check one feed (fetch, parse, match, store), deliver due alerts with pacing
and backoff, when each feed is next due, and the daemon that schedules it all.

May import: every part below it (core, observe, rules and the adapters); owns APScheduler.
Never imported by the adapters.
"""
