"""GET /api/v1/tokens and POST /api/v1/tokens/<id>/revoke: an administrator lists API tokens (never
the token itself) and revokes one; a revoked token answers 401 from the next request on."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from engine.services import api_tokens

from ..auth import require_role
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens")


@bp.get("")
@require_role("admin")
def list_tokens():
    """API tokens: label, role, scope, created, last used, expiry and state — never the token."""
    return jsonify({"items": [view.as_dict() for view in api_tokens.list_tokens(runtime().now())]})


@bp.post("/<int:token_id>/revoke")
@require_role("admin")
def revoke(token_id: int):
    """Revoke a token (audited); revoking it again changes nothing."""
    try:
        view = api_tokens.revoke(runtime().now(), token_id, actor=g.caller.actor)
    except api_tokens.UnknownToken as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    return jsonify(view.as_dict())


revoke.responses = {"200": "the token, now revoked", "404": "no token has this id"}
