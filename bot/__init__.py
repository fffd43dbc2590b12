"""ethics-feed-bot: watch news feeds for ethically contested tech work and alert Slack."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/ethics-feed-bot/ethics-feed-bot"
USER_AGENT = f"ethics-feed-bot/{__version__} (+{PROJECT_URL})"
