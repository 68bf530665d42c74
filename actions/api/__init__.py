"""How the actions reach the bot service: its internal API client and the names both sides share."""
