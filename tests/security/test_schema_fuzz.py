"""Property-based fuzzing of every operation in /openapi.json (schemathesis over the ASGI app).

Bounded here and long in `make fuzz`, each run with a fresh seed that the run's header prints
(tests/conftest.py): TRACKPOST_FUZZ_EXAMPLES (cases per pass, default 60) and
TRACKPOST_FUZZ_SEED (replays a printed seed).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import load_all_checks
from starlette.testclient import TestClient

from tests.conftest import Admin
from tests.security.world import World
from tests.support import ApiClient
from trackpost.core.http import Services

load_all_checks()
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

_seq = iter(range(1, 10**9))
# Valid values for trackpost's own formats (the "tp-*" formats of the OpenAPI document), so that
# positive cases reach the database; every other string stays as random as before.
FORMATS = {
    "tp-url": st.sampled_from(["https://adv.example/land", "http://t.example.com/x?a=1"]),
    "tp-optional-url": st.sampled_from(["", "https://adv.example/other"]),
    "tp-email": st.builds(lambda: f"fuzz{next(_seq)}@example.com"),
    "tp-username": st.builds(lambda: f"fuzz_{next(_seq)}"),
    "tp-password": st.just("Fuzz-passw0rd-1"),
    "tp-ip": st.sampled_from(["192.0.2.1", "2001:db8::1"]),
    "tp-ip-list": st.sampled_from(["", "192.0.2.1", "198.51.100.0/24,2001:db8::/32"]),
    # Every tp-date parameter is optional, and a blank one means "not given" (the vendor's PHP
    # clients send blanks): so "" is a valid value, not a schema violation to be refused.
    "tp-date": st.sampled_from(["", "2026-03-20", "2026/03/20 14:00:00", "1774000000"]),
}
for _name, _strategy in FORMATS.items():
    schemathesis.openapi.format(_name, _strategy)

EXAMPLES = int(os.environ.get("TRACKPOST_FUZZ_EXAMPLES", "60"))
SEED = int(os.environ["TRACKPOST_FUZZ_SEED"])
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
PASSES = [
    # (generation mode, credentials, share of EXAMPLES)
    ("positive", "valid", 1.0),
    ("negative", "valid", 1.0),
    ("positive", "invalid", 0.3),
    ("negative", "invalid", 0.3),
]


def _fuzz(schema: Any, mode: GenerationMode, examples: int, on_case: Callable[[Any], None]) -> None:
    """Draw cases from every operation at once (one strategy is far cheaper than one per op)."""
    ops = [result.ok() for result in schema.get_all_operations()]
    strategy = st.one_of([op.as_strategy(generation_mode=mode) for op in ops])

    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(case: Any) -> None:
        on_case(case)

    hypothesis.seed(SEED)(run)()


@pytest.mark.parametrize(("mode", "credentials", "share"), PASSES)
def test_fuzz_every_operation_from_the_openapi_document(
    http: TestClient,
    api: ApiClient,
    services: Services,
    admin: Admin,
    mode: str,
    credentials: str,
    share: float,
) -> None:
    """Zero 5xx; every status, content type and body as documented, errors in the envelope."""
    World(api, http, services).values()  # real records, so that some lookups find something
    schema = schemathesis.openapi.from_asgi("/openapi.json", http.app)
    headers = admin.headers if credentials == "valid" else {**admin.headers, "api-key": "0" * 32}
    generation = GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
    checks = CHECKS + ([negative_data_rejection] if mode == "negative" else [])
    failures: dict[tuple[str, str], str] = {}

    def on_case(case: Any) -> None:
        response = case.call(headers=headers)
        problems: list[str] = []
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except BaseException as exc:  # schemathesis reports a group of failed checks
            if isinstance(exc, KeyboardInterrupt):
                raise
            problems.append(str(exc))
        secured = bool(case.operation.definition.raw.get("security"))
        if credentials == "invalid" and secured and response.status_code < 400:
            problems.append(f"{response.status_code} with a wrong key")
        for problem in problems:
            key = (case.operation.label, problem.splitlines()[0][:120])
            failures.setdefault(key, problem[:3000])

    _fuzz(schema, generation, max(5, int(EXAMPLES * share)), on_case)
    report = "\n\n".join(f"{op}: {text}" for (op, _), text in sorted(failures.items()))
    assert not failures, f"TRACKPOST_FUZZ_SEED={SEED}\n{report}"


def test_stateful_fuzzing_edits_the_objects_it_creates(
    http: TestClient, api: ApiClient, services: Services, admin: Admin
) -> None:
    """Creations hand their ids to the edits the document links them to: real objects fuzzed."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", http.app)
    machine = schema.as_state_machine()
    failures: dict[tuple[str, int], str] = {}
    reached: set[str] = set()

    class Fuzz(machine):  # type: ignore[misc,valid-type]
        def call(self, case: Any, **kwargs: Any) -> Any:
            # The real key, not a generated one: stateful runs are about the objects.
            case.headers = {**(case.headers or {}), **admin.headers}
            return case.call(**kwargs)

        def validate_response(self, response: Any, case: Any, *args: Any, **kw: Any) -> None:
            label = case.operation.label
            if response.status_code < 300:
                reached.add(label)
            if response.status_code >= 500:
                failures.setdefault((label, response.status_code), response.text[:500])

    Fuzz._hypothesis_internal_use_seed = SEED
    Fuzz.run(
        settings=hypothesis.settings(
            max_examples=max(5, EXAMPLES // 3),
            stateful_step_count=6,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    report = "\n".join(f"{op} {status}: {text}" for (op, status), text in failures.items())
    assert not failures, f"TRACKPOST_FUZZ_SEED={SEED}\n{report}"
    # The links carried real ids: some edits of created objects succeeded.
    assert any(op.startswith("PATCH") for op in reached), sorted(reached)
