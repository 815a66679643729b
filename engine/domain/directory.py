"""The directory of bodies, roles and officials; resolves a role to a person when acting."""

from __future__ import annotations

from dataclasses import dataclass, field

BODY_ROLES = ("executor", "head_of_body")
SECTOR_ROLES = ("sector_head",)
GLOBAL_ROLES = ("centre_head", "curator")


class DirectoryError(ValueError):
    pass


@dataclass(frozen=True)
class Body:
    id: str
    name: str
    level: str
    sector: str
    hours: str
    municipality: str | None = None
    parent: str | None = None


@dataclass(frozen=True)
class Position:
    role: str
    body: str | None = None
    sector: str | None = None


@dataclass(frozen=True)
class Official:
    id: str
    name: str
    email: str | None
    positions: tuple[Position, ...] = ()
    telegram_chat_id: str | None = None


@dataclass(frozen=True)
class Directory:
    timezone: str
    bodies: dict[str, Body]
    officials: dict[str, Official]
    roles: dict[str, str]
    sectors: dict[str, str]
    municipalities: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: dict) -> Directory:
        roles = dict(doc.get("roles") or {})
        sectors = dict(doc.get("sectors") or {})
        hours = set((doc.get("working_hours") or {}).keys())
        bodies: dict[str, Body] = {}
        for raw in doc.get("bodies") or []:
            body = Body(
                id=raw["id"],
                name=raw["name"],
                level=raw.get("level", "regional"),
                sector=raw.get("sector", "other"),
                hours=raw["hours"],
                municipality=raw.get("municipality"),
                parent=raw.get("parent"),
            )
            if body.id in bodies:
                raise DirectoryError(f"directory: body {body.id}: duplicate id")
            if body.sector not in sectors:
                raise DirectoryError(f"directory: body {body.id}: unknown sector {body.sector!r}")
            if body.hours not in hours:
                raise DirectoryError(f"directory: body {body.id}: unknown working hours {body.hours!r}")
            bodies[body.id] = body
        for body in bodies.values():
            if body.parent and body.parent not in bodies:
                raise DirectoryError(f"directory: body {body.id}: unknown parent {body.parent!r}")
        officials: dict[str, Official] = {}
        for raw in doc.get("officials") or []:
            positions = []
            for pos in raw.get("positions") or []:
                position = Position(role=pos["role"], body=pos.get("body"), sector=pos.get("sector"))
                _check_position(raw["id"], position, roles, bodies, sectors)
                positions.append(position)
            officials[raw["id"]] = Official(
                id=raw["id"],
                name=raw["name"],
                email=raw.get("email"),
                positions=tuple(positions),
                telegram_chat_id=raw.get("telegram_chat_id"),
            )
        return cls(
            timezone=doc.get("timezone", "UTC"),
            bodies=bodies,
            officials=officials,
            roles=roles,
            sectors=sectors,
            municipalities=dict(doc.get("municipalities") or {}),
        )

    def resolve(self, role: str, *, body: str, sector: str | None = None) -> Official | None:
        """The official holding `role` for an appeal assigned to `body` (walking up parents)."""
        if role in BODY_ROLES:
            current: str | None = body
            while current:
                holder = self._first(lambda p, b=current: p.role == role and p.body == b)
                if holder:
                    return holder
                current = self.bodies[current].parent if current in self.bodies else None
            return None
        if role in SECTOR_ROLES:
            wanted = sector or (self.bodies[body].sector if body in self.bodies else None)
            return self._first(lambda p: p.role == role and p.sector == wanted)
        return self._first(lambda p: p.role == role)

    def _first(self, matches) -> Official | None:
        for official in self.officials.values():
            if any(matches(p) for p in official.positions):
                return official
        return None


def _check_position(official_id, position, roles, bodies, sectors) -> None:
    where = f"directory: official {official_id}"
    if position.role not in roles:
        raise DirectoryError(f"{where}: unknown role {position.role!r}")
    if position.role in BODY_ROLES and position.body not in bodies:
        raise DirectoryError(f"{where}: role {position.role} needs a known body, got {position.body!r}")
    if position.role in SECTOR_ROLES and position.sector not in sectors:
        raise DirectoryError(f"{where}: role {position.role} needs a known sector, got {position.sector!r}")
