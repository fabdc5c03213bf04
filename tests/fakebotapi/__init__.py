"""A fake Telegram Bot API server: a real local aiohttp server checked against the official spec."""
