"""API tokens as an administrator sees them: listed (never the token itself), revoked, and the ones in
use that are about to expire (/healthz warns about those)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.store import credentials as store

from .access import AccessError
from .credentials import revoke_token

IN_USE_DAYS = 30  # a token used within this many days counts as in use


@dataclass(frozen=True)
class TokenView:
    id: int
    label: str | None
    role: str
    scope: str  # "all", "body:<id>", "sector:<id>", or the staff user's scope it acts with
    user: str | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    state: str  # active, expired, revoked

    def as_dict(self) -> dict:
        def iso(moment):
            return moment.isoformat() if moment else None

        return {"id": self.id, "label": self.label, "role": self.role, "scope": self.scope, "user": self.user,
                "created_at": iso(self.created_at), "last_used_at": iso(self.last_used_at),
                "expires_at": iso(self.expires_at), "revoked_at": iso(self.revoked_at), "state": self.state}


def _state(record, now: datetime) -> str:
    if record.revoked_at:
        return "revoked"
    if record.expires_at and record.expires_at <= now:
        return "expired"
    return "active"


def _scope(owner) -> str:
    if owner is None:
        return "all"
    if owner.body:
        return f"body:{owner.body}"
    if owner.sector:
        return f"sector:{owner.sector}"
    return "all"


def list_tokens(now: datetime) -> list[TokenView]:
    """Every token, newest first: label, role, scope, when created, last used and expiring, and its state."""
    owners = store.token_owners()
    return [TokenView(id=r.id, label=r.label, role=r.role, scope=_scope(owners.get(r.id)),
                      user=owners[r.id].login if r.id in owners else None, created_at=r.created_at,
                      last_used_at=r.last_used_at, expires_at=r.expires_at, revoked_at=r.revoked_at,
                      state=_state(r, now))
            for r in store.list_tokens()]


class UnknownToken(AccessError):
    """No token has this id."""


def revoke(now: datetime, token_id: int, *, actor: str) -> TokenView:
    """Revoke a token (audited once); revoking it again changes nothing. UnknownToken when no token has the id."""
    if store.get_token(token_id) is None:
        raise UnknownToken(f"нет токена с номером {token_id}")
    revoke_token(now, token_id, actor=actor)
    return next(view for view in list_tokens(now) if view.id == token_id)


def expiring_in_use(now: datetime, within_days: int) -> list[TokenView]:
    """Active tokens used in the last 30 days that expire within ``within_days``: what /healthz warns about."""
    if within_days <= 0:
        return []
    found = {r.id for r in store.expiring_tokens(now, now + timedelta(days=within_days),
                                                 now - timedelta(days=IN_USE_DAYS))}
    return sorted((v for v in list_tokens(now) if v.id in found), key=lambda v: v.expires_at)
