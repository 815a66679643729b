"""The complaint stage on a held-out set (tests/monitor/vk_corpus_held_out.yaml: 45 complaints and
requests to the authorities, 45 chatter from Altai Krai communities), written after the rules were tuned
on tests/monitor/vk_corpus.yaml and never used to change them. This is a measurement, not a target: the
figures are recorded in BENCHMARKS.md, and the test fails only below a floor.

The floor is the issue's target less about two standard errors of a proportion measured on 45 texts
(√(0.9·0.1/45) ≈ 0.045, √(0.8·0.2/45) ≈ 0.06): precision 0.80, recall 0.70. Below it the stage is worse
on unseen texts than chance variation of this small set explains, and the rules need a look — with new
tuning texts, never these ones."""

from __future__ import annotations

from pathlib import Path

import yaml

from engine.classify import load_reader
from engine.monitor.complaints import load_stage
from tests.support.paths import RULES_DIR

HELD_OUT = Path(__file__).with_name("vk_corpus_held_out.yaml")
TUNED_ON = Path(__file__).with_name("vk_corpus.yaml")
PRECISION_FLOOR, RECALL_FLOOR = 0.80, 0.70


def _texts():
    corpus = yaml.safe_load(HELD_OUT.read_text(encoding="utf-8"))
    return corpus["complaints"], corpus["chatter"]


def test_the_held_out_set_is_ninety_distinct_texts_none_of_them_in_the_tuning_corpus():
    complaints, chatter = _texts()
    tuning = yaml.safe_load(TUNED_ON.read_text(encoding="utf-8"))

    assert (len(complaints), len(chatter)) == (45, 45)
    assert len(set(complaints + chatter)) == 90
    assert not set(complaints + chatter) & set(tuning["complaints"] + tuning["chatter"])


def test_precision_and_recall_on_the_held_out_set_stay_above_the_floor(capsys):
    complaints, chatter = _texts()
    stage, reader = load_stage(RULES_DIR), load_reader(RULES_DIR)
    missed = [t for t in complaints if not stage.judge(t, reader).complaint]
    false_alarms = [t for t in chatter if stage.judge(t, reader).complaint]
    found = len(complaints) - len(missed)

    precision = found / (found + len(false_alarms))
    recall = found / len(complaints)
    with capsys.disabled():
        print(f"\nheld-out: found {found}/{len(complaints)}, false alarms {len(false_alarms)}/{len(chatter)}, "
              f"precision {precision:.3f}, recall {recall:.3f}")

    assert precision >= PRECISION_FLOOR, false_alarms
    assert recall >= RECALL_FLOOR, missed
