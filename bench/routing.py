"""Routing benchmark: our durable_rules evaluator vs the plain-Python reference, and the backtest.

By default it runs the whole benchmark of the rulebook issue in one run: for 10 / 100 / 1,000
generated rules over 50,000 generated Cyrillic appeals, appeals per second (first hit with the
explanation built, and collect) for both evaluators and their ratio, p50/p99 latency, RSS growth
and mismatches; then the time to backtest 100,000 stored appeals (SQLite file, production decision
path, worker processes as `appeals rules simulate` uses them), with, in the same run, the former
way (two full decisions per appeal on whole stored rows, one process) timed on a sample. The
backtest runs twice: on ten template texts (most appeals look alike to the rules, so few
decisions are made) and on varied texts (random mixes of topic words: nearly every appeal is new
to the rules, the hard case).

    MALLOC_TRIM_THRESHOLD_=131072 python bench/routing.py                # the issue's benchmark
    python bench/routing.py --appeals 5000 --backtest 10000 --sizes 10,100  # a quick run
    python bench/routing.py --memory-run 1000000  # RSS over 1M evaluations (the issue's memory test)
    python bench/routing.py --replacements 300 --appeals 0 --backtest 0  # RSS over 300 replaced versions
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.rulebook import load_rulebook  # noqa: E402
from tests.support.rule_trees import directory_sets, write_rules  # noqa: E402

WORDS = ("яма", "дорога", "асфальт", "выбоина", "вода", "отопление", "батарея", "мусор", "контейнер",
         "свалка", "врач", "поликлиника", "запись", "школа", "учитель", "садик", "автобус", "маршрут",
         "остановка", "пособие", "выплата", "пенсия", "работа", "зарплата", "свет", "фонарь", "двор", "снег",
         "крыша", "подъезд", "лифт", "газ", "труба", "канализация", "тариф", "счет", "парковка", "мост",
         "тротуар", "собака", "шум", "дерево")
CATEGORIES = [f"кат-{i}" for i in range(200)]
MUNICIPALITIES = [f"мо-{i}" for i in range(60)]


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def rule_when(rng: random.Random, i: int) -> dict:
    return {"all": [
        {"fact": "category", "op": "equals", "value": CATEGORIES[i % len(CATEGORIES)]},
        {"fact": "lemmas", "op": "has_any", "value": rng.sample(WORDS, 2)},
    ]}


def tree(n: int, hit_policy: str) -> dict:
    rng = random.Random(n)
    assign = {"assign": {"body": "min-roads", "role": "executor"}}
    files: dict = {}
    stages = []
    if hit_policy == "collect":
        stages.append({"name": "signals", "rulesets": ["b/signals"]})
        files["b/signals.yaml"] = {"ruleset": "b/signals", "hit_policy": "collect", "rules": [
            {"id": f"s{i}", "description": "d", "when": rule_when(rng, i), "then": {"add_tags": [f"t{i}"]}}
            for i in range(n)]}
        route = []
    else:
        route = [{"id": f"r{i}", "description": "d", "when": rule_when(rng, i), "then": assign} for i in range(n)]
    stages += [{"name": "route", "rulesets": ["b/route"]}, {"name": "deadline", "rulesets": ["b/deadline"]}]
    files["pipeline.yaml"] = {"stages": stages}
    files["b/route.yaml"] = {"ruleset": "b/route", "hit_policy": "first", "rules": [
        *route, {"id": "fallback", "description": "d", "then": {"assign": {"body": "cur-triage"}}}]}
    files["b/deadline.yaml"] = {"ruleset": "b/deadline", "hit_policy": "first", "rules": [
        {"id": "deadline", "description": "d", "then": {"deadline_policy": "fz59"}}]}
    return files


def appeals(count: int, seed: int = 5) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        words = rng.sample(WORDS, 5)
        out.append({"category": rng.choice(CATEGORIES), "municipality": rng.choice(MUNICIPALITIES),
                    "lemmas": words, "words": words, "regime": "fz59"})
    return out


def run(decide, items, explain: bool) -> tuple[list, list[float], float]:
    results, times = [], []
    started = time.perf_counter()
    for facts in items:
        t = time.perf_counter()
        d = decide(facts)
        if explain:
            d.explainer()  # build it as the production path does, without keeping it for the comparison
        times.append(time.perf_counter() - t)
        results.append((d.body, d.role, d.policy, d.priority, d.tags, d.rule_ids))  # what must agree
    return results, times, time.perf_counter() - started


class Decided(NamedTuple):
    """What the indexed evaluator decides: the fields the comparison reads."""

    body: str | None
    role: str | None
    policy: str | None
    priority: str
    tags: tuple
    rule_ids: tuple

    def explainer(self):
        return None


class Indexed:
    """A plain-Python evaluator of the same compiled rules, as one would write it by hand for these
    rules: per stage, the rules by the category they require (a dict), each rule's keywords as a set
    intersected with the appeal's lemma set, the first hit in rule order (or every hit in `collect`).
    The reference the engine is compared with; it knows only the generated rules' shape."""

    def __init__(self, rb):
        self.stages = []
        for stage in rb.stages:
            by_category: dict[str, list] = {}
            always = []
            for position, rule in enumerate(stage.rules):
                category, words = self._shape(rule.when)
                entry = (position, words, rule.id, rule.then)
                (always if category is None else by_category.setdefault(category, [])).append(entry)
            merged = {c: sorted(entries + always) for c, entries in by_category.items()}
            self.stages.append((stage.hit_policy == "collect", merged, sorted(always)))

    @staticmethod
    def _shape(when) -> tuple[str | None, frozenset | None]:
        from engine.rulebook.model import All, Leaf

        if when is None:
            return None, None
        if isinstance(when, All) and all(isinstance(leaf, Leaf) for leaf in when.items):
            found = {leaf.fact: leaf for leaf in when.items}
            if set(found) == {"category", "lemmas"} and found["category"].op == "equals" \
                    and found["lemmas"].op == "has_any":
                return found["category"].value, frozenset(found["lemmas"].value)
        raise ValueError(f"not a generated rule: {when}")

    def decide(self, facts: dict):
        lemmas, category = set(facts["lemmas"]), facts.get("category")
        body = role = policy = None
        tags: list[str] = []
        rule_ids: list[str] = []
        for collect, by_category, always in self.stages:
            for _, words, rule_id, then in by_category.get(category, always):
                if words is not None and not words & lemmas:
                    continue
                rule_ids.append(rule_id)
                if then.body is not None:
                    body, role = then.body, then.role
                if then.deadline_policy is not None:
                    policy = then.deadline_policy
                tags += [t for t in then.add_tags if t not in tags]
                if not collect:
                    break
        return Decided(body, role, policy, "normal", tuple(tags), tuple(rule_ids))

