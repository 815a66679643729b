"""The backtest replays stored appeals with the production decision path, fast: only the needed
columns, each text read once for both versions, and worker processes for large runs."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest

from engine.policyset import PolicySet, load_policy_set, load_policy_set_from_files
from engine.rulebook.snapshot import read_tree, write_tree
from engine.services.rules import backtest, replay_workers, replayer
from engine.store import replay
from engine.store.appeals import incoming_from
from engine.store.models import AppealRecord, DecisionRecord
from tests.support.command_line import run
from tests.support.paths import RULES_DIR

TEXTS = ["На ул. Попова огромные ямы", "Третий день нет горячей воды", "Не вывозят мусор, свалка во дворе",
         "Не могу записаться к врачу", "Автобус 10 не ходит", "Прошу разъяснить порядок получения справки",
         "Не горят фонари во дворе", "Протекает крыша", "Что-то непонятное"]
MUNICIPALITIES = ["barnaul", "biysk", "rubtsovsk", None]


def store_appeals(now, count: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        at = now - timedelta(hours=rng.randrange(24 * 20))
        rows.append({"channel": "portal", "external_id": f"bt-{i}", "raw_payload": "{}",
                     "text": f"{rng.choice(TEXTS)} (дом {i})", "author_type": "citizen", "author_name": "Иван",
                     "municipality": rng.choice(MUNICIPALITIES), "regime": "fz59", "urgency": "normal", "fz59": True,
                     "attachments": ["https://example.test/a.jpg"] if i % 4 == 0 else [],
                     "lat": 53.3 if i % 3 else None, "long": 83.7 if i % 3 else None, "status": "routed",
                     "received_at": at, "created_at": at,
                     "updated_at": at})
    AppealRecord.insert_many(rows).execute()


def draft_of(files: dict[str, str], body: str = "barnaul-admin") -> dict[str, str]:
    return {rel: (text.replace("body: cur-triage", f"body: {body}") if rel.startswith("routing/") else text)
            for rel, text in files.items()}


@pytest.mark.both_databases
def test_pages_carry_what_routing_reads_from_a_stored_appeal(runtime):
    store_appeals(runtime.now(), 9)
    pages = list(replay.pages_since(runtime.now() - timedelta(days=30), page=4))
    assert [len(p) for p in pages] == [4, 4, 1]
    rows = {row.id: row for page in pages for row, _ in page}
    for record in AppealRecord.select():
        assert incoming_from(rows[record.id]) == incoming_from(record)
        assert rows[record.id].registered_at == record.registered_at
    assert replay.count_since(runtime.now() - timedelta(days=30)) == 9


def test_each_text_is_read_once_for_both_versions_when_the_draft_reads_texts_alike(runtime, monkeypatch):
    store_appeals(runtime.now(), 12)
    draft = load_policy_set_from_files(draft_of(read_tree(RULES_DIR)))
    reads = []
    real = PolicySet.read
    monkeypatch.setattr(PolicySet, "read", lambda self, *a, **k: reads.append(self) or real(self, *a, **k))
    result = backtest.replay(runtime.policy_set, draft, since=runtime.now() - timedelta(days=30), workers=1)
    assert result["appeals"] == 12 and result["reused_decisions"] == 0
    assert len(reads) == 12 and all(r is runtime.policy_set for r in reads)

    topics = read_tree(RULES_DIR)
    topics["lexicon.yaml"] += "\n# the draft changes how texts are read\n"
    reads.clear()
    other = load_policy_set_from_files(draft_of(topics))
    assert other.reading_version != runtime.policy_set.reading_version
    backtest.replay(runtime.policy_set, other, since=runtime.now() - timedelta(days=30), workers=1)
    assert len(reads) == 24


def test_the_backtest_gives_the_decisions_routing_gives(runtime):
    store_appeals(runtime.now(), 15)
    draft = load_policy_set_from_files(draft_of(read_tree(RULES_DIR)))
    result = backtest.replay(runtime.policy_set, draft, since=runtime.now() - timedelta(days=30), workers=1, page=4)
    expected_changed = 0
    for record in AppealRecord.select():
        before, after = runtime.policy_set.decide(incoming_from(record)), draft.decide(incoming_from(record))
        expected_changed += (before.body, before.role, before.policy, before.priority) != (
            after.body, after.role, after.policy, after.priority)
    assert result["appeals"] == 15 and result["changed"] == expected_changed > 0
    for group in result["groups"]:
        for example in group["examples"]:
            record = AppealRecord.get_by_id(example["appeal"])
            decided = draft.decide(incoming_from(record))
            assert example["after"] == {"body": decided.body, "role": decided.role, "policy": decided.policy,
                                        "priority": decided.priority, "fz59_special": decided.fz59_special,
                                        "control": decided.control}


def test_appeals_the_rules_cannot_tell_apart_are_decided_once_and_every_appeal_is_counted(runtime):
    store_appeals(runtime.now(), 400)
    draft = load_policy_set_from_files(draft_of(read_tree(RULES_DIR)))
    result = backtest.replay(runtime.policy_set, draft, since=runtime.now() - timedelta(days=30), workers=1)
    changed = {}
    for record in AppealRecord.select():
        before, after = runtime.policy_set.decide(incoming_from(record)), draft.decide(incoming_from(record))
        if any(getattr(before, f) != getattr(after, f) for f in replayer.FIELDS):
            changed[record.id] = ({f: getattr(before, f) for f in replayer.FIELDS},
                                  {f: getattr(after, f) for f in replayer.FIELDS})
    assert result["appeals"] == 400 and result["changed"] == len(changed) > 0
    # the house numbers do not make an appeal new to the rules
    assert result["decisions_made"] < 2 * 400 / 2, result["decisions_made"]
    examples = [e for g in result["groups"] for e in g["examples"]]
    assert examples and all(changed[e["appeal"]] == (e["before"], e["after"]) for e in examples)


@pytest.mark.both_databases
@pytest.mark.slow
def test_worker_processes_report_exactly_what_one_process_reports(runtime, tmp_path):
    store_appeals(runtime.now(), 40)
    active = load_policy_set(write_tree(read_tree(RULES_DIR), tmp_path / "rules"))  # a folder nobody edits
    # a stored decision of the active version is reused, one of another version is not
    first, second = AppealRecord.select().order_by(AppealRecord.id).limit(2)
    for record, version in ((first, active.rulebook.version), (second, "older")):
        decided = active.decide(incoming_from(record))
        DecisionRecord.create(appeal=record.id, ruleset_version=version, route_rule_id=decided.route_rule_id,
                              rule_ids=list(decided.rule_ids), body=decided.body, role=decided.role,
                              policy=decided.policy, priority=decided.priority, topic=decided.topic, tags=[],
                              fz59_special=decided.fz59_special or "", reading_version=active.reading_id,
                              explanation=[], explanation_text="", decided_at=runtime.now())
    draft = load_policy_set_from_files(draft_of(read_tree(tmp_path / "rules")))
    since = runtime.now() - timedelta(days=30)
    seen = []
    alone = backtest.replay(active, draft, since=since, workers=1, page=6)
    spread = backtest.replay(active, draft, since=since, workers=2, page=6,
                             progress=lambda done, total: seen.append((done, total)), every=10)
    assert (alone["processes"], spread["processes"]) == (1, 2)
    assert alone["reused_decisions"] == 1 and alone["changed"] > 0
    how = ("seconds", "processes", "decisions_made")  # how the replay ran: each process decides for itself
    same = {k: v for k, v in alone.items() if k not in how}
    assert {k: v for k, v in spread.items() if k not in how} == same
    assert seen[-1] == (40, 40) and len(seen) >= 4


@pytest.mark.slow
def test_workers_are_not_used_when_a_rules_folder_changed_after_it_was_loaded(runtime, tmp_path):
    store_appeals(runtime.now(), 10)
    folder = write_tree(read_tree(RULES_DIR), tmp_path / "rules")
    active = load_policy_set(folder)
    draft = load_policy_set_from_files(draft_of(read_tree(RULES_DIR)))
    (folder / "routing" / "fallback.yaml").write_text(
        (folder / "routing" / "fallback.yaml").read_text(encoding="utf-8").replace("cur-triage", "min-social"),
        encoding="utf-8")
    assert replay_workers.start_pool(active, draft, 2) is None
    since = runtime.now() - timedelta(days=30)
    spread = backtest.replay(active, draft, since=since, workers=2)
    assert spread["processes"] == 1
    assert spread["changed"] == backtest.replay(active, draft, since=since, workers=1)["changed"]


def test_a_decision_the_appeals_history_shaped_is_decided_again_not_reused(runtime):
    store_appeals(runtime.now(), 3)
    first, second, third = AppealRecord.select().order_by(AppealRecord.id)
    AppealRecord.update(repeat_of=first.id).where(AppealRecord.id == second.id).execute()
    for record, tags in ((first, []), (second, []), (third, ["mass-incident"])):
        decided = runtime.policy_set.decide(incoming_from(record))
        DecisionRecord.create(appeal=record.id, ruleset_version=runtime.policy_set.rulebook.version,
                              route_rule_id=decided.route_rule_id, rule_ids=list(decided.rule_ids),
                              body=decided.body, role=decided.role, policy=decided.policy,
                              priority=decided.priority, topic=decided.topic, tags=tags,
                              fz59_special=decided.fz59_special or "", reading_version=runtime.policy_set.reading_id,
                              explanation=[], explanation_text="", decided_at=runtime.now())

    policy_set = runtime.policy_set
    result = backtest.replay(policy_set, policy_set, since=runtime.now() - timedelta(days=30), workers=1)

    assert result["appeals"] == 3 and result["reused_decisions"] == 1  # only the first: no repeat, no cluster
    assert result["changed"] == 0


def test_a_stored_decision_is_reused_only_when_made_by_these_rules_from_a_reading_like_todays(runtime):
    store_appeals(runtime.now(), 4)
    active = runtime.policy_set
    records = list(AppealRecord.select().order_by(AppealRecord.id))
    made = [(active.reading_id, ""), ("other-topics:other-calendar", ""), (active.reading_id, None), (None, "")]
    for record, (reading, special) in zip(records, made, strict=True):
        decided = active.decide(incoming_from(record))
        DecisionRecord.create(appeal=record.id, ruleset_version=active.rulebook.version,
                              route_rule_id=decided.route_rule_id, rule_ids=list(decided.rule_ids), body=decided.body,
                              role=decided.role, policy=decided.policy, priority=decided.priority,
                              topic=decided.topic, tags=[], fz59_special=special, reading_version=reading,
                              explanation=[], explanation_text="", decided_at=runtime.now())
    draft = load_policy_set_from_files(draft_of(read_tree(RULES_DIR)))
    result = backtest.replay(active, draft, since=runtime.now() - timedelta(days=30), workers=1)
    assert result["appeals"] == 4 and result["reused_decisions"] == 1


def test_routing_records_what_a_backtest_needs_to_reuse_its_decision(runtime):
    from engine.domain.appeal import Author, IncomingAppeal
    from engine.services.intake import receive_appeal, route_appeal

    incoming = IncomingAppeal(channel="portal", external_id="x1", text="Яма на дороге", author=Author(),
                              received_at=runtime.now(), regime="fz59")
    appeal_id = receive_appeal(runtime, incoming, "{}", actor="test").appeal_id
    assert route_appeal(runtime, appeal_id)
    page = next(replay.pages_since(runtime.now() - timedelta(days=1)))
    (_row, stored), = page
    assert stored.reading_version == runtime.policy_set.reading_id and stored.fz59_special is not None
    result = backtest.replay(runtime.policy_set, runtime.policy_set, since=runtime.now() - timedelta(days=1), workers=1)
    assert result["reused_decisions"] == 1 and result["decisions_made"] == 1  # only the draft side decided


def test_the_command_line_summary_names_bodies_clocks_and_local_times_in_russian(runtime, cli_env, capsys, tmp_path):
    store_appeals(runtime.now(), 12)
    files = draft_of(read_tree(RULES_DIR))
    files["deadline_policies.yaml"] = files["deadline_policies.yaml"].replace(
        "        amount: 30\n        starts_from: registered", "        amount: 25\n        starts_from: registered", 1)
    draft = write_tree(files, tmp_path / "draft")

    code, out, err = run(capsys, "rules", "simulate", str(draft), "--since", "8w")

    assert code == 0, err
    zone, totals, group, example, clock = out.splitlines()
    assert zone == "время: барнаульское время (UTC+7)"
    assert re.fullmatch(r"обращений с \d\d\.\d\d\.\d{4} \d\d:\d\d: 12; решение изменится у 1 \(орган 1\); "
                        r"сроки сдвинутся у 1; [\d,]+ с", totals), totals
    assert group == "  правило route-fallback → route-fallback: обращений 1 (орган 1)"
    assert ("ЦУР Алтайского края: сортировка обращений / Обращение гражданина по 59-ФЗ → "
            "Администрация города Барнаула / Обращение гражданина по 59-ФЗ  «") in example
    assert re.fullmatch(r" +срок ответа: \d\d\.\d\d\.\d{4} 23:59 → \d\d\.\d\d\.\d{4} 23:59", clock), clock
