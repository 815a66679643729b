"""Everything policy staff own, loaded from the rules folder as one consistent, versioned set."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from engine.classify import TextReader, load_reader
from engine.domain.business_calendar import BusinessCalendar
from engine.domain.businesstime import is_working_time
from engine.domain.calendar import ProductionCalendar
from engine.domain.deadlines import DeadlinePolicy
from engine.domain.directory import Directory
from engine.domain.ladder import Ladder, ladders_from_document
from engine.domain.reply_templates import ReplyTemplates, templates_from_document
from engine.rulebook import Rulebook, appeal_facts, load_rulebook
from engine.rulebook.decision_key import StageMemo
from engine.rulebook.first_match import FirstMatchRuleset, ladder_selection
from engine.rulebook.incident_rules import INCIDENTS_FILE, IncidentRules, incident_rules_from_document
from engine.rulebook.vocabulary import DEFAULT_TOPICS
from engine.wording.labels import Labels, labels_for
from engine.yaml_load import safe_load

from .calendars import (
    business_calendar_for_body,
    load_deadline_policies,
    load_production_calendar,
    load_working_hours,
)
from .region_map_file import check_folder_map

LADDERS_REMEMBERED = 10_000  # distinct clock facts whose ladder a policy set remembers
VIEWS_REMEMBERED = 20_000  # distinct views of the routing stages whose fired rules the worker remembers


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
    ladder_rules: FirstMatchRuleset | None = None  # picks a clock's ladder (rules/escalation.yaml)
    reader: TextReader | None = None  # topic lexicon, gazetteer, 59-ФЗ flags (rules/lexicon.yaml …)
    replies: ReplyTemplates | None = None  # what the resident is told, and when (rules/replies.yaml); None: nothing
    incidents: IncidentRules | None = None  # grouping into incidents (rules/incidents.yaml); None: no grouping

    @cached_property
    def version(self) -> str:
        parts = [self.rulebook.version, self.production.version]
        parts += sorted(f"{p.id}:{p.version}" for p in self.policies.values())
        parts += [self.reader.version] if self.reader else []
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    @cached_property
    def _calendars(self) -> dict[str, BusinessCalendar]:
        """Each body's calendar, built once per policy set: routing, every sweep step and every
        clock shown in the API ask for one."""
        return {
            body_id: business_calendar_for_body(body_id, self.directory_doc, self.production)
            for body_id in self.directory.bodies
        }

    @cached_property
    def labels(self) -> Labels:
        """Russian names of codes, with this set's bodies, officials, roles, topics, policies and levels."""
        return labels_for(self)

    @cached_property
    def working_hours(self) -> dict:
        """The directory's named working-hours schedules (quiet hours of alerts use them)."""
        return load_working_hours(self.directory_doc)

    def calendar_for(self, body_id: str) -> BusinessCalendar:
        calendar = self._calendars.get(body_id)
        if calendar is None:  # not in the directory: the loader raises with the reason
            calendar = business_calendar_for_body(body_id, self.directory_doc, self.production)
        return calendar

    def retire(self) -> None:
        """This policy set was replaced: free its rules engine memory (routing and ladder rules)."""
        self.rulebook.retire()
        if self.ladder_rules is not None:
            self.ladder_rules.retire()
        if self.incidents is not None:
            self.incidents.priority_rules.retire()

    def ladder_for(self, facts: dict) -> Ladder | None:
        """The ladder the escalation rules give a clock with these facts (clock_kind, policy, …).
        Clocks share a few combinations of these facts: each is put to the rules once."""
        key = tuple(sorted(facts.items()))
        try:
            return self._ladders_chosen[key]
        except (KeyError, TypeError):  # TypeError: a fact that cannot be a key is put to the rules each time
            pass
        chosen = self.ladder_rules.outcome(facts) if self.ladder_rules else None
        ladder = next((lad for lad in self.ladders if chosen is not None and lad.id == chosen), None)
        try:
            if len(self._ladders_chosen) >= LADDERS_REMEMBERED:
                self._ladders_chosen.clear()
            self._ladders_chosen[key] = ladder
        except TypeError:
            pass
        return ladder

    @cached_property
    def _ladders_chosen(self) -> dict:
        return {}

    @cached_property
    def stage_memo(self) -> StageMemo:
        """The rules each stage of this set's rulebook fired, by what the stage can see of an appeal, for the
        worker's routing thread (engine.services.routing): appeals share a few views (topic, place, a few
        words; 28 among 3,000 bench appeals), and each is put to the engine once. At most VIEWS_REMEMBERED
        (about 200 bytes each), then it starts again; it goes with the policy set when rules are published."""
        return StageMemo(max_entries=VIEWS_REMEMBERED)

    def decide(self, incoming, *, history=None, explain_reference: bool = False, read=None, memo=None):
        """The rulebook's decision on the appeal's facts, with what its text says merged in first
        (topic, municipality, 59-ФЗ flags) and, given an engine.classify.History, repeats and clusters.
        ``read``: what ``read(incoming, history)`` returned, by this or a policy set with the same
        ``reading_version`` (a backtest reads each appeal once for two versions); ``memo``: an
        engine.rulebook.StageMemo shared by the decisions of a replay."""
        facts, reading = read if read is not None else self.read(incoming, history)
        decision = (self.rulebook.decide_reference(facts) if explain_reference
                    else self.rulebook.decide(facts, memo=memo))
        decision = dataclasses.replace(decision, sector=self.sector_of(decision.topic, decision.body, decision.sector))
        return self.reader.annotate(decision, incoming, reading, history) if reading else decision

    def sector_of(self, topic: str | None, body: str | None, chosen: str | None = None) -> str | None:
        """The centre's sector block of an appeal: a rule's set_sector, else its topic's (``sector``
        in lexicon.yaml), else its body's (directory.yaml). A city administration's heating outage
        is therefore a housing appeal although the administration's own sector is "other"."""
        if chosen:
            return chosen
        topics = self.reader.lexicon.topics if self.reader else {}
        if topic in topics and topics[topic].sector:
            return topics[topic].sector
        found = self.directory.bodies.get(body) if body else None
        return found.sector if found else None

    def read(self, incoming, history=None) -> tuple[dict, object]:
        """(the facts the rulebook decides on, the text reader's reading or None)."""
        cal = self.calendar_for(self.directory.triage_body)
        facts = appeal_facts(incoming, local_received=incoming.received_at.astimezone(ZoneInfo(cal.timezone)))
        # the triage desk's hours and the production calendar (holidays, shortened days)
        facts["working_time"] = is_working_time(incoming.received_at, cal)
        reading = self.reader.read(incoming) if self.reader else None
        if reading:
            self.reader.merge(facts, reading, history)
        return facts, reading

    def with_history(self, read: tuple[dict, object], history) -> tuple[dict, object]:
        """What ``read(incoming, history)`` returns, from ``read(incoming)`` without reading again."""
        facts, reading = read
        if reading is None:
            return read
        return self.reader.merge(dict(facts), reading, history), reading

    @cached_property
    def reading_version(self) -> tuple:
        """Two policy sets with the same reading version read an appeal into the same facts."""
        cal = self.calendar_for(self.directory.triage_body)
        return (self.reader.version if self.reader else None, cal.version)

    @cached_property
    def reading_id(self) -> str:
        """``reading_version`` as the text a decision record keeps."""
        return ":".join(part or "-" for part in self.reading_version)