def zen_route(rb):
    """The route stage as a GoRules zen-engine first-hit decision table (one row per rule, a last
    row without conditions), or None when zen-engine is not installed. Gives the route rule's id."""
    try:
        import zen
    except ImportError:
        return None
    import json

    route = next(stage for stage in rb.stages if stage.name == "route")
    rows = []
    for rule in route.rules:
        category, words = Indexed._shape(rule.when)
        listed = ", ".join(json.dumps(w, ensure_ascii=False) for w in sorted(words or ()))
        rows.append({"_id": rule.id, "c": "" if category is None else json.dumps(category, ensure_ascii=False),
                     "l": "" if words is None else f"some($, # in [{listed}])", "o": json.dumps(rule.id)})
    table = {"hitPolicy": "first", "rules": rows, "outputs": [{"id": "o", "name": "rule", "field": "rule"}],
             "inputs": [{"id": "c", "name": "category", "field": "category"},
                        {"id": "l", "name": "lemmas", "field": "lemmas"}]}
    at = {"x": 0, "y": 0}
    model = {"nodes": [{"id": "in", "type": "inputNode", "name": "in", "position": at},
                       {"id": "t", "type": "decisionTableNode", "name": "route", "position": at, "content": table},
                       {"id": "out", "type": "outputNode", "name": "out", "position": at}],
             "edges": [{"id": "a", "sourceId": "in", "targetId": "t", "type": "edge"},
                       {"id": "b", "sourceId": "t", "targetId": "out", "type": "edge"}]}
    decision = zen.ZenEngine().create_decision(json.dumps(model, ensure_ascii=False))
    return lambda facts: decision.evaluate({"category": facts.get("category"), "lemmas": facts["lemmas"]})["result"]


