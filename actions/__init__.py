"""Rasa custom code (the bot needs no custom actions: answers are rendered by the bot)."""
