"""The demo corpus as appeals: every routing case of the demo rules (rules/routing/*_test.yaml) and
the demo appeals of `appeals demo`, received by a few residents over a few hours, so that repeats
(one author, one topic) and clusters (many authors, one topic, one municipality) occur among them."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import yaml

from engine.domain.appeal import Author, IncomingAppeal
from tests.support.paths import RULES_DIR
from webhooks.demo import DEMO_APPEALS

CHANNELS = ("vk", "telegram", "portal", "open311", "hotline")
APPEAL_FIELDS = ("text", "municipality", "regime", "category", "urgency", "fz59")


def corpus_givens(rules_dir: Path = RULES_DIR) -> list[dict]:
    """The appeal fields of every routing case and demo appeal (facts a channel cannot give are left out)."""
    givens = []
    for path in sorted((rules_dir / "routing").glob("*_test.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            given = case.get("given") or {}
            appeal = {k: v for k, v in given.items() if k in APPEAL_FIELDS}
            if given.get("author_type"):
                appeal["author"] = {"type": given["author_type"]}
            givens.append(appeal)
    givens += [dict(demo) for demo in DEMO_APPEALS]
    return givens


def corpus_appeals(now, *, copies: int = 3, authors: int = 6) -> list[IncomingAppeal]:
    """`copies` passes over the corpus, received over the few hours before `now` in a shuffled but
    fixed order; most appeals carry one of `authors` author ids, some none."""
    givens = corpus_givens()
    out = []
    step = timedelta(minutes=1)
    counter = itertools.count()
    for copy in range(copies):
        for i, given in enumerate(givens):
            n = next(counter)
            author = given.get("author") or {}
            author_id = None if n % 7 == 3 else f"vk:{100 + (n * 5 + copy) % authors}"
            out.append(IncomingAppeal(
                channel=CHANNELS[n % len(CHANNELS)],
                external_id=f"corpus-{copy}-{i}",
                text=given["text"],
                # not in arrival order: some appeals arrive after later-written ones
                received_at=now - step * (copies * len(givens) - n) - step * (n % 4) * 5,
                author=Author(name=author.get("name", "Житель"), type=author.get("type", "citizen"),
                              contact=author.get("contact")),
                municipality=given.get("municipality"),
                category=given.get("category"),
                regime=given.get("regime"),
                urgency=given.get("urgency", "normal"),
                fz59=bool(given.get("fz59")),
                author_id=author_id,
            ))
    return out