def timed(decide, items) -> tuple[list, float]:
    started = time.perf_counter()
    results = [decide(facts) for facts in items]
    return results, len(items) / (time.perf_counter() - started)


def measure(n: int, hit_policy: str, items: list[dict], naive: bool = True, rounds: int = 5) -> dict:
    """The evaluators in alternating rounds over the same appeals (a busy neighbour slows them alike):
    per round a slice of the appeals through ours, the indexed one, the naive one and zen-engine."""
    explain = hit_policy == "first"
    with tempfile.TemporaryDirectory() as tmp:
        gc.collect()
        before = rss_mb()
        rb = load_rulebook(write_rules(Path(tmp), tree(n, hit_policy)), **directory_sets())
        rb.warm_up()
        grown = rss_mb() - before  # RSS growth while ours built its rulesets and decided (its rounds only)
        indexed = Indexed(rb)
        zen = zen_route(rb) if explain else None
        if zen is not None:
            zen(items[0])
        ours, t_ours, idx, ref, answers = [], [], [], [], []
        seconds = {"ours": 0.0, "idx": 0.0, "ref": 0.0, "zen": 0.0}
        size = -(-len(items) // rounds)
        for start in range(0, len(items), size):
            chunk = items[start:start + size]
            at = rss_mb()
            results, times, spent = run(rb.decide, chunk, explain)
            grown += rss_mb() - at
            ours += results
            t_ours += times
            seconds["ours"] += spent
            results, _, spent = run(indexed.decide, chunk, False)
            idx += results
            seconds["idx"] += spent
            if naive:
                results, _, spent = run(rb.decide_reference, chunk, explain)
                ref += results
                seconds["ref"] += spent
            if zen is not None:
                results, rate = timed(zen, chunk)
                answers += results
                seconds["zen"] += len(chunk) / rate
        mismatches = sum(a != b for a, b in zip(ours, idx, strict=True))
        if naive:
            mismatches += sum(a != b for a, b in zip(ours, ref, strict=True))
        zen_rate = zen_mismatches = None
        if zen is not None:
            zen_rate = len(items) / seconds["zen"]
            zen_mismatches = sum(a["rule"] != o[5][0] for a, o in zip(answers, ours, strict=True))
        rb.retire()
    return {"rules": n, "mode": "first+explain" if explain else "collect", "ours": len(items) / seconds["ours"],
            "idx": len(items) / seconds["idx"], "ref": len(items) / seconds["ref"] if naive else None,
            "p50": statistics.median(t_ours) * 1e6, "p99": sorted(t_ours)[int(len(t_ours) * 0.99)] * 1e6,
            "rss": grown, "mismatches": mismatches, "zen": zen_rate, "zen_mismatches": zen_mismatches}


def memory_run(total: int) -> None:
    items = appeals(2000)
    with tempfile.TemporaryDirectory() as tmp:
        rb = load_rulebook(write_rules(Path(tmp), tree(100, "collect")), **directory_sets())
        for facts in items * 2:
            rb.decide(facts)
        gc.collect()
        before, started, done = rss_mb(), time.perf_counter(), 0
        while done < total:
            for facts in items:
                rb.decide(facts)
            done += len(items)
            if done % 200_000 < len(items):
                print(f"  {done:>9,} decisions ({done * 3:,} stage evaluations): RSS +{rss_mb() - before:.1f} MB",
                      flush=True)
        print(f"{done:,} decisions in {time.perf_counter() - started:.0f} s; RSS growth {rss_mb() - before:.1f} MB")


def legacy_replay(old, new, since, limit: int) -> tuple[float, int]:
    """The backtest as it was first written, for comparison: whole stored rows, the text read and
    every stage evaluated twice (once per version), one process."""
    from engine.store import rule_versions
    from engine.store.appeals import incoming_from

    started, changed = time.perf_counter(), 0
    for record, _ in rule_versions.appeals_since(since, limit=limit):
        incoming = incoming_from(record)
        before, after = old.decide(incoming), new.decide(incoming)
        changed += (before.body, before.role, before.policy, before.priority) != (
            after.body, after.role, after.policy, after.priority)
    return time.perf_counter() - started, changed


def stored_text(rng: random.Random, i: int, varied: bool) -> str:
    """A stored appeal's text: one of ten templates with a house number, or (varied) 3–9 words
    drawn from the topic words, so that nearly every appeal holds another mix of them."""
    if varied:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))) + f" (дом {i % 300})"
    return f"{rng.choice(BACKTEST_TEXTS)} (дом {i % 300})"


