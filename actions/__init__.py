"""Rasa custom actions of the web chat (run by ``rasa run actions --actions actions`` in the Rasa venv).

The Telegram bot needs none: it asks Rasa's NLU over HTTP and answers itself. The web chat talks to
Rasa's socket.io channel, so Rasa runs ``action_tanya_pemilu`` (``actions/tanya_pemilu.py``), which
answers through the same code as the Telegram bot (:mod:`bot.web.channel`).
"""
