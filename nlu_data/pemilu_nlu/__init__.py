"""Custom Rasa NLU components for Tanya Pemilu (loaded by Rasa through PYTHONPATH=nlu_data).

- ``normalizer.SlangNormalizer``: chat spellings → standard Indonesian, from ``kata_gaul.yml``.
- ``classifier.TfidfLogisticRegression``: TF-IDF word and character n-grams + logistic regression
  with a tunable ``C``, which Rasa's own ``LogisticRegressionClassifier`` does not expose.

The model stores everything it needs (lexicon, vocabularies, weights) as JSON and NumPy arrays; nothing
is read from the repository or downloaded when the model is served.

Importing the package also applies :mod:`pemilu_nlu.rasa_patches` (a measured fix to Rasa 3.6.21's
per-message validation of action-server responses, which the web chat pays on every message).
"""

from pemilu_nlu import rasa_patches

rasa_patches.apply()
