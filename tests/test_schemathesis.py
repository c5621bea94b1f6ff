"""Schemathesis against the API's own OpenAPI document, over HTTP to a live server, with every check it has.

No generated request — negative or positive, malformed, oversized, of the wrong type, with unknown fields or no
token — may answer 500 or anything the document does not declare. Runs on PostgreSQL only: it is the database
that refuses what SQLite lets through (NUL bytes, out-of-range integers, encoding errors), so that is where a
missing check in the API would show.
"""

import logging
import os

import pytest
from django.db import connection

from wangge.accounts.models import ApiToken

OPENAPI_PATH = "/api/v1/openapi.json"
LOGOUT_PATH = "/api/v1/auth/logout"
# Examples per operation and phase: enough to reach every parameter's edges, small enough for ~5 minutes.
MAX_EXAMPLES = int(os.environ.get("WANGGE_SCHEMATHESIS_EXAMPLES", "12"))


def schemathesis_config(token: str, **overrides):
    import schemathesis

    return schemathesis.Config.from_dict(
        {
            "seed": int(os.environ.get("WANGGE_SCHEMATHESIS_SEED", "20260101")),
            # Keep-alive costs a delayed-ACK wait on every request to Django's test server, and each idle
            # keep-alive thread would hold a database session the test database cannot be dropped with.
            "headers": {"Authorization": f"Bearer {token}", "Connection": "close"},
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                # NUL bytes are exactly what PostgreSQL refuses; they must be rejected by the API, so send them.
                "allow-x00": True,
            },
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": 10},
            },
            "checks": {
                # Every built-in check; the ones below only get their expectations adjusted.
                "enabled": True,
                # Generous: a response time check, not a benchmark, on a machine shared with other work.
                "max_response_time": 30,
                "positive_data_acceptance": {
                    # A schema cannot say that an ID number's check digit must be right, that a phone must be
                    # dialable, that a credit code's checksum must hold, that a referenced id must exist inside
                    # the user's areas, or that a person must not be registered twice. Well-formed requests
                    # that break such rules are refused with 422 (field named) or, for ids in the path that do
                    # not exist, 404; 409 answers a lost race with a concurrent write. Not 401 or 403: the
                    # district admin's token must open every operation.
                    "expected-statuses": ["2xx", "404", "409", "422"],
                },
                **overrides.pop("checks", {}),
            },
            "operations": [
                {
                    # Generated user names and passwords are well formed and wrong: the login's answer to wrong
                    # credentials is its documented 401.
                    "include-path": "/api/v1/auth/token",
                    "checks": {"positive_data_acceptance": {"expected-statuses": ["200", "401", "422"]}},
                }
            ],
            **overrides,
        }
    )


def run(schema) -> tuple[list[str], dict[str, set[int]]]:
    """Every failure schemathesis reports, and the statuses each operation answered."""
    from schemathesis.engine import Status, events, from_schema

    problems = []
    statuses: dict[str, set[int]] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for interaction in event.recorder.interactions.values():
                if interaction.response is not None and event.label:
                    statuses.setdefault(event.label, set()).add(interaction.response.status_code)
            if event.status != Status.FAILURE:
                continue
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        problems.append(
                            f"[{check.name}] {failure.operation}: {failure.title}\n{failure.message}\n"
                            f"{check.failure_info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError):
            problems.append(f"[error] {event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            problems.append(f"[fatal] {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            problems.extend(f"[after run] {failure.title}: {failure.message}" for failure in event.failures)
    return problems, statuses


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="schemathesis runs on PostgreSQL only: SQLite accepts what PostgreSQL refuses (NUL bytes, "
    "out-of-range integers), so a missing check in the API would not show",
)
@pytest.mark.django_db(transaction=True)
def test_api_conforms_to_its_openapi_document(world, live_server, caplog):
    import schemathesis

    _token, raw = ApiToken.objects.issue(world.users.district_admin)
    # Over real HTTP: the in-process WSGI transport of schemathesis 4.32 breaks on its own auth probes. Logging
    # out revokes the one token every other operation runs on, so it is left to its own tests.
    schema = schemathesis.openapi.from_url(
        live_server.url + OPENAPI_PATH, config=schemathesis_config(raw)
    ).exclude(path=LOGOUT_PATH)
    # Thousands of expected 4xx answers would each log a warning; a 500 still logs as an error.
    caplog.set_level(logging.ERROR, logger="django.request")
    problems, statuses = run(schema)
    assert not problems, f"{len(problems)} schemathesis failures:\n\n" + "\n\n".join(dict.fromkeys(problems))
    # A run that never got past authentication would pass every check vacuously: prove it went through.
    operations = {
        f"{method.upper()} {path}"
        for path, item in schema.raw_schema["paths"].items()
        for method in item
        if path != LOGOUT_PATH
    }
    assert operations <= set(statuses), f"never exercised: {sorted(operations - set(statuses))}"
    assert all(codes - {401} for codes in statuses.values()), statuses
    lists = [label for label in operations if label.startswith("GET") and label.endswith("/")]
    assert all(any(200 <= code < 300 for code in statuses[label]) for label in lists), statuses
