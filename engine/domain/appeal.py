"""The appeal as it arrives from any channel, normalised to one shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Author:
    name: str | None = None
    type: str = "citizen"
    contact: str | None = None


@dataclass(frozen=True)
class IncomingAppeal:
    """One appeal normalised from a channel payload; times are timezone-aware."""

    channel: str
    external_id: str
    text: str
    received_at: datetime
    author: Author = field(default_factory=Author)
    municipality: str | None = None
    address: str | None = None
    lat: float | None = None
    long: float | None = None
    category: str | None = None
    subcategory: str | None = None
    fz59: bool = False
    urgency: str = "normal"
    regime: str | None = None
    attachments: tuple[str, ...] = ()
    author_id: str | None = None  # the author's stable id in the channel ("vk:123"), for repeats
    link: str | None = None  # where the original lives (a post or comment URL)

    @property
    def effective_regime(self) -> str:
        """The deadline regime the appeal claims: explicit, else 59-ФЗ flag, else other."""
        if self.regime:
            return self.regime
        return "fz59" if self.fz59 else "other"
