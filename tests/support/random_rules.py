"""Random conditions and facts in the rule language, for comparing the evaluators on generated data."""

from __future__ import annotations

import random

STRS = ["a", "b", "barnaul", "3", "03", "3.0", "яма", "true", "%x"]
INTS = [0, 1, 2, 3, 5, 7, 23]
ITEMS = ["яма", "дорога", "вода", "горячий", "a", "b", "3"]
WORDS = ["горячей", "воды", "нет", "яма", "на", "дороге", "a", "3"]
STR_FACTS = ["channel", "topic", "subtopic", "category", "municipality", "body", "status"]
INT_FACTS = ["text_length", "attachment_count", "repeat_count", "weekday", "hour"]
BOOL_FACTS = ["working_time", "fz59"]
LIST_FACTS = ["tags", "lemmas", "words"]
ENUMS = {"regime": ["fz59", "portal_message", "incident", "other"], "urgency": ["normal", "high"],
         "author_type": ["citizen", "anonymous"], "priority": ["low", "normal", "high", "critical"]}


def random_leaf(rng: random.Random) -> dict:
    kind = rng.choice(["str", "int", "bool", "list", "enum", "phrase", "matches"])
    if kind == "str":
        f = rng.choice(STR_FACTS)
        op = rng.choice(["equals", "not_equals", "in", "not_in", "exists", "not_exists"])
        pool = STRS
    elif kind == "enum":
        f = rng.choice(list(ENUMS))
        op = rng.choice(["equals", "not_equals", "in", "not_in", "exists", "not_exists"])
        pool = ENUMS[f]
    elif kind == "int":
        f = rng.choice(INT_FACTS)
        op = rng.choice(["equals", "not_equals", "in", "not_in", "lt", "lte", "gt", "gte", "exists", "not_exists"])
        pool = [v for v in INTS if not (f == "weekday" and not 1 <= v <= 7)] or [1]
    elif kind == "bool":
        f = rng.choice(BOOL_FACTS)
        op = rng.choice(["equals", "not_equals", "exists", "not_exists"])
        pool = [True, False]
    elif kind == "list":
        f = rng.choice(LIST_FACTS)
        op = rng.choice(["has_any", "has_all"])
        return {"fact": f, "op": op, "value": rng.sample(ITEMS, rng.randint(1, 3))}
    elif kind == "phrase":
        return {"fact": rng.choice(["lemmas", "words"]), "op": "phrase",
                "value": rng.choice(["горячая вода", "горячей воды", "нет", "яма на дороге"])}
    else:
        return {"fact": rng.choice(["text", "municipality", "tags"]), "op": "matches",
                "value": rng.choice(["яма", "^bar", r"\d", "вод[аы]"])}
    if op in ("exists", "not_exists"):
        return {"fact": f, "op": op}
    if op in ("in", "not_in"):
        return {"fact": f, "op": op, "value": rng.sample(pool, min(len(pool), rng.randint(1, 3)))}
    return {"fact": f, "op": op, "value": rng.choice(pool)}


def random_condition(rng: random.Random, depth: int = 0) -> dict:
    r = rng.random()
    if depth >= 3 or r < 0.45:
        return random_leaf(rng)
    if r < 0.65:
        return {"not": random_condition(rng, depth + 1)}
    key = "all" if r < 0.83 else "any"
    return {key: [random_condition(rng, depth + 1) for _ in range(rng.randint(1, 3))]}


def random_facts(rng: random.Random) -> dict:
    facts: dict = {}
    for f in STR_FACTS:
        if rng.random() < 0.6:
            facts[f] = rng.choice(STRS)
    for f, pool in ENUMS.items():
        if rng.random() < 0.6:
            facts[f] = rng.choice(pool)
    for f in INT_FACTS:
        if rng.random() < 0.6:
            facts[f] = rng.choice(INTS) if f != "weekday" else rng.randint(1, 7)
    for f in BOOL_FACTS:
        if rng.random() < 0.5:
            facts[f] = rng.random() < 0.5
    for f in ("tags", "lemmas"):
        if rng.random() < 0.7:
            facts[f] = rng.sample(ITEMS, rng.randint(0, 4))
    if rng.random() < 0.7:
        facts["words"] = [rng.choice(WORDS) for _ in range(rng.randint(0, 6))]
    if rng.random() < 0.5:
        facts["text"] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6)))
    return facts
