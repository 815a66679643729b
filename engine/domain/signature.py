"""Signed webhooks: HMAC-SHA256 over "<timestamp>.<raw body>", used inbound and outbound."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="
MAX_TIMESTAMP_DIGITS = 12  # unix seconds up to the year 33658: anything longer is not a timestamp


class SignatureError(Exception):
    """The request is not authentic; the message says why without revealing secrets."""


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return PREFIX + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(
    secrets: list[str], timestamp: str | None, signature: str | None, body: bytes, *, now: float, tolerance: int
) -> None:
    """Raise SignatureError unless `signature` matches one of `secrets` and the timestamp is fresh."""
    if not timestamp or not signature:
        raise SignatureError("missing X-Appeals-Timestamp or X-Appeals-Signature header")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= MAX_TIMESTAMP_DIGITS):
        raise SignatureError("X-Appeals-Timestamp must be unix seconds")
    ts = int(timestamp)
    if abs(now - ts) > tolerance:
        raise SignatureError(f"timestamp outside the accepted window of {tolerance} s")
    ok = False
    for secret in secrets:
        # compare against every secret so timing does not reveal which one matched
        ok |= hmac.compare_digest(sign(secret, ts, body).encode(), signature.encode("utf-8", "replace"))
    if not ok:
        raise SignatureError("signature does not match")
