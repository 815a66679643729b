"""One ruleset file (``rules/<name>.yaml``) → a RuleSet of validated rules."""

from __future__ import annotations

from .conditions import parse_condition, parse_scalar
from .model import All, Leaf, Outcomes, Rule, RulebookError, RuleSet
from .outcomes import parse_outcomes
from .parsing import ParseContext, check_keys, read_yaml, start_rule
from .tables import parse_table
from .vocabulary import FACTS, HIT_POLICIES

PIPELINE_FILE = "pipeline.yaml"


def load_ruleset(rules_dir, name, bodies, roles, policies, topics, officials, keys) -> RuleSet:
    rel = f"{name}.yaml"
    ctx = ParseContext(rel, bodies, roles, policies, topics, officials)
    ctx.keys = keys
    path = rules_dir / rel
    if not path.is_file():
        raise RulebookError(f"{PIPELINE_FILE}: поле stages: файла правил {rel} нет")
    doc = read_yaml(path, rel)
    if not isinstance(doc, dict):
        raise ctx.error(None, "ожидается словарь (ключ: значение)")
    check_keys(ctx, doc, {"ruleset", "hit_policy", "rules"}, {"description", "owner"}, None)
    if doc["ruleset"] != name:
        raise ctx.error("ruleset", f"имя набора правил {doc['ruleset']!r} должно совпадать с путём файла {name!r}")
    hit_policy = doc["hit_policy"]
    if hit_policy not in HIT_POLICIES:
        raise ctx.error("hit_policy", f"нет порядка срабатывания {hit_policy!r}; допустимы: {', '.join(HIT_POLICIES)}")
    for opt in ("description", "owner"):
        if opt in doc and not isinstance(doc[opt], str):
            raise ctx.error(opt, "ожидается строка")
    raw_rules = doc["rules"]
    if not isinstance(raw_rules, list) or not raw_rules:
        raise ctx.error("rules", "ожидается непустой список правил")
    rules = []
    seen = set()
    for i, raw in enumerate(raw_rules):
        start_rule(ctx, raw, i, seen)
        rules.append(parse_rule(ctx, raw, name, hit_policy))
    return RuleSet(
        name=name,
        file=rel,
        description=doc.get("description", ""),
        owner=doc.get("owner", ""),
        hit_policy=hit_policy,
        rules=tuple(rules),
    )


def parse_rule(ctx: ParseContext, raw: dict, ruleset: str, hit_policy: str) -> Rule:
    is_table = "table" in raw
    optional = {"when"} | ({"priority"} if hit_policy == "priority" else set())
    required = {"id", "description", "table" if is_table else "then"}
    required |= {"priority"} if hit_policy == "priority" else set()
    check_keys(ctx, raw, required, optional, None)
    if not isinstance(raw["description"], str) or not raw["description"].strip():
        raise ctx.error("description", "ожидается непустая строка")
    priority = None
    if hit_policy == "priority":
        priority = raw["priority"]
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise ctx.error("priority", "ожидается целое число (больше — важнее)")
    when = None
    if "when" in raw and raw["when"] is not None:
        when = parse_condition(ctx, raw["when"], "when")
    table = None
    if is_table:
        table = parse_table(ctx, raw["table"], facts=FACTS, scalar=parse_scalar, parse_outcomes=parse_outcomes)
        key = ctx.keys.setdefault(("table", raw["id"]), f"k{len(ctx.keys) + 1}")
        lookup = Leaf(",".join(table.inputs), "table", table, key)
        when = lookup if when is None else All((when, lookup))
        then = Outcomes()
    else:
        then = parse_outcomes(ctx, raw["then"])
    return Rule(
        id=raw["id"], description=raw["description"].strip(), when=when, then=then,
        ruleset=ruleset, file=ctx.file, priority=priority, table=table,
    )
