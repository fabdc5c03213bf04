"""One targeted fix to Rasa 3.6.21, applied when Rasa imports this package (every ``rasa run``).

``RemoteAction._validate_action_result`` checks each action-server response with
``jsonschema.validate(result, schema)``, which first validates the large events *schema* against its
meta-schema on every call: 19 ms of CPU per web chat message on our machine, more than everything else
the message costs. The fix builds the validator once and validates the same way (same schema, same
error and message on an invalid response). Applied only to the version it was written for.
"""

from __future__ import annotations

import functools
from typing import Any

PATCHED_VERSION = "3.6.21"


@functools.cache
def _validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate does on every call
    return cls(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    from jsonschema import ValidationError, exceptions
    from rasa.shared.constants import DOCS_BASE_URL

    error = exceptions.best_match(_validator().iter_errors(result))
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        "For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def apply() -> bool:
    """Patch Rasa if it is the version this fix was written for; True when patched."""
    try:
        import rasa
        from rasa.core.actions.action import RemoteAction
    except ImportError:  # not inside Rasa (the bot's own venv)
        return False
    if rasa.__version__ != PATCHED_VERSION:
        return False
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    return True
