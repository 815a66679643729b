"""Who may do what: the caller of the API or a staff page, and the bodies whose appeals they see."""

from __future__ import annotations

from dataclasses import dataclass

# curator: the centre's reviewer of answers to appeals on control (engine.services.review); sees every body
ROLES = ("channel", "official", "manager", "policy", "admin", "curator")


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
    sectors: tuple[str, ...] = ()  # every sector block a manager leads (``sector`` is the first)

    @property
    def actor(self) -> str:
        """How the audit log names the caller; never a secret."""
        return f"user:{self.user}" if self.user else f"token:{self.token_id}"


def visible_bodies(caller: Caller, directory) -> frozenset[str] | None:
    """The bodies whose appeals the caller may see; None means every body.

    An official sees their own body (and the bodies under it); a manager scoped to a body — the head of
    that body — the same; a manager with a sector their sector block; a manager with neither everything;
    policy staff, curators and administrators everything.
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
    led = manager_sectors(caller)
    if led:
        return frozenset(b.id for b in directory.bodies.values() if b.sector in led)
    if caller.role == "channel":
        return frozenset()
    return None


def manager_sectors(caller: Caller) -> frozenset[str]:
    """The sector blocks a manager leads; empty for everyone else and for a manager of the whole centre."""
    if caller.role != "manager":
        return frozenset()
    return frozenset(caller.sectors) | ({caller.sector} if caller.sector else set())


def visible_sectors(caller: Caller) -> frozenset[str] | None:
    """Sector blocks whose appeals a manager sees besides the bodies of ``visible_bodies``: an appeal
    whose topic puts it in the block (a city administration's heating outage for the housing head).
    None: no such addition (the bodies decide alone)."""
    return manager_sectors(caller) or None


def in_scope(caller: Caller, directory, body: str | None, sector: str | None) -> bool:
    """Whether an appeal held by ``body`` in sector block ``sector`` is the caller's to see."""
    bodies = visible_bodies(caller, directory)
    if bodies is None or body in bodies:
        return True
    sectors = visible_sectors(caller)
    return bool(sectors and sector in sectors)
