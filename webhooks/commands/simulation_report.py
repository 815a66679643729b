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
    control = result["control_changed"]
    if control["on"] or control["off"]:
        print(f"{labels('field', 'control')}: станут {control['on']}, перестанут {control['off']}")
    for g in result["groups"]:
        print(f"  правило {g['old_rule']} → {g['new_rule']}: обращений {g['appeals']} ({fields(g['fields'])})")
        for ex in g["examples"]:
            before, after = ex["before"], ex["after"]
            control = (f" ({labels('field', 'control')}: {_yes_no(before['control'])} → {_yes_no(after['control'])})"
                       if before["control"] != after["control"] else "")
            print(f"      №{ex['appeal']}: {outcome(before)} → {outcome(after)}{control}  «{ex['text'][:60]}»")
            for d in ex["deadlines"]:
                print(f"          {labels('clock', d['clock'])}: {local(d['before'])} → {local(d['after'])}")


def _yes_no(value: bool) -> str:
    return "да" if value else "нет"
