"""Schemathesis against the live server: the API keeps the promises its OpenAPI schema makes.

Every operation of /api/schema/ is fuzzed with valid and invalid input, anonymously and as
an author who owns posts, with all of Schemathesis' checks (no 500s; status codes, content
types, headers and bodies as documented; no answer slower than 2 s). A stateful phase then
follows the links Schemathesis infers between operations: create a post, read it, comment
on it, change it, delete it, read it again.

The schema is read once, at import, through Django's test client, so that each operation
becomes a test of its own; a test checks that the live server publishes the same document.

The run is seeded: the same seed sends the same requests. ``make fuzz`` runs longer with a
fresh seed, printed in the summary, so that a run can be replayed with ``FUZZ_SEED=<seed>``.
"""

import os

import hypothesis
import pytest
import requests
import schemathesis
from django.conf import settings as site_settings
from hypothesis import HealthCheck
from hypothesis.stateful import get_state_machine_test
from schemathesis.core.failures import FailureGroup

from tests.fuzz import summary
from tests.fuzz.conftest import published_schema
from tests.fuzz.findings import Findings

CI_SEED = 20260517
CI_EXAMPLES = 25
SEED = int(os.environ.get("FUZZ_SEED", CI_SEED))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", CI_EXAMPLES))
STATEFUL_EXAMPLES = int(os.environ.get("FUZZ_STATEFUL_EXAMPLES", EXAMPLES))
MAX_RESPONSE_SECONDS = 2.0
# Longer than the 2 s the check allows, so a slow answer fails the check rather than the harness.
REQUEST_TIMEOUT_SECONDS = 10

summary.note(f"schemathesis: seed {SEED}, {EXAMPLES} examples per operation (replay: FUZZ_SEED={SEED})")


def fuzz_config() -> schemathesis.Config:
    """Return every check on, valid and invalid input, the seed, and no example database."""
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"mode": "all", "max-examples": EXAMPLES, "database": "none"},
            "checks": {"max_response_time": MAX_RESPONSE_SECONDS},
            "suppress-health-check": ["all"],
        }
    )


schema = schemathesis.openapi.from_dict(published_schema(), config=fuzz_config())


def label_of(case: schemathesis.Case) -> str:
    return f"{case.method.upper()} {case.path}"


def call_and_validate(
    case: schemathesis.Case,
    *,
    base_url: str,
    findings: Findings,
    server_exceptions: list[str],
    headers: dict[str, str] | None = None,
) -> None:
    """Send ``case``, count it in the summary, run every check, and record what fails."""
    label = label_of(case)
    server_exceptions.clear()
    try:
        response = case.call(base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS)
    except requests.Timeout:
        curl = case.as_curl_command(headers=headers, base_url=base_url)
        findings.add(label, f"no answer within {REQUEST_TIMEOUT_SECONDS} s", curl)
        summary.record_failure(label, "timeout")
        return
    summary.record_response(label, response.status_code)
    try:
        case.validate_response(response, headers=headers, transport_kwargs={"base_url": base_url, "headers": headers})
    except FailureGroup as group:
        record_failures(
            group, label=label, status=response.status_code, findings=findings, server_exceptions=server_exceptions
        )


def record_failures(
    group: FailureGroup, *, label: str, status: int, findings: Findings, server_exceptions: list[str]
) -> None:
    """Record the checks one answer failed, as one finding: "500 Server error + Undocumented status code"."""
    reason = f"{status} " + " + ".join(sorted({failure.title for failure in group.exceptions}))
    findings.add(label, reason, str(group), "; ".join(server_exceptions))
    summary.record_failure(label, reason)


@pytest.fixture
def author_headers(author) -> dict[str, str]:
    return {"Authorization": f"Bearer {author.access_token}"}


def test_live_server_publishes_the_schema_that_is_fuzzed(live_server):
    response = requests.get(f"{live_server.url}/api/schema/", params={"format": "json"}, timeout=10)

    assert response.status_code == 200
    assert response.json() == schema.raw_schema


@schema.parametrize()
def test_api_answers_anonymous_clients_as_its_schema_says(case, live_server, author, findings, server_exceptions):
    call_and_validate(case, base_url=live_server.url, findings=findings, server_exceptions=server_exceptions)


@schema.parametrize()
def test_api_answers_an_author_as_its_schema_says(case, live_server, author_headers, findings, server_exceptions):
    call_and_validate(
        case, base_url=live_server.url, headers=author_headers, findings=findings, server_exceptions=server_exceptions
    )


def test_api_workflows_of_an_author_keep_the_schemas_promises(live_server, author_headers, findings, server_exceptions):
    class AuthorWorkflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"base_url": live_server.url, "headers": author_headers, "timeout": REQUEST_TIMEOUT_SECONDS}

        def step(self, input):
            server_exceptions.clear()
            return super().step(input)

        def after_call(self, response, case):
            super().after_call(response, case)
            summary.record_response(f"stateful {label_of(case)}", response.status_code)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            try:
                super().validate_response(response, case, additional_checks, **kwargs)
            except FailureGroup as group:
                label, status = f"stateful {label_of(case)}", response.status_code
                record_failures(
                    group, label=label, status=status, findings=findings, server_exceptions=server_exceptions
                )

    workflows = get_state_machine_test(
        AuthorWorkflow,
        settings=hypothesis.settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=8,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    hypothesis.seed(SEED)(workflows)()


RATE_LIMITED = [
    operation
    for operation in (result.ok() for result in schema.get_all_operations())
    if any(operation.path.startswith(prefix) for prefix in site_settings.RATE_LIMITS)
]


@pytest.mark.parametrize("operation", RATE_LIMITED, ids=lambda operation: operation.label)
def test_rate_limited_operation_documents_its_429(operation, live_server, settings):
    settings.RATE_LIMITS = {prefix: "1/m" for prefix in settings.RATE_LIMITS}
    case = operation.Case()
    case.call(base_url=live_server.url, timeout=REQUEST_TIMEOUT_SECONDS)

    response = case.call(base_url=live_server.url, timeout=REQUEST_TIMEOUT_SECONDS)

    assert response.status_code == 429
    case.validate_response(response, transport_kwargs={"base_url": live_server.url})