BACKTEST_TEXTS = ["На ул. Попова огромные ямы", "Третий день нет горячей воды", "Не вывозят мусор, свалка во дворе",
                  "Не могу записаться к врачу", "Автобус 10 не ходит", "Прошу разъяснить порядок получения справки",
                  "Не горят фонари во дворе", "Задерживают зарплату", "Протекает крыша", "Холодно в школе"]


def backtest(count: int, sample: int, varied: bool = False) -> None:
    from datetime import UTC, datetime, timedelta

    from engine.policyset import load_policy_set, load_policy_set_from_files
    from engine.rulebook.snapshot import read_tree
    from engine.services.rules.backtest import replay
    from engine.store import models
    from engine.store.db import database, open_database
    from engine.store.migrations import migrate

    policy = load_policy_set(ROOT / "rules")
    files = read_tree(ROOT / "rules")
    files["routing/fallback.yaml"] = files["routing/fallback.yaml"].replace("body: cur-triage", "body: min-social")
    draft = load_policy_set_from_files(files)
    munis = ["barnaul", "biysk", "rubtsovsk", "pavlovsky-district", None]
    with tempfile.TemporaryDirectory() as tmp:
        open_database(f"sqlite:///{tmp}/bench.db")
        database.connect()
        now = datetime(2026, 11, 30, 3, tzinfo=UTC)
        migrate(now)
        rng = random.Random(9)
        started = time.perf_counter()
        with database.atomic():
            rows = []
            for i in range(count):
                at = now - timedelta(minutes=rng.randrange(60 * 24 * 25))
                rows.append({"channel": "bench", "external_id": str(i), "raw_payload": "{}",
                             "text": stored_text(rng, i, varied), "author_type": "citizen",
                             "municipality": rng.choice(munis), "regime": "fz59", "urgency": "normal", "fz59": True,
                             "attachments": "[]", "status": "routed", "received_at": at, "created_at": at,
                             "updated_at": at})
            for chunk in range(0, len(rows), 500):
                models.AppealRecord.insert_many(rows[chunk:chunk + 500]).execute()
        kind = "varied texts: 3–9 random topic words each" if varied else "ten template texts"
        print(f"stored {count:,} appeals ({kind}; no stored decisions, so both versions decide) "
              f"in {time.perf_counter() - started:.1f} s")
        since = now - timedelta(days=30)
        result = replay(policy, draft, since=since,
                        progress=lambda done, total: print(f"  {done:,}/{total:,}", flush=True)
                        if done % 20000 == 0 else None)
        per = result["seconds"] / max(result["appeals"], 1) * 1e3
        print(f"backtest of {result['appeals']:,} stored appeals in {result['processes']} processes: "
              f"{result['seconds']} s ({per:.2f} ms each); {result['changed']:,} would change, "
              f"{len(result['groups'])} groups; {result['decisions_made']:,} decisions made for "
              f"{2 * result['appeals']:,} (appeal, version) pairs", flush=True)
        if sample:
            sample = min(sample, count)
            one = replay(policy, draft, since=since, limit=sample, workers=1)
            legacy, legacy_changed = legacy_replay(policy, draft, since, sample)
            assert legacy_changed == one["changed"], (legacy_changed, one["changed"])
            print(f"same run, first {sample:,} appeals in one process: {one['seconds'] / sample * 1e3:.2f} ms each; "
                  f"the former way (on the engine as it is now) {legacy / sample * 1e3:.2f} ms each "
                  f"(≈ {legacy / sample * count:,.0f} s for {count:,}); "
                  f"former / now {legacy / result['seconds'] * count / sample:.1f}×")
        database.close()


