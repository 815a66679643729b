"""One HTTP POST to a platform, answered with its status, headers and body whatever the status.

Redirects are not followed: a platform API or a callback receiver that redirects a POST is
misconfigured, and following it would resend the reply somewhere else. Network failures (refused,
timed out, DNS) raise ``Unreachable`` with a message that never carries the URL, since Telegram's
holds the bot token. ``retry_after`` reads an answer's ``Retry-After`` header.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

LONGEST_WAIT = 86400  # a Retry-After further away than a day is not believed: our own backoff applies


class Unreachable(Exception):
    """The request did not get an HTTP answer."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx reaches the caller as an HTTPError


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float, limit: int = 64 * 1024) -> Answer:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Answer(response.status, dict(response.headers), response.read(limit))
    except urllib.error.HTTPError as exc:
        with exc:
            return Answer(exc.code, dict(exc.headers or {}), exc.read(limit))
    except urllib.error.URLError as exc:
        raise Unreachable(_reason(exc.reason)) from None
    except OSError as exc:  # a timeout while reading, a reset connection
        raise Unreachable(_reason(exc)) from None
    except ValueError:
        raise Unreachable("неверный адрес") from None


def _reason(reason) -> str:
    if isinstance(reason, TimeoutError):
        return "нет ответа за отведённое время"
    if isinstance(reason, ConnectionRefusedError):
        return "соединение отклонено"
    if isinstance(reason, socket.gaierror):
        return "адрес сервера не найден"
    if isinstance(reason, OSError):
        return str(reason)[:200] or type(reason).__name__
    return type(reason).__name__ if isinstance(reason, BaseException) else str(reason)[:200]


def retry_after(headers, now: datetime) -> float | None:
    """The seconds from ``now`` an answer's ``Retry-After`` asks us to wait: a number of seconds or an HTTP
    date (RFC 9110). None when there is none, it cannot be read, it is already past or further than a day."""
    raw = next((v for k, v in (headers or {}).items() if k.lower() == "retry-after"), None)
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None or when.tzinfo is None:
            return None
        seconds = (when - now).total_seconds()
    return seconds if 0 < seconds <= LONGEST_WAIT else None
