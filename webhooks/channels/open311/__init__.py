"""Open311 GeoReport v2 under /open311/v2/: services and their definitions, posting a service
request, reading one back, and the list of requests with the specification's filters.

`api_key` (form field or JSON) is the credential of a channel of kind `open311`; service codes are
the topics of rules/lexicon.yaml and their attributes the topic's `attributes:`; errors leave as
Open311's `[{code, description}]`; times are ISO 8601 with the offset of the responsible body's zone.
Every resource answers as `.json` and as `.xml` (the specification's two formats; the XML elements
are named as the specification's examples: `services/service`, `service_definition`,
`service_requests/request`, `errors/error`).

Retries: GeoReport v2 defines no idempotency for `POST requests`. A client that may retry sends an
`Idempotency-Key` header (1–128 visible ASCII characters, unique per request it means); the key
becomes the appeal's external id on that channel, so a retry answers the same `service_request_id`
and stores nothing new, and the same key with a different request is refused (422). Without the
header every POST is a new request.

One module per job: answers.py (the blueprint, JSON or XML, Open311's errors), catalogue.py
(services and service definitions), posting.py (a new service request), lookup.py (one request,
the list of requests).
"""

from __future__ import annotations

from . import catalogue, lookup, posting  # noqa: F401  (they add their routes to bp)
from .answers import bp
from .lookup import DEFAULT_SPAN
from .posting import MAX_KEY, MAX_TEXT

MAX_RESULTS = 1000  # the specification's suggested cap on one list; lookup.py reads it here at each request

__all__ = ["DEFAULT_SPAN", "MAX_KEY", "MAX_RESULTS", "MAX_TEXT", "bp"]
