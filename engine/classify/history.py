"""Repeats and clusters from an appeal's neighbours: pure decisions over rows the store found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class HistorySettings:
    repeat_window: timedelta = timedelta(days=30)
    cluster_window: timedelta = timedelta(hours=24)
    cluster_min_authors: int = 3

    @classmethod
    def from_document(cls, doc: dict) -> HistorySettings:
        repeats = doc.get("repeats") or {}
        clusters = doc.get("clusters") or {}
        return cls(
            repeat_window=timedelta(days=int(repeats.get("window_days", 30))),
            cluster_window=timedelta(hours=int(clusters.get("window_hours", 24))),
            cluster_min_authors=int(clusters.get("min_authors", 3)),
        )


@dataclass(frozen=True)
class Neighbour:
    appeal_id: int
    author_id: str | None
    received_at: datetime


@dataclass(frozen=True)
class History:
    """What earlier appeals say about this one: facts for the rules, and the appeal it repeats."""

    repeat_count: int = 0
    repeat_of: int | None = None
    cluster_authors: int = 0
    mass_incident: bool = False

    @property
    def matters(self) -> bool:
        return self.repeat_count > 0 or self.mass_incident

    def to_dict(self) -> dict:
        return {"repeat_count": self.repeat_count, "repeat_of": self.repeat_of,
                "cluster_authors": self.cluster_authors, "mass_incident": self.mass_incident}


def assess(
    *, author_id: str | None, repeat_count: int, earliest: Neighbour | None, place_authors: list[str],
    settings: HistorySettings,
) -> History:
    """`repeat_count`: how many earlier appeals of this author on the topic within the repeat window,
    `earliest` the first of them; `place_authors`: the other authors on the topic in the municipality
    within the cluster window."""
    authors = set(place_authors)
    authors.add(author_id or "this")
    return History(
        repeat_count=repeat_count,
        repeat_of=earliest.appeal_id if earliest else None,
        cluster_authors=len(authors),
        mass_incident=len(authors) >= settings.cluster_min_authors,
    )
