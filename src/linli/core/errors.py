"""Errors that actions and queries raise; pages and the API turn them into messages/problems."""

from __future__ import annotations


class ActionError(Exception):
    """Bad input or a refused rule. ``message`` is translated text for the user.

    ``errors`` maps a field name (or ``"__all__"``) to its messages, for forms and problem+json.
    """

    status = 400
    code = "invalid"

    def __init__(
        self,
        message,
        *,
        field: str | None = None,
        errors: dict | None = None,
        code: str | None = None,
    ):
        super().__init__(str(message))
        self.message = message
        self.errors = errors or ({field: [message]} if field else {})
        if code:
            self.code = code


class Forbidden(ActionError):
    status = 403
    code = "forbidden"


class NotFound(ActionError):
    status = 404
    code = "not_found"


class Conflict(ActionError):
    status = 409
    code = "conflict"
