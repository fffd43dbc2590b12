"""What the running bot tells its operators: one logger tree (text or JSON, every fact a field)
and Prometheus metrics.

May import: ``bot.core``; owns prometheus-client.
"""
