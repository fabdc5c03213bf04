"""The web chat: the page and its socket.io door (server), and the widget's rendering of replies."""