def load_policy_set(rules_dir: Path) -> PolicySet:
    rules_dir = Path(rules_dir)
    try:
        directory_doc = _yaml(rules_dir / "directory.yaml")
        directory = Directory.from_document(directory_doc)
        production = load_production_calendar(rules_dir / "calendar")
        policies = load_deadline_policies(rules_dir / "deadline_policies.yaml")
        escalation_doc = _yaml(rules_dir / "escalation.yaml")
        ladders = ladders_from_document(escalation_doc, roles=set(directory.roles))
        ladder_rules = ladder_selection(
            escalation_doc,
            ladders={lad.id for lad in ladders},
            clock_kinds={c.kind for p in policies.values() for c in p.clocks},
            policies=set(policies),
            bodies=set(directory.bodies),
        )
        rulebook = load_rulebook(
            rules_dir,
            bodies=set(directory.bodies),
            roles=set(directory.roles),
            policies=set(policies),
        )
        reader = load_reader(rules_dir)
        replies = _replies(rules_dir)
        incidents = _incidents(rules_dir, reader)
        _check_sectors(directory, rulebook, reader)
        check_folder_map(rules_dir)  # a broken map stops the rules here, not the analytics page
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
        ladder_rules=ladder_rules,
        reader=reader,
        replies=replies,
        incidents=incidents,
    )


REPLIES_FILE = "replies.yaml"


def _replies(rules_dir: Path) -> ReplyTemplates | None:
    """rules/replies.yaml; a rules folder without it sends the resident nothing."""
    path = rules_dir / REPLIES_FILE
    return templates_from_document(_yaml(path), REPLIES_FILE) if path.is_file() else None


def _incidents(rules_dir: Path, reader) -> IncidentRules | None:
    """rules/incidents.yaml; a rules folder without it groups nothing."""
    path = rules_dir / INCIDENTS_FILE
    if not path.is_file():
        return None
    topics = tuple(reader.lexicon.topics) if reader is not None else DEFAULT_TOPICS
    return incident_rules_from_document(_yaml(path), INCIDENTS_FILE, topics=tuple(dict.fromkeys((*topics, "other"))))


def load_policy_set_from_files(files: dict[str, str], cache_root: Path | None = None) -> PolicySet:
    """A policy set from a stored rules version (relative path → YAML text). The files are
    materialised once per content hash under cache_root (default: the system temp folder), so
    the set's rules_dir stays a real folder for as long as the process needs it."""
    import tempfile

    from engine.rulebook.snapshot import SnapshotError, read_tree, tree_hash, write_tree

    digest = tree_hash(files)
    root = Path(cache_root or Path(tempfile.gettempdir()) / "appeals-rule-versions")
    target = root / digest[:32]
    try:
        if not (target.is_dir() and tree_hash(read_tree(target)) == digest):
            root.mkdir(parents=True, exist_ok=True)
            fresh = write_tree(files, Path(tempfile.mkdtemp(prefix=f"{digest[:12]}-", dir=root)))
            try:
                fresh.rename(target)  # the first process to get here names the folder
            except OSError:
                target = fresh
    except SnapshotError as exc:
        raise PolicySetError(str(exc)) from exc
    return load_policy_set(target)


def _check_sectors(directory: Directory, rulebook: Rulebook, reader: TextReader | None) -> None:
    """Every sector a topic or a rule names is one of the directory's sector blocks."""
    known = ", ".join(directory.sectors)
    for code, topic in (reader.lexicon.topics.items() if reader else ()):
        if topic.sector and topic.sector not in directory.sectors:
            raise ValueError(f"lexicon.yaml: topic {code}: field sector: unknown sector {topic.sector!r}; "
                             f"known: {known}")
    for rule in rulebook.rules.values():
        outcomes = [rule.then] if rule.table is None else [row.then for row in rule.table.rows]
        for then in outcomes:
            if then is not None and then.sector and then.sector not in directory.sectors:
                raise ValueError(f"{rule.file}: rule {rule.id}: field then.set_sector: unknown sector "
                                 f"{then.sector!r}; known: {known}")


def _yaml(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return safe_load(fh) or {}
