"""SlangNormalizer: rewrite chat spellings ("gmn", "brp", "nyoblos", "gak") into standard Indonesian.

The normalised text goes into the message property ``text_normalized``; the original ``text`` is kept
untouched (it is what Rasa returns and what the bot logs). The lexicon is read from ``kata_gaul.yml``
at training time and stored inside the model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from pemilu_nlu.lexicon import DEFAULT_LEXICON, load_lexicon, normalize

NORMALIZED = "text_normalized"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class SlangNormalizer(GraphComponent):
    """Adds ``text_normalized`` to every message; see the module docstring."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"lexicon": None}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        lexicon: Optional[Dict[str, str]] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.lexicon = lexicon or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SlangNormalizer":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        path = Path(self.config["lexicon"]) if self.config["lexicon"] else DEFAULT_LEXICON
        self.lexicon = load_lexicon(path)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / "lexicon.json").write_text(json.dumps(self.lexicon, ensure_ascii=False), "utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SlangNormalizer":
        with model_storage.read_from(resource) as directory:
            lexicon = json.loads((directory / "lexicon.json").read_text("utf-8"))
        return cls(config, model_storage, resource, lexicon)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                message.set(NORMALIZED, normalize(text, self.lexicon))
        return messages
