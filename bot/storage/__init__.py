"""SQLite storage through sqlite-utils: schema by migrations, one writer thread."""

from bot.storage.db import Storage, open_database

__all__ = ["Storage", "open_database"]
