"""A reply cut to a platform's limit at a word boundary, ending in «…».

VK counts a message's length after its own HTML escaping (``&`` is ``&amp;``, ``"`` is ``&quot;``…), so
its measure is ``vk_length``; Telegram counts characters.
"""

from __future__ import annotations

import html
from collections.abc import Callable

ELLIPSIS = "…"
_TRAILING = " \t\r\n,;:.!?-–—(«\"'"


def vk_length(text: str) -> int:
    """The length VK holds against its limit: after escaping & < > " and '."""
    return len(html.escape(text, quote=True))


def shorten(text: str, limit: int, measure: Callable[[str], int] = len) -> str:
    """``text`` when it fits in ``limit`` (by ``measure``), otherwise its longest beginning that ends at a
    word boundary, without trailing punctuation, followed by «…». A single word longer than half the
    limit is cut inside the word rather than dropped whole."""
    if measure(text) <= limit:
        return text
    room = limit - measure(ELLIPSIS)
    if room <= 0:
        return ELLIPSIS[:max(limit, 0)]
    low, high = 0, len(text)  # the longest prefix that fits: measure grows with the prefix
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= room:
            low = middle
        else:
            high = middle - 1
    head = text[:low]
    if not text[low].isspace():  # the cut falls inside a word: go back to the word's start
        space = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
        if space >= low // 2:
            head = head[:space]
    return head.rstrip(_TRAILING) + ELLIPSIS
