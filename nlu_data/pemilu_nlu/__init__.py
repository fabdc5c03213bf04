"""Custom Rasa NLU components for Tanya Pemilu (loaded by Rasa through PYTHONPATH=nlu_data).

- ``normalizer.SlangNormalizer``: chat spellings → standard Indonesian, from ``kata_gaul.yml``.
- ``classifier.TfidfLogisticRegression``: TF-IDF word and character n-grams + logistic regression
  with a tunable ``C``, which Rasa's own ``LogisticRegressionClassifier`` does not expose.

The model stores everything it needs (lexicon, vocabularies, weights) as JSON and NumPy arrays; nothing
is read from the repository or downloaded when the model is served.
"""
