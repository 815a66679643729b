"""Who may do what: the caller of the API or a staff page, and the bodies whose appeals they see."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("channel", "official", "manager", "policy", "admin")


class AccessError(ValueError):
    pass

@dataclass(frozen=True)
class Caller:
    """Who is calling: a token or a web session, its role and its scope (body, sector)."""

    token_id: int | None
    role: str
    label: str | None
    user: str | None = None
    body: str | None = None
    sector: str | None = None
    official_id: str | None = None
    origin: str | None = None

    @property
    def actor(self) -> str:
        """How the audit log names the caller; never a secret."""
        return f"user:{self.user}" if self.user else f"token:{self.token_id}"


def visible_bodies(caller: Caller, directory) -> frozenset[str] | None:
    """The bodies whose appeals the caller may see; None means every body.

    An official sees their own body (and the bodies under it); a manager scoped to a body — the head of
    that body — the same; a manager with a sector their sector block; a manager with neither everything;
    policy staff and administrators everything.
    """
    if caller.role == "official" or (caller.role == "manager" and caller.body):
        if not caller.body:
            return frozenset()
        found = {caller.body}
        changed = True
        while changed:
            below = {b.id for b in directory.bodies.values() if b.parent in found}
            changed = not below <= found
            found |= below
        return frozenset(found)
    if caller.role == "manager" and caller.sector:
        return frozenset(b.id for b in directory.bodies.values() if b.sector == caller.sector)
    if caller.role == "channel":
        return frozenset()
    return None
