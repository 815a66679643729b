"""The directory of bodies, roles and officials; resolves a role to a person when acting.

Resolution at send time (`resolve_for_alert`): the holder of the role acts unless they are
out of office that day; then the deputy named for that absence, then their standing deputies
in order. A role nobody can act for is vacant: the next role up the chain takes the alert,
and the resolution says which roles were passed over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

BODY_ROLES = ("executor", "head_of_body")
SECTOR_ROLES = ("sector_head",)
GLOBAL_ROLES = ("centre_head", "curator")
# who takes over an alert whose role is vacant: the next role up
ROLE_CHAIN = ("executor", "head_of_body", "sector_head", "centre_head", "curator")
CHANNELS = ("email", "telegram", "webhook")


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
class Absence:
    """Out of office from `first` to `last` (local dates, both included)."""

    first: date
    last: date
    deputy: str | None = None

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Official:
    id: str
    name: str
    email: str | None
    positions: tuple[Position, ...] = ()
    telegram_chat_id: str | None = None
    webhook_url: str | None = None
    channels: tuple[str, ...] = ()
    deputies: tuple[str, ...] = ()
    absences: tuple[Absence, ...] = ()
    hours: str | None = None  # working hours outside which non-urgent alerts wait

    def absence_on(self, day: date) -> Absence | None:
        return next((a for a in self.absences if a.covers(day)), None)

    def address(self, channel: str) -> str | None:
        return {"email": self.email, "telegram": self.telegram_chat_id, "webhook": self.webhook_url}.get(channel)


@dataclass(frozen=True)
class Resolution:
    """Who receives an alert meant for `requested`, and why."""

    official: Official
    role: str  # the role that took the alert (the requested one unless it was vacant)
    requested: str
    holder: Official | None = None  # whom the official stands in for, when a deputy acts
    vacant: tuple[str, ...] = ()  # roles passed over on the way up

    @property
    def deputy(self) -> bool:
        return self.holder is not None and self.holder.id != self.official.id


@dataclass(frozen=True)
class Directory:
    timezone: str
    bodies: dict[str, Body]
    officials: dict[str, Official]
    roles: dict[str, str]
    sectors: dict[str, str]
    triage_body: str  # the centre's triage desk: takes what no rule routes elsewhere; its hours are the centre's
    municipalities: dict[str, str] = field(default_factory=dict)
    default_hours: str | None = None

    @classmethod
    def from_document(cls, doc: dict) -> Directory:
        roles = dict(doc.get("roles") or {})
        sectors = dict(doc.get("sectors") or {})
        schedules = doc.get("working_hours") or {}
        if not isinstance(schedules, dict):
            raise ValueError("directory: working_hours must be a mapping of name to schedule")
        hours = set(schedules)
        bodies: dict[str, Body] = {}
        for raw in _mappings(doc.get("bodies"), "directory: bodies"):
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
        for raw in _mappings(doc.get("officials"), "directory: officials"):
            official = _official(raw, roles, bodies, sectors, hours)
            if official.id in officials:
                raise DirectoryError(f"directory: official {official.id}: duplicate id")
            officials[official.id] = official
        for official in officials.values():
            named = list(official.deputies) + [a.deputy for a in official.absences if a.deputy]
            unknown = [d for d in named if d not in officials or d == official.id]
            if unknown:
                raise DirectoryError(f"directory: official {official.id}: field deputies: unknown deputy {unknown}")
        triage_body = _triage_body(doc, bodies)
        default_hours = doc.get("alert_hours")
        if default_hours is not None and default_hours not in hours:
            raise DirectoryError(f"directory: alert_hours: unknown working hours {default_hours!r}")
        return cls(
            timezone=doc.get("timezone", "UTC"),
            bodies=bodies,
            officials=officials,
            roles=roles,
            sectors=sectors,
            triage_body=triage_body,
            municipalities=dict(doc.get("municipalities") or {}),
            default_hours=default_hours,
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
            wanted = sector if sector in self.sectors else (self.bodies[body].sector if body in self.bodies else None)
            return self._first(lambda p: p.role == role and p.sector == wanted)
        return self._first(lambda p: p.role == role)

    def acting_for(self, holder: Official, day: date) -> Official | None:
        """Who acts for `holder` on `day`: the holder, else a deputy who is in; None if nobody is."""
        absence = holder.absence_on(day)
        if absence is None:
            return holder
        candidates = ([absence.deputy] if absence.deputy else []) + list(holder.deputies)
        for deputy_id in candidates:
            deputy = self.officials.get(deputy_id)
            if deputy is not None and deputy.absence_on(day) is None:
                return deputy
        return None

    def resolve_for_alert(self, role: str, *, body: str, sector: str | None, day: date) -> Resolution | None:
        """Resolve `role` on local `day`, taking deputies and vacancies into account."""
        chain = ROLE_CHAIN[ROLE_CHAIN.index(role):] if role in ROLE_CHAIN else (role,)
        passed: list[str] = []
        for candidate in chain:
            holder = self.resolve(candidate, body=body, sector=sector)
            acting = self.acting_for(holder, day) if holder is not None else None
            if acting is not None:
                return Resolution(official=acting, role=candidate, requested=role, holder=holder,
                                  vacant=tuple(passed))
            passed.append(candidate)
        return None

    def holders(self, role: str) -> list[Official]:
        return [o for o in self.officials.values() if any(p.role == role for p in o.positions)]

    def area_of(self, official: Official) -> set[str] | None:
        """Bodies whose appeals `official` oversees as a manager; None means every body."""
        area: set[str] = set()
        for position in official.positions:
            if position.role in GLOBAL_ROLES:
                return None
            if position.role == "sector_head":
                area |= {b.id for b in self.bodies.values() if b.sector == position.sector}
            elif position.role == "head_of_body" and position.body:
                area |= self._with_children(position.body)
        return area

    def _with_children(self, body_id: str) -> set[str]:
        found = {body_id}
        changed = True
        while changed:
            more = {b.id for b in self.bodies.values() if b.parent in found} - found
            found |= more
            changed = bool(more)
        return found

    def _first(self, matches) -> Official | None:
        for official in self.officials.values():
            if any(matches(p) for p in official.positions):
                return official
        return None


def _triage_body(doc: dict, bodies: dict[str, Body]) -> str:
    value = doc.get("triage_body")
    where = "directory.yaml: field triage_body"
    if not isinstance(value, str) or not value:
        raise DirectoryError(f"{where}: required: the id of the body that sorts appeals no rule routes elsewhere")
    if value not in bodies:
        raise DirectoryError(f"{where}: unknown body {value!r}; it must be one of the directory's bodies")
    return value


def _mappings(items, where: str) -> list[dict]:
    """A list of mappings (bodies, officials, positions), or a DirectoryError naming the field."""
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise DirectoryError(f"{where}: expected a list of entries, each a mapping of fields")
    return items


def _official(raw: dict, roles, bodies, sectors, hours) -> Official:
    where = f"directory: official {raw.get('id')}"
    positions = []
    for pos in _mappings(raw.get("positions"), f"{where}: positions"):
        position = Position(role=pos["role"], body=pos.get("body"), sector=pos.get("sector"))
        _check_position(raw["id"], position, roles, bodies, sectors)
        positions.append(position)
    absences = []
    for i, item in enumerate(raw.get("out_of_office") or []):
        first, last = item.get("from"), item.get("to")
        if not isinstance(first, date) or not isinstance(last, date) or last < first:
            raise DirectoryError(f"{where}: field out_of_office[{i}]: dates from <= to (YYYY-MM-DD) expected")
        absences.append(Absence(first=first, last=last, deputy=item.get("deputy")))
    email = raw.get("email")
    channels = tuple(raw.get("channels") or (["email"] if email else []))
    official = Official(
        id=raw["id"],
        name=raw["name"],
        email=email,
        positions=tuple(positions),
        telegram_chat_id=str(raw["telegram_chat_id"]) if raw.get("telegram_chat_id") is not None else None,
        webhook_url=raw.get("webhook_url"),
        channels=channels,
        deputies=tuple(raw.get("deputies") or ()),
        absences=tuple(absences),
        hours=raw.get("alert_hours"),
    )
    for channel in channels:
        if channel not in CHANNELS:
            raise DirectoryError(f"{where}: field channels: unknown channel {channel!r}; known: {', '.join(CHANNELS)}")
        if not official.address(channel):
            raise DirectoryError(f"{where}: field channels: channel {channel} needs an address in the directory")
    if official.hours is not None and official.hours not in hours:
        raise DirectoryError(f"{where}: field alert_hours: unknown working hours {official.hours!r}")
    return official


def _check_position(official_id, position, roles, bodies, sectors) -> None:
    where = f"directory: official {official_id}"
    if position.role not in roles:
        raise DirectoryError(f"{where}: unknown role {position.role!r}")
    if position.role in BODY_ROLES and position.body not in bodies:
        raise DirectoryError(f"{where}: role {position.role} needs a known body, got {position.body!r}")
    if position.role in SECTOR_ROLES and position.sector not in sectors:
        raise DirectoryError(f"{where}: role {position.role} needs a known sector, got {position.sector!r}")
