"""The deadline side of the rules folder: the production calendar, the directory's working hours,
each body's business calendar and the deadline policies.

This is the only module that opens calendar and deadline YAML files; the parsing and the
arithmetic live in ``engine.domain``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from engine.domain.business_calendar import BusinessCalendar, WorkingHours
from engine.domain.calendar import ProductionCalendar
from engine.domain.deadlines import DeadlinePolicy
from engine.domain.policy_document import policies_from_document
from engine.yaml_load import safe_load


def _read_yaml(path: Path) -> object:
    with path.open(encoding="utf-8") as handle:
        return safe_load(handle)


def load_production_calendar(calendar_dir: Path) -> ProductionCalendar:
    """Merge every ``*.yaml`` in ``calendar_dir`` (yearly files and regional overlays)."""
    calendar_dir = Path(calendar_dir)
    paths = sorted(calendar_dir.glob("*.yaml"))
    if not paths:
        raise ValueError(f"{calendar_dir}: no calendar files")
    docs = []
    for path in paths:
        try:
            doc = _read_yaml(path)
            if not isinstance(doc, dict):
                raise ValueError("expected a mapping at the top level")
            ProductionCalendar.from_documents([doc])  # report a broken file by its own name
        except (ValueError, yaml.YAMLError) as exc:
            raise ValueError(f"{path}: {exc}") from exc
        docs.append(doc)
    try:
        return ProductionCalendar.from_documents(docs)
    except ValueError as exc:
        raise ValueError(f"{calendar_dir}: {exc}") from exc


def load_deadline_policies(path: Path) -> dict[str, DeadlinePolicy]:
    path = Path(path)
    try:
        return policies_from_document(_read_yaml(path))
    except (ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: {exc}") from exc


def load_working_hours(directory_doc: dict) -> dict[str, WorkingHours]:
    """Named schedules of the ``working_hours:`` section of the directory."""
    section = directory_doc.get("working_hours") or {}
    if not isinstance(section, dict):
        raise ValueError("directory: working_hours must be a mapping of name to schedule")
    return {name: WorkingHours.from_document(doc, f"working_hours.{name}") for name, doc in section.items()}


def business_calendar_for_body(body_id: str, directory_doc: dict, production: ProductionCalendar) -> BusinessCalendar:
    """The calendar a body's deadlines are counted in: its schedule and the region's zone."""
    body = next((b for b in directory_doc.get("bodies") or [] if b.get("id") == body_id), None)
    if body is None:
        raise ValueError(f"directory: no body {body_id!r}")
    schedule = body.get("hours")
    schedules = load_working_hours(directory_doc)
    if schedule not in schedules:
        raise ValueError(f"directory: body {body_id!r} points at unknown working hours {schedule!r}")
    timezone = body.get("timezone") or directory_doc.get("timezone")
    if not timezone:
        raise ValueError("directory: timezone is required")
    return BusinessCalendar(production=production, hours=schedules[schedule], timezone=timezone)
