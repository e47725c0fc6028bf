"""`rasa`, as the Procfile runs it, with its check of action-server answers compiled once.

    python -m bot.rasa_run run --enable-api ...    # exactly the arguments of `rasa run`

Rasa checks every answer of the action server against a JSON schema with `jsonschema.validate`,
which first checks the schema itself against JSON Schema's meta-schema - on every call. On
these machines that is about 20 ms per custom action (1 ms for the answer itself), and a turn
runs two or three custom actions: `make bench`'s profile of `rasa run` found 28 % of Rasa's time
there. This wrapper checks the schema once and keeps the compiled validator; answers are
checked exactly as before (same schema, same first error, same message), and an invalid answer
is still refused. Nothing else of Rasa is changed.
"""

from __future__ import annotations

import sys
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for


def compile_action_result_check() -> None:
    """Replace RemoteAction's per-call `jsonschema.validate` with one compiled validator."""
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction._validate_action_result
    if getattr(original, "wayfinder_compiled", False):
        return
    spec = RemoteAction.action_response_format_spec()
    validator_class = validator_for(spec)
    validator_class.check_schema(spec)
    validator = validator_class(spec)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        try:  # Rasa's own wording for the error, from its original method
            original(self, result)
        except ValidationError as explained:
            raise explained from None
        raise error

    _validate_action_result.wayfinder_compiled = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def main() -> None:
    compile_action_result_check()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
