"""An ``Alert`` into a Slack message (Block Kit, escaped, within limits) and onto Slack: bot token,
incoming webhook, or the console. One attempt per call; the flow decides about retries.

May import: ``bot.core``, ``bot.observe``; owns slack-sdk.
"""
