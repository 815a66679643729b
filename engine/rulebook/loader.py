"""YAML rule files → the rulebook model, with strict validation.

Layout: ``rules/pipeline.yaml`` lists the stages in order; each stage names one or more
ruleset files (``routing/roads`` is ``rules/routing/roads.yaml``) that are evaluated as a
single list in the declared order. Every file of a stage must declare the same hit policy.
The stages ``route`` and ``deadline`` are mandatory and must end with an unconditional rule
(``route``'s assigns a body, ``deadline``'s a deadline policy), so every appeal is routed.

This module reads the pipeline and builds the stages; ``rule_files`` reads one ruleset file,
``conditions`` and ``actions`` the parts of a rule, ``parsing`` what they share.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .model import RulebookError, RuleSet, Stage
from .parsing import ParseContext, check_keys, read_yaml
from .rule_files import PIPELINE_FILE, load_ruleset
from .vocabulary import DEFAULT_TOPICS

REQUIRED_STAGES = ("route", "deadline")
MAX_RULES_PER_STAGE = 4000  # the engine refuses more than 4,096 rules in one ruleset
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$")


@dataclass(frozen=True)
class LoadedPolicy:
    version: str
    stages: tuple[Stage, ...]
    rulesets: dict[str, RuleSet]
    files: tuple[str, ...]  # relative paths of the pipeline and every ruleset file


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
    ctx = ParseContext(PIPELINE_FILE, bodies, roles, policies, topics, officials)
    doc = read_yaml(rules_dir / PIPELINE_FILE, PIPELINE_FILE)
    if not isinstance(doc, dict):
        raise ctx.error(None, "ожидается словарь с ключом stages")
    check_keys(ctx, doc, {"stages"}, {"description", "owner"}, None)
    raw_stages = doc["stages"]
    if not isinstance(raw_stages, list) or not raw_stages:
        raise ctx.error("stages", "ожидается непустой список")

    rulesets: dict[str, RuleSet] = {}
    rule_files: dict[str, str] = {}  # rule id -> file
    stages: list[Stage] = []
    for i, raw in enumerate(raw_stages):
        where = f"stages[{i}]"
        if not isinstance(raw, dict):
            raise ctx.error(where, "ожидается словарь с name и rulesets")
        check_keys(ctx, raw, {"name", "rulesets"}, {"description"}, where)
        name = raw["name"]
        if not isinstance(name, str) or not _NAME.match(name):
            raise ctx.error(f"{where}.name", f"неверное имя этапа {name!r}")
        if any(s.name == name for s in stages):
            raise ctx.error(f"{where}.name", f"этап {name!r} повторяется")
        names = raw["rulesets"]
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not names:
            raise ctx.error(f"{where}.rulesets", "ожидается непустой список наборов правил")
        stage_sets = []
        for rs_name in names:
            if not isinstance(rs_name, str) or not _NAME.match(rs_name):
                raise ctx.error(f"{where}.rulesets", f"неверное имя набора правил {rs_name!r}")
            if rs_name in rulesets:
                raise ctx.error(f"{where}.rulesets", f"набор правил {rs_name} указан дважды")
            rs = load_ruleset(rules_dir, rs_name, bodies, roles, policies, topics, officials, keys)
            for rule in rs.rules:
                if rule.id in rule_files:
                    raise RulebookError(
                        f"{rs.file}: правило {rule.id}: поле id: идентификатор правила повторяется "
                        f"(он есть и в {rule_files[rule.id]})"
                    )
                rule_files[rule.id] = rs.file
            rulesets[rs_name] = rs
            stage_sets.append(rs)
        stages.append(_build_stage(ctx, where, name, stage_sets))

    for required in REQUIRED_STAGES:
        if not any(s.name == required for s in stages):
            raise ctx.error("stages", f"в конвейере нет этапа {required!r}")
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


# rule files beside the routing rulesets that are a stage of their own, read by another part (the complaint
# stage of watched walls, engine/monitor/complaints.py), not a stage of the pipeline
OUTSIDE_PIPELINE = frozenset({"routing/monitoring.yaml"})


def _check_unused_files(rules_dir: Path, rulesets: dict[str, RuleSet]) -> None:
    used = {rs.file for rs in rulesets.values()} | OUTSIDE_PIPELINE
    dirs = {str(Path(f).parent) for f in used}
    for d in sorted(dirs):
        for path in sorted((rules_dir / d).glob("*.yaml")):
            rel = path.relative_to(rules_dir).as_posix()
            if rel.endswith("_test.yaml") or rel in used or rel == PIPELINE_FILE:
                continue
            raise RulebookError(f"{rel}: этот файл правил не входит ни в один этап {PIPELINE_FILE}")


def _build_stage(ctx: ParseContext, where: str, name: str, sets: list[RuleSet]) -> Stage:
    policies = {rs.hit_policy for rs in sets}
    if len(policies) != 1:
        raise ctx.error(f"{where}.rulesets", f"в этапе {name} смешаны порядки срабатывания {sorted(policies)}")
    hit_policy = policies.pop()
    rules = [r for rs in sets for r in rs.rules]
    if hit_policy == "priority":
        seen: dict[int, str] = {}
        for r in rules:
            if r.priority in seen:
                raise RulebookError(
                    f"{r.file}: правило {r.id}: поле priority: приоритет {r.priority} уже есть у правила "
                    f"{seen[r.priority]} в этапе {name}"
                )
            seen[r.priority] = r.id
        rules.sort(key=lambda r: -r.priority)
    if len(rules) > MAX_RULES_PER_STAGE:
        raise ctx.error(where, f"в этапе {name} правил: {len(rules)}; допустимо не больше {MAX_RULES_PER_STAGE}")
    return Stage(name=name, hit_policy=hit_policy, rulesets=tuple(rs.name for rs in sets), rules=tuple(rules))


def _check_fallback(stage: Stage) -> None:
    last = stage.rules[-1] if stage.rules else None
    need = "assign" if stage.name == "route" else "deadline_policy"
    if last is None or last.when is not None or stage.hit_policy == "collect":
        where = f"{last.file}: правило {last.id}" if last else PIPELINE_FILE
        raise RulebookError(
            f"{where}: поле when: этап {stage.name} должен иметь порядок first или priority и заканчиваться "
            "запасным правилом без условий (без when)"
        )
    ok = last.then.body if need == "assign" else last.then.deadline_policy
    if not ok:
        raise RulebookError(
            f"{last.file}: правило {last.id}: поле then: запасное правило этапа {stage.name} должно задавать {need}"
        )
