"""Reading public VK walls with the service key: single calls and ``execute`` batches of up to 25 calls.

Calls are ``POST <APPEALS_VK_API_URL>/<method>`` with a urlencoded form (the key travels in the body,
never in a URL), API version 5.199, paced by one token bucket per key (``APPEALS_VK_SERVICE_CALLS_PER_SECOND``,
VK allows a service key 3 calls a second; one ``execute`` counts as one call). Errors as VK gives them:

- 6 (too many requests per second): waited out once (a second), then ``Throttled``;
- 1, 9, 10, 29 (unknown, flood control, internal, the key's daily limit) and HTTP failures: ``Throttled``
  with the seconds to wait — the run stops and the walls are read again later;
- 5, 27, 28, 1117: the key is invalid, ``KeyRefused`` (nothing can be read until it is replaced);
- inside ``execute`` each call answers on its own: ``WallClosed`` for 15 (access denied), 18, 30 (the
  profile is private), 100, 203, 212 — that wall cannot be read, the others go on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from engine.replies.pacing import Deferred, Pacer, key_for
from engine.replies.posting import Unreachable, post

API_VERSION = "5.199"
BATCH = 25  # calls in one execute, VK's limit
ANSWER_LIMIT = 8 * 1024 * 1024

RETRY_AFTER = {1: 60, 6: 1, 9: 300, 10: 30, 29: 3600}
KEY_REFUSED = (5, 27, 28, 1117)
WALL_CLOSED = {
    15: "доступ к стене закрыт",
    18: "страница удалена или заблокирована",
    30: "профиль закрыт",
    100: "стена или запись не найдены",
    203: "нет доступа к сообществу",
    212: "нет доступа к комментариям записи",
}


class ReadError(Exception):
    pass


class Throttled(ReadError):
    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class KeyRefused(ReadError):
    pass


@dataclass(frozen=True)
class WallClosed:
    """A call of a batch VK refused for this wall or post (its reason in Russian)."""

    code: int
    reason: str


@dataclass(frozen=True)
class Call:
    method: str
    params: dict


class VkWallReader:
    def __init__(self, api_url: str, token: str, pacer: Pacer, *, calls_per_second: float = 3,
                 timeout: float = 20.0):
        if not token:
            raise KeyRefused("не задан сервисный ключ VK (APPEALS_VK_SERVICE_TOKEN)")
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.pacer = pacer
        self.calls_per_second = calls_per_second
        self.timeout = timeout
        self.calls = 0  # HTTP calls made, for the run's summary

    def call(self, method: str, params: dict):
        return self._request(method, params)

    def batch(self, calls: list[Call]) -> list:
        """Answers in the order of ``calls`` (a ``WallClosed`` where VK refused one), in executes of 25."""
        answers: list = []
        for start in range(0, len(calls), BATCH):
            chunk = calls[start:start + BATCH]
            if len(chunk) == 1:
                try:
                    answers.append(self._request(chunk[0].method, chunk[0].params))
                except _Refused as exc:
                    answers.append(WallClosed(exc.code, WALL_CLOSED[exc.code]))
                continue
            code = "return [" + ",".join(
                f"API.{c.method}({json.dumps(c.params, ensure_ascii=False)})" for c in chunk) + "];"
            response, errors = self._request("execute", {"code": code}, with_errors=True)
            failed = iter(errors)
            for answer in response:
                if answer is False:
                    error = next(failed, {})
                    answers.append(_closed(error.get("error_code"), error.get("error_msg")))
                else:
                    answers.append(answer)
        return answers

    def _request(self, method: str, params: dict, *, with_errors: bool = False):
        for attempt in (1, 2):
            try:
                self.pacer.pace([(key_for("vk-service", self.token), self.calls_per_second)], f"Вызов VK {method}")
            except Deferred as exc:
                raise Throttled(str(exc), exc.retry_after) from None
            self.calls += 1
            document = self._post(method, params)
            if "response" in document:
                return (document["response"], document.get("execute_errors") or []) if with_errors \
                    else document["response"]
            error = document.get("error") if isinstance(document.get("error"), dict) else {}
            code, said = error.get("error_code"), str(error.get("error_msg") or "")[:200]
            if code == 6 and attempt == 1:
                self.pacer.sleep(1.0)
                continue
            if code in KEY_REFUSED:
                raise KeyRefused(f"VK {method}: сервисный ключ не принят (код {code}: {said})")
            if code in WALL_CLOSED:
                raise _Refused(code)
            raise Throttled(f"VK {method}: код {code}: {said}", RETRY_AFTER.get(code, 300))
        raise AssertionError("unreachable")

    def _post(self, method: str, params: dict) -> dict:
        body = urlencode({**params, "access_token": self.token, "v": API_VERSION}).encode("utf-8")
        try:
            answer = post(f"{self.api_url}/{method}", body,
                          {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, self.timeout,
                          limit=ANSWER_LIMIT)
        except Unreachable as exc:
            raise Throttled(f"VK {method}: {exc}", 60) from None
        if answer.status != 200:
            raise Throttled(f"VK {method}: HTTP {answer.status}", 60)
        try:
            document = json.loads(answer.body)
        except ValueError:
            raise Throttled(f"VK {method}: ответ не в формате JSON", 60) from None
        if not isinstance(document, dict):
            raise Throttled(f"VK {method}: непонятный ответ", 60)
        return document


class _Refused(ReadError):
    def __init__(self, code: int):
        super().__init__(f"{WALL_CLOSED[code]} (код VK {code})")
        self.code = code


def _closed(code, said) -> WallClosed:
    if code in KEY_REFUSED:
        raise KeyRefused(f"VK: сервисный ключ не принят (код {code}: {said})")
    if code in WALL_CLOSED:
        return WallClosed(code, WALL_CLOSED[code])
    if code in RETRY_AFTER or code not in WALL_CLOSED:
        raise Throttled(f"VK execute: код {code}: {said}", RETRY_AFTER.get(code, 300))
    raise AssertionError("unreachable")
