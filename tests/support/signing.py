"""Signing webhook bodies the way a channel does."""

from __future__ import annotations

import json

from engine.domain.signature import sign


def signed_headers(secret: str, body: bytes, timestamp: int) -> dict:
    return {
        "Content-Type": "application/json",
        "X-Appeals-Timestamp": str(timestamp),
        "X-Appeals-Signature": sign(secret, timestamp, body),
    }


def body_of(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")