def replacements(cycles: int) -> None:
    from tests.support.rulebook_memory import replacement_cycles

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = replacement_cycles(tmp, cycles)
    print(f"{cycles} versions of 400 rules built, used and replaced in {time.perf_counter() - started:.0f} s: "
          f"RSS growth {result['growth']:.1f} MB after the first 20, {result['wrong']} wrong answers")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appeals", type=int, default=50_000, help="generated appeals per evaluator run (0: none)")
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--backtest", type=int, default=100_000, help="stored appeals to backtest (0: none)")
    parser.add_argument("--sample", type=int, default=5_000,
                        help="appeals of the backtest also replayed in one process and the former way")
    parser.add_argument("--backtest-texts", default="templates,varied",
                        help="stored texts: templates (ten, with house numbers), varied (random topic words)")
    parser.add_argument("--no-naive", action="store_true", help="leave out the naive in-order evaluator")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds the appeals are split into")
    parser.add_argument("--memory-run", type=int, default=0)
    parser.add_argument("--replacements", type=int, default=0, help="replace a 400-rule version this many times")
    args = parser.parse_args()
    if args.memory_run:
        memory_run(args.memory_run)
        return
    if args.appeals:
        items = appeals(args.appeals)
        print(f"{args.appeals:,} generated Cyrillic appeals; appeals/s, latency in µs, RSS growth of our evaluator; "
              "idx: the indexed plain-Python evaluator (the reference); naive: rules evaluated in order "
              "(decide_reference); zen: GoRules zen-engine, first-hit table of the route stage; "
              f"the evaluators alternate in {args.rounds} rounds")
        print(f"{'rules':>6} {'mode':<14} {'ours/s':>9} {'idx/s':>9} {'ours/idx':>8} {'naive/s':>8} {'zen/s':>8} "
              f"{'ours/zen':>8} {'p50':>7} {'p99':>7} {'RSS MB':>7} {'mismatch':>8}")
        for n in (int(x) for x in args.sizes.split(",")):
            for mode in ("first", "collect"):
                r = measure(n, mode, items, naive=not args.no_naive, rounds=args.rounds)
                zen = f"{r['zen']:>8,.0f} {r['ours'] / r['zen']:>8.2f}" if r["zen"] else f"{'-':>8} {'-':>8}"
                naive = f"{r['ref']:>8,.0f}" if r["ref"] else f"{'-':>8}"
                mism = r["mismatches"] + (r["zen_mismatches"] or 0)
                print(f"{r['rules']:>6} {r['mode']:<14} {r['ours']:>9,.0f} {r['idx']:>9,.0f} "
                      f"{r['ours'] / r['idx']:>8.3f} {naive} {zen} {r['p50']:>7.0f} {r['p99']:>7.0f} "
                      f"{r['rss']:>7.1f} {mism:>8}", flush=True)
    if args.backtest:
        for texts in args.backtest_texts.split(","):
            backtest(args.backtest, args.sample, varied=texts == "varied")
    if args.replacements:
        replacements(args.replacements)


if __name__ == "__main__":
    main()
