"""The closed vocabularies of an appeal, each defined once: its statuses, deadline regimes, author types,
urgencies, priorities, 59-ФЗ special outcomes and the longest text accepted.

Channel schemas, store queries, services and the rule language import them from here. Names of these
codes for people (Russian titles) are kept with the wording, not here.
"""

from __future__ import annotations

# An appeal's life (engine.services.actions holds the transitions between them):
# received → routed → in_progress ⇄ awaiting_author → answered → closed; rejected from any open one.
# An appeal on the centre's control goes in_progress → answer_review (the answer is a draft the centre
# checks) → answered, or back to in_progress with the reviewer's remarks.
RECEIVED = "received"  # stored, waiting to be routed
ROUTED = "routed"
ANSWER_REVIEW = "answer_review"
OPEN_STATUSES = (ROUTED, "in_progress", "awaiting_author", ANSWER_REVIEW)  # routed to a body and not finished
FINISHED_STATUSES = ("answered", "rejected", "closed")  # the body is done with it (reopen brings it back)
UNFINISHED_STATUSES = (RECEIVED, *OPEN_STATUSES)
STATUSES = (*UNFINISHED_STATUSES, *FINISHED_STATUSES)

# the channel of the appeals the watch job makes of posts and comments on public VK walls
MONITOR_CHANNEL = "monitor"

REGIMES = ("fz59", "portal_message", "incident", "other")
AUTHOR_TYPES = ("citizen", "foreigner", "legal_entity", "anonymous")
URGENCIES = ("normal", "high")
PRIORITIES = ("low", "normal", "high", "critical")  # in rising order: a rule only ever raises it

# Special outcomes of 59-ФЗ (art. 11) a routing decision may carry; see rules/deadline_policies.yaml.
FZ59_SPECIALS = ("unreadable", "undeterminable", "court_decision", "already_answered", "anonymous", "obscene")

MAX_TEXT = 100_000  # characters of an appeal's text a channel accepts
