"""Schemathesis against our OpenAPI document: generated requests (bounded examples per operation)
to every API operation, as an administrator, find no 5xx and no status the document does not list."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, status_code_conformance

from engine.services import credentials
from tests.support.staff import bearer, routed

EXAMPLES = 8  # per operation and mode: about 1,000 requests, 30-60 s on a shared two-core machine
CHECKS = [not_a_server_error, status_code_conformance]


def run_operation(operation, headers, mode, seen: list) -> list[str]:
    failures: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        response = case.call(headers=headers)
        seen.append((operation.label, response.status_code))
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis reports a group of failures
            failures.append(f"{operation.label} [{mode.value}] {response.status_code} {type(exc).__name__}: "
                            f"{response.text[:160]!r}")

    check()
    return failures


def test_no_operation_answers_a_5xx_or_an_undocumented_status(app, runtime):
    routed(runtime)  # appeal 1 exists, so generated ids sometimes find something
    headers = bearer(credentials.create_token(runtime.now(), "admin"))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    seen: list[tuple[str, int]] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += run_operation(operation, headers, mode, seen)

    assert failures == []
    answered = {label for label, status in seen if status < 300}
    assert len(answered) >= 20, answered  # the token worked: most operations were really exercised
