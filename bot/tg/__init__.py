"""The python-telegram-bot front: wiring and thin handlers."""
