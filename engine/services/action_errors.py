"""Why staff's action on an appeal did not happen: refused by its state or the law (409), or a wrong request (422)."""

from __future__ import annotations


class ActionRefused(Exception):
    """The action does not fit the appeal's state or the law; `reason` says why."""

    def __init__(self, reason: str, code: str = "conflict"):
        super().__init__(reason)
        self.reason = reason
        self.code = code


class ActionInvalid(ValueError):
    """The request itself is wrong (unknown body, missing reason): a 422 rather than a 409."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message
