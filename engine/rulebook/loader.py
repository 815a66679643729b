"""YAML rule files → the rulebook model, with strict validation.

Layout: ``rules/pipeline.yaml`` lists the stages in order; each stage names one or more
ruleset files (``routing/roads`` is ``rules/routing/roads.yaml``) that are evaluated as a
single list in the declared order. Every file of a stage must declare the same hit policy.
The stages ``route`` and ``deadline`` are mandatory and must end with an unconditional rule
(``route``'s assigns a body, ``deadline``'s a deadline policy), so every appeal is routed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import text as textmod
from .model import Actions, All, AnyOf, Condition, Leaf, Not, Rule, RulebookError, RuleSet, Stage
from .tables import parse_table
from .vocabulary import (
    ACTIONS,
    DEFAULT_TOPICS,
    FACTS,
    FZ59_SPECIALS,
    HIT_POLICIES,
    MAX_PATTERN_LENGTH,
    OPERATORS,
    PHRASE_FACTS,
    PRIORITIES,
)

PIPELINE_FILE = "pipeline.yaml"
REQUIRED_STAGES = ("route", "deadline")
MAX_RULES_PER_STAGE = 4000  # the engine refuses more than 4,096 rules in one ruleset
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$")


@dataclass(frozen=True)
class LoadedPolicy:
    version: str
    stages: tuple[Stage, ...]
    rulesets: dict[str, RuleSet]
    files: tuple[str, ...]  # relative paths of the pipeline and every ruleset file


class _Ctx:
    def __init__(self, file: str, bodies, roles, policies, topics, officials):
        self.file = file
        self.bodies = bodies
        self.roles = roles
        self.policies = policies
        self.topics = topics
        self.officials = officials
        self.rule: str | None = None
        self.keys: dict[tuple, str] = {}

    def error(self, field: str | None, message: str) -> RulebookError:
        parts = [self.file]
        if self.rule is not None:
            parts.append(f"rule {self.rule}")
        if field:
            parts.append(f"field {field}")
        parts.append(message)
        return RulebookError(": ".join(parts))


def _read_yaml(path: Path, rel: str):
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise RulebookError(f"{rel}: invalid YAML: {exc}") from exc
    except OSError as exc:
        raise RulebookError(f"{rel}: cannot read: {exc.strerror}") from exc


def load_policy(
    rules_dir: Path,
    *,
    bodies: set[str],
    roles: set[str],
    policies: set[str],
    topics: set[str] | None = None,
    officials: set[str] | None = None,
) -> LoadedPolicy:
    rules_dir = Path(rules_dir)
    topics = set(DEFAULT_TOPICS) if topics is None else set(topics)
    keys: dict[tuple, str] = {}
    ctx = _Ctx(PIPELINE_FILE, bodies, roles, policies, topics, officials)
    doc = _read_yaml(rules_dir / PIPELINE_FILE, PIPELINE_FILE)
    if not isinstance(doc, dict):
        raise ctx.error(None, "expected a mapping with 'stages'")
    _check_keys(ctx, doc, {"stages"}, {"description", "owner"}, None)
    raw_stages = doc["stages"]
    if not isinstance(raw_stages, list) or not raw_stages:
        raise ctx.error("stages", "expected a non-empty list")

    rulesets: dict[str, RuleSet] = {}
    rule_files: dict[str, str] = {}  # rule id -> file
    stages: list[Stage] = []
    for i, raw in enumerate(raw_stages):
        where = f"stages[{i}]"
        if not isinstance(raw, dict):
            raise ctx.error(where, "expected a mapping with name and rulesets")
        _check_keys(ctx, raw, {"name", "rulesets"}, {"description"}, where)
        name = raw["name"]
        if not isinstance(name, str) or not _NAME.match(name):
            raise ctx.error(f"{where}.name", f"invalid stage name {name!r}")
        if any(s.name == name for s in stages):
            raise ctx.error(f"{where}.name", f"duplicate stage {name!r}")
        names = raw["rulesets"]
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not names:
            raise ctx.error(f"{where}.rulesets", "expected a non-empty list of ruleset names")
        stage_sets = []
        for rs_name in names:
            if not isinstance(rs_name, str) or not _NAME.match(rs_name):
                raise ctx.error(f"{where}.rulesets", f"invalid ruleset name {rs_name!r}")
            if rs_name in rulesets:
                raise ctx.error(f"{where}.rulesets", f"ruleset {rs_name} is used twice")
            rs = _load_ruleset(rules_dir, rs_name, bodies, roles, policies, topics, officials, keys)
            for rule in rs.rules:
                if rule.id in rule_files:
                    raise RulebookError(
                        f"{rs.file}: rule {rule.id}: field id: duplicate rule id (also in {rule_files[rule.id]})"
                    )
                rule_files[rule.id] = rs.file
            rulesets[rs_name] = rs
            stage_sets.append(rs)
        stages.append(_build_stage(ctx, where, name, stage_sets))

    for required in REQUIRED_STAGES:
        if not any(s.name == required for s in stages):
            raise ctx.error("stages", f"the pipeline has no {required!r} stage")
    for stage in stages:
        if stage.name in REQUIRED_STAGES:
            _check_fallback(stage)

    files = [PIPELINE_FILE] + [rs.file for rs in rulesets.values()]
    _check_unused_files(rules_dir, rulesets)
    return LoadedPolicy(
        version=compute_version(rules_dir, files), stages=tuple(stages), rulesets=rulesets, files=tuple(files)
    )


def compute_version(rules_dir: Path, files) -> str:
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode("utf-8") + b"\0")
        digest.update((Path(rules_dir) / rel).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _check_unused_files(rules_dir: Path, rulesets: dict[str, RuleSet]) -> None:
    used = {rs.file for rs in rulesets.values()}
    dirs = {str(Path(f).parent) for f in used}
    for d in sorted(dirs):
        for path in sorted((rules_dir / d).glob("*.yaml")):
            rel = path.relative_to(rules_dir).as_posix()
            if rel.endswith("_test.yaml") or rel in used or rel == PIPELINE_FILE:
                continue
            raise RulebookError(f"{rel}: this ruleset file is not used by any stage of {PIPELINE_FILE}")


def _build_stage(ctx: _Ctx, where: str, name: str, sets: list[RuleSet]) -> Stage:
    policies = {rs.hit_policy for rs in sets}
    if len(policies) != 1:
        raise ctx.error(f"{where}.rulesets", f"stage {name} mixes hit policies {sorted(policies)}")
    hit_policy = policies.pop()
    rules = [r for rs in sets for r in rs.rules]
    if hit_policy == "priority":
        seen: dict[int, str] = {}
        for r in rules:
            if r.priority in seen:
                raise RulebookError(
                    f"{r.file}: rule {r.id}: field priority: priority {r.priority} is also used by rule "
                    f"{seen[r.priority]} in stage {name}"
                )
            seen[r.priority] = r.id
        rules.sort(key=lambda r: -r.priority)
    if len(rules) > MAX_RULES_PER_STAGE:
        raise ctx.error(where, f"stage {name} has {len(rules)} rules; at most {MAX_RULES_PER_STAGE} are allowed")
    return Stage(name=name, hit_policy=hit_policy, rulesets=tuple(rs.name for rs in sets), rules=tuple(rules))


def _check_fallback(stage: Stage) -> None:
    last = stage.rules[-1] if stage.rules else None
    need = "assign" if stage.name == "route" else "deadline_policy"
    if last is None or last.when is not None or stage.hit_policy == "collect":
        where = f"{last.file}: rule {last.id}" if last else PIPELINE_FILE
        raise RulebookError(
            f"{where}: field when: stage {stage.name} must use hit policy first or priority and end with an "
            "unconditional fallback rule (no 'when')"
        )
    ok = last.then.body if need == "assign" else last.then.deadline_policy
    if not ok:
        raise RulebookError(
            f"{last.file}: rule {last.id}: field then: the fallback rule of stage {stage.name} must set {need}"
        )


def _load_ruleset(rules_dir, name, bodies, roles, policies, topics, officials, keys) -> RuleSet:
    rel = f"{name}.yaml"
    ctx = _Ctx(rel, bodies, roles, policies, topics, officials)
    ctx.keys = keys
    path = rules_dir / rel
    if not path.is_file():
        raise RulebookError(f"{PIPELINE_FILE}: field stages: ruleset file {rel} does not exist")
    doc = _read_yaml(path, rel)
    if not isinstance(doc, dict):
        raise ctx.error(None, "expected a mapping")
    _check_keys(ctx, doc, {"ruleset", "hit_policy", "rules"}, {"description", "owner"}, None)
    if doc["ruleset"] != name:
        raise ctx.error("ruleset", f"ruleset name {doc['ruleset']!r} must match its path {name!r}")
    hit_policy = doc["hit_policy"]
    if hit_policy not in HIT_POLICIES:
        raise ctx.error("hit_policy", f"unknown hit policy {hit_policy!r}; expected one of {', '.join(HIT_POLICIES)}")
    for opt in ("description", "owner"):
        if opt in doc and not isinstance(doc[opt], str):
            raise ctx.error(opt, "expected a string")
    raw_rules = doc["rules"]
    if not isinstance(raw_rules, list) or not raw_rules:
        raise ctx.error("rules", "expected a non-empty list of rules")
    rules = []
    seen = set()
    for i, raw in enumerate(raw_rules):
        ctx.rule = None
        if not isinstance(raw, dict):
            raise ctx.error(f"rules[{i}]", "expected a mapping")
        rid = raw.get("id")
        if not isinstance(rid, str) or not _ID.match(rid):
            raise ctx.error(f"rules[{i}].id", f"invalid or missing rule id {rid!r}")
        ctx.rule = rid
        if rid in seen:
            raise ctx.error("id", "duplicate rule id")
        seen.add(rid)
        rules.append(_parse_rule(ctx, raw, name, hit_policy))
    return RuleSet(
        name=name,
        file=rel,
        description=doc.get("description", ""),
        owner=doc.get("owner", ""),
        hit_policy=hit_policy,
        rules=tuple(rules),
    )


def _check_keys(ctx: _Ctx, raw: dict, required: set, optional: set, where: str | None) -> None:
    prefix = f"{where}." if where else ""
    for k in raw:
        if k not in required and k not in optional:
            raise ctx.error(f"{prefix}{k}", f"unknown field; expected {', '.join(sorted(required | optional))}")
    for k in sorted(required):
        if k not in raw:
            raise ctx.error(f"{prefix}{k}", "missing required field")


def _parse_rule(ctx: _Ctx, raw: dict, ruleset: str, hit_policy: str) -> Rule:
    is_table = "table" in raw
    optional = {"when"} | ({"priority"} if hit_policy == "priority" else set())
    required = {"id", "description", "table" if is_table else "then"}
    required |= {"priority"} if hit_policy == "priority" else set()
    _check_keys(ctx, raw, required, optional, None)
    if not isinstance(raw["description"], str) or not raw["description"].strip():
        raise ctx.error("description", "expected a non-empty string")
    priority = None
    if hit_policy == "priority":
        priority = raw["priority"]
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise ctx.error("priority", "expected an integer (higher wins)")
    when = None
    if "when" in raw and raw["when"] is not None:
        when = _parse_condition(ctx, raw["when"], "when")
    table = None
    if is_table:
        table = parse_table(ctx, raw["table"], facts=FACTS, scalar=_scalar, parse_actions=_parse_actions)
        key = ctx.keys.setdefault(("table", raw["id"]), f"k{len(ctx.keys) + 1}")
        lookup = Leaf(",".join(table.inputs), "table", table, key)
        when = lookup if when is None else All((when, lookup))
        then = Actions()
    else:
        then = _parse_actions(ctx, raw["then"])
    return Rule(
        id=raw["id"], description=raw["description"].strip(), when=when, then=then,
        ruleset=ruleset, file=ctx.file, priority=priority, table=table,
    )


def _parse_condition(ctx: _Ctx, raw, path: str) -> Condition:
    if not isinstance(raw, dict):
        raise ctx.error(path, "expected a condition mapping (all, any, not or fact/op/value)")
    if "fact" in raw or "op" in raw:
        return _parse_leaf(ctx, raw, path)
    if len(raw) != 1:
        raise ctx.error(path, f"expected exactly one of all, any, not; got {sorted(raw)}")
    (kind, body), = raw.items()
    if kind in ("all", "any"):
        if not isinstance(body, list) or not body:
            raise ctx.error(f"{path}.{kind}", "expected a non-empty list of conditions")
        items = tuple(_parse_condition(ctx, c, f"{path}.{kind}[{i}]") for i, c in enumerate(body))
        return All(items) if kind == "all" else AnyOf(items)
    if kind == "not":
        return Not(_parse_condition(ctx, body, f"{path}.not"))
    raise ctx.error(f"{path}.{kind}", "unknown condition; expected all, any, not or fact/op/value")


def _parse_leaf(ctx: _Ctx, raw: dict, path: str) -> Leaf:
    for k in raw:
        if k not in ("fact", "op", "value"):
            raise ctx.error(f"{path}.{k}", "unknown field in a condition; expected fact, op, value")
    fact, op = raw.get("fact"), raw.get("op")
    spec = FACTS.get(fact) if isinstance(fact, str) else None
    if spec is None:
        raise ctx.error(f"{path}.fact", f"unknown fact {fact!r}; known facts: {', '.join(FACTS)}")
    ospec = OPERATORS.get(op) if isinstance(op, str) else None
    if ospec is None:
        raise ctx.error(f"{path}.op", f"unknown operator {op!r}; known operators: {', '.join(OPERATORS)}")
    if not spec.engine and op != "matches":
        raise ctx.error(f"{path}.op", f"fact {fact} can only be used with the operator matches")
    if spec.type not in ospec.fact_types:
        raise ctx.error(f"{path}.op", f"operator {op} does not apply to fact {fact} of type {spec.type}")
    if op == "phrase" and fact not in PHRASE_FACTS:
        raise ctx.error(f"{path}.fact", f"operator phrase applies to {' or '.join(PHRASE_FACTS)} only")
    vpath = f"{path}.value"
    has_value = "value" in raw
    value = raw.get("value")
    if ospec.value == "none":
        if has_value:
            raise ctx.error(vpath, f"operator {op} takes no value")
        return Leaf(fact, op)
    if not has_value:
        raise ctx.error(vpath, f"operator {op} needs a value")
    if ospec.value == "scalar":
        norm = _scalar(ctx, spec, value, vpath)
    elif ospec.value == "scalars":
        if not isinstance(value, list) or not value:
            raise ctx.error(vpath, "expected a non-empty list")
        norm = tuple(dict.fromkeys(_scalar(ctx, spec, v, vpath) for v in value))
    elif ospec.value == "number":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ctx.error(vpath, "expected a number")
        norm = value
    elif ospec.value == "strings":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
            raise ctx.error(vpath, "expected a non-empty string or a non-empty list of non-empty strings")
        norm = tuple(dict.fromkeys(textmod.normalise(v.strip()) for v in items))
    elif ospec.value == "phrase":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = " ".join(value)
        if not isinstance(value, str) or not textmod.words(value):
            raise ctx.error(vpath, "expected a phrase (a string of one or more words)")
        norm = tuple(textmod.words(value))
    else:  # pattern
        if not isinstance(value, str) or not value:
            raise ctx.error(vpath, "expected a regular expression string")
        if len(value) > MAX_PATTERN_LENGTH:
            raise ctx.error(vpath, f"regular expression longer than {MAX_PATTERN_LENGTH} characters")
        norm = value.replace("ё", "е").replace("Ё", "Е")
        try:
            re.compile(norm, re.IGNORECASE)
        except re.error as exc:
            raise ctx.error(vpath, f"invalid regular expression: {exc}") from exc
    key = None
    if op in ("phrase", "matches"):
        ident = (fact, op, norm)
        key = ctx.keys.setdefault(ident, f"k{len(ctx.keys) + 1}")
    return Leaf(fact, op, norm, key)


def _scalar(ctx: _Ctx, spec, value, vpath: str):
    t = spec.type
    ok = (
        (t == "str" and isinstance(value, str) and value != "")
        or (t == "int" and isinstance(value, int) and not isinstance(value, bool))
        or (t == "bool" and isinstance(value, bool))
    )
    if not ok:
        kind = "non-empty string" if t == "str" else t
        raise ctx.error(vpath, f"expected a {kind} for fact {spec.name}, got {value!r}")
    if spec.values is not None and value not in spec.values:
        allowed = ", ".join(map(str, spec.values))
        raise ctx.error(vpath, f"{value!r} is not a value of {spec.name}; expected one of {allowed}")
    if (spec.minimum is not None and value < spec.minimum) or (spec.maximum is not None and value > spec.maximum):
        raise ctx.error(vpath, f"{value!r} is out of range for {spec.name}")
    return value


def _parse_actions(ctx: _Ctx, raw, where: str = "then") -> Actions:
    if not isinstance(raw, dict) or not raw:
        raise ctx.error(where, "expected a non-empty mapping of actions")
    out: dict = {}
    for name, value in raw.items():
        f = f"{where}.{name}"
        if name not in ACTIONS:
            raise ctx.error(f, f"unknown action; known actions: {', '.join(ACTIONS)}")
        if name == "assign":
            if not isinstance(value, dict) or not value:
                raise ctx.error(f, "expected {body, role} or {official}")
            for k in value:
                if k not in ("body", "role", "official"):
                    raise ctx.error(f"{f}.{k}", "unknown field; expected body, role or official")
            if "official" in value:
                if "body" in value or "role" in value:
                    raise ctx.error(f, "assign either {body, role} or {official}, not both")
                official = value["official"]
                if not isinstance(official, str) or not official:
                    raise ctx.error(f"{f}.official", "expected an official id")
                if ctx.officials is not None and official not in ctx.officials:
                    raise ctx.error(f"{f}.official", f"unknown official {official!r}")
                out["official"] = official
            else:
                body, role = value.get("body"), value.get("role", "executor")
                if body not in ctx.bodies:
                    raise ctx.error(f"{f}.body", f"unknown body {body!r}")
                if role not in ctx.roles:
                    raise ctx.error(f"{f}.role", f"unknown role {role!r}")
                out["body"], out["role"] = body, role
        elif name == "deadline_policy":
            if value not in ctx.policies:
                raise ctx.error(f, f"unknown deadline policy {value!r}; known: {', '.join(sorted(ctx.policies))}")
            out["deadline_policy"] = value
        elif name == "priority":
            if value not in PRIORITIES:
                raise ctx.error(f, f"unknown priority {value!r}; expected one of {', '.join(PRIORITIES)}")
            out["priority"] = value
        elif name == "add_tags":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not items or not all(isinstance(t, str) and t.strip() for t in items):
                raise ctx.error(f, "expected a tag or a non-empty list of tags")
            out["add_tags"] = tuple(dict.fromkeys(textmod.normalise(t.strip()) for t in items))
        elif name == "set_topic":
            topic, subtopic = (value, None) if isinstance(value, str) else (None, None)
            if isinstance(value, dict):
                for k in value:
                    if k not in ("topic", "subtopic"):
                        raise ctx.error(f"{f}.{k}", "unknown field; expected topic, subtopic")
                topic, subtopic = value.get("topic"), value.get("subtopic")
                if subtopic is not None and (not isinstance(subtopic, str) or not subtopic):
                    raise ctx.error(f"{f}.subtopic", "expected a non-empty string")
            if topic not in ctx.topics:
                raise ctx.error(f, f"unknown topic {topic!r}; known: {', '.join(sorted(ctx.topics))}")
            out["topic"], out["subtopic"] = topic, subtopic
        elif name == "notify_now":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not items:
                raise ctx.error(f, "expected a non-empty list of roles")
            for role in items:
                if role not in ctx.roles:
                    raise ctx.error(f, f"unknown role {role!r}")
            out["notify_now"] = tuple(dict.fromkeys(items))
        elif name == "fz59_special":
            if value not in FZ59_SPECIALS:
                raise ctx.error(f, f"unknown special case {value!r}; expected one of {', '.join(FZ59_SPECIALS)}")
            out["fz59_special"] = value
    return Actions(**out)
