"""Everything policy staff own, loaded from the rules folder as one consistent, versioned set."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from engine.domain.calendar import BusinessCalendar, ProductionCalendar
from engine.domain.deadlines import DeadlinePolicy
from engine.domain.directory import Directory
from engine.domain.ladder import Ladder, ladders_from_document
from engine.rulebook import Rulebook, appeal_facts, load_rulebook
from engine.rulebook.calendar_files import (
    business_calendar_for_body,
    load_deadline_policies,
    load_production_calendar,
)


class PolicySetError(ValueError):
    """The rules folder cannot be loaded; the message names the file and the problem."""


@dataclass(frozen=True)
class PolicySet:
    rules_dir: Path
    directory_doc: dict
    directory: Directory
    production: ProductionCalendar
    policies: dict[str, DeadlinePolicy]
    ladders: tuple[Ladder, ...]
    rulebook: Rulebook

    @cached_property
    def version(self) -> str:
        parts = [self.rulebook.version, self.production.version]
        parts += sorted(f"{p.id}:{p.version}" for p in self.policies.values())
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    def calendar_for(self, body_id: str) -> BusinessCalendar:
        return business_calendar_for_body(body_id, self.directory_doc, self.production)

    def ladder_for(self, clock_kind: str, policy_id: str) -> Ladder | None:
        return next((lad for lad in self.ladders if lad.applies_to(clock_kind, policy_id)), None)

    def decide(self, incoming, *, explain_reference: bool = False):
        cal = self.calendar_for("cur-triage") if "cur-triage" in self.directory.bodies else None
        local = incoming.received_at.astimezone(_zone(cal.timezone)) if cal else None
        facts = appeal_facts(incoming, local_received=local)
        return self.rulebook.decide_reference(facts) if explain_reference else self.rulebook.decide(facts)


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def load_policy_set(rules_dir: Path) -> PolicySet:
    rules_dir = Path(rules_dir)
    try:
        directory_doc = _yaml(rules_dir / "directory.yaml")
        directory = Directory.from_document(directory_doc)
        production = load_production_calendar(rules_dir / "calendar")
        policies = load_deadline_policies(rules_dir / "deadlines.yaml")
        ladders = ladders_from_document(_yaml(rules_dir / "escalation.yaml"), roles=set(directory.roles))
        rulebook = load_rulebook(
            rules_dir,
            bodies=set(directory.bodies),
            roles=set(directory.roles),
            policies=set(policies),
        )
    except FileNotFoundError as exc:
        raise PolicySetError(f"{rules_dir}: missing file {exc.filename}") from exc
    except (ValueError, KeyError, yaml.YAMLError) as exc:
        raise PolicySetError(f"{rules_dir}: {exc}") from exc
    return PolicySet(
        rules_dir=rules_dir,
        directory_doc=directory_doc,
        directory=directory,
        production=production,
        policies=policies,
        ladders=tuple(ladders),
        rulebook=rulebook,
    )


def _yaml(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}
