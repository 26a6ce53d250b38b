"""What the Rasa server of this project does differently from Rasa 3.6, for speed.

`install()` (idempotent) is called where the Rasa server loads the
conversation store (bot/store/tracker.py, named by endpoints.yml), so every
Rasa server of the project has it, as it has the log masking.

- **The action server's answer is checked against a schema compiled once.**
  Rasa checks every answer of the action server with `jsonschema.validate`,
  which first checks the schema itself against JSON Schema's meta-schema:
  20 ms of CPU for every custom action call on this machine, more than the
  call's HTTP round trip, for a schema that never changes. The answer is
  checked the same way (the same schema, the same error, with Rasa's own
  message added), by a validator built once.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Text

__all__ = ["install"]

_installed = False


@functools.lru_cache(maxsize=1)
def _response_validator() -> Any:
    """Rasa's action response schema, checked once, as a validator."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    spec = RemoteAction.action_response_format_spec()
    cls = validator_for(spec)
    cls.check_schema(spec)
    return cls(spec)


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """`RemoteAction._validate_action_result`, with the validator built once."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    # What jsonschema.validate does once the schema is checked.
    error = best_match(_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Apply the changes of the module docstring to this process's Rasa (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    _installed = True
