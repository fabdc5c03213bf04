"""Subscriptions and broadcast announcements."""
