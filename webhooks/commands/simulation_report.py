"""The summary `appeals rules simulate` prints: what a draft would change, in words, times local."""

from __future__ import annotations

from . import LocalTimes

# the decided fields a backtest compares, as the audit names them (engine.wording.labels FIELD_NAMES)
FIELD_KEYS = {"fz59_special": "special"}


def print_summary(rt, result: dict) -> None:
    labels, local = rt.policy_set.labels, LocalTimes(rt)

    def fields(counts: dict) -> str:
        return ", ".join(f"{labels('field', FIELD_KEYS.get(k, k))} {v}" for k, v in counts.items() if v)

    def outcome(decided: dict) -> str:
        return f"{labels('body', decided['body']) or '—'} / {labels('policy', decided['policy']) or '—'}"

    print(local.heading)
    changed = fields(result["changed_fields"])
    print(f"обращений с {local(result['since'])}: {result['appeals']}; решение изменится у {result['changed']}"
          f"{f' ({changed})' if changed else ''}; сроки сдвинутся у {result['deadlines_changed']}; "
          f"{str(result['seconds']).replace('.', ',')} с")
    for g in result["groups"]:
        print(f"  правило {g['old_rule']} → {g['new_rule']}: обращений {g['appeals']} ({fields(g['fields'])})")
        for ex in g["examples"]:
            print(f"      №{ex['appeal']}: {outcome(ex['before'])} → {outcome(ex['after'])}  «{ex['text'][:60]}»")
            for d in ex["deadlines"]:
                print(f"          {labels('clock', d['clock'])}: {local(d['before'])} → {local(d['after'])}")
