"""Rasa training data derived from the FAQ, and the trained-model cache."""
