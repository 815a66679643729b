"""Bearer tokens with roles for the staff API."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from engine.services import access

from .errors import ApiError
from .runtime import runtime


def require_role(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise ApiError(401, "unauthorized", "an Authorization: Bearer <token> header is required")
            caller = access.authenticate(token.strip(), runtime().now())
            if caller is None:
                raise ApiError(401, "unauthorized", "the token is unknown, revoked or expired")
            if roles and caller.role not in roles:
                raise ApiError(403, "forbidden", f"role {caller.role!r} may not do this")
            g.caller = caller
            return view(*args, **kwargs)

        return wrapped

    return decorator
