"""Property-based tests of the API against its own OpenAPI document, in process (no server, no network).

Every operation is called with cases that schemathesis generates from the document (valid and invalid
ones); the responses must never be a 5xx and must match the documented status codes, content types and
schemas. Then schemathesis' stateful test follows the documented links (create a booking, read it, cancel
it, approve it) through random sequences. The counts are printed (run with -s to see them).
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import run_state_machine_as_test

from schemathesis.specs.openapi.checks import positive_data_acceptance

from fleet.core.db import utcnow
from fleet.models import Role
from fleet.members.tokens import issue_token
from tests.helpers import at

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("COMMONPOOL_SCHEMATHESIS_EXAMPLES", "25"))
SKIP = {"revokeToken"}
# A run's plan depends on how far the time-limited search got, so a replayed sequence can see other answers than the
# first and hypothesis refuses it as flaky; test_every_operation_conforms and tests/api/test_optimiser_api.py and
# test_planning_api.py check these operations.
TIMED = {"createOptimiserRun", "createPlanningRun"}
# A schema-valid request may still break a booking rule or name an asset that does not exist: the API then
# answers 422 by design (documented), which this one check would call a failure. Every other check runs.
EXCLUDED = [positive_data_acceptance]  # a random id could revoke the very token the run uses; covered in test_api.py


@pytest.fixture
def seeded(make, session, app, monkeypatch):
    """A small pool for the generated requests to find things in. A fleet plan asked for is computed in the
    request rather than a thread, so that no job outlives the test and its report is checked too."""
    from app.jobs import run_optimiser, run_planning

    def start_planning_run(run_id: int) -> str:
        run_planning(run_id, app)
        return "thread"

    monkeypatch.setattr("app.api.planning.start_planning_run", start_planning_run)
    monkeypatch.setattr("app.api.optimiser.start_run", lambda run_id: run_optimiser(run_id, app) or "thread")
    for _ in range(3):  # token ids 1..3 belong to someone else, so a guessed id never hits ours
        make.member()
    hub = make.hub(name="Fuzz hub", opening_hours="24/7")
    cars = make.category(name="Fuzz cars", capability_schema={"seats": "number"})
    for i in range(3):
        make.asset(cars, hub, name=f"Fuzz car {i}", capabilities={"seats": 4 + i})
    coordinator = make.member(Role.coordinator, email="fuzz@example.org")
    make.booking(make.asset(cars, hub), coordinator, at(5, 9), at(5, 12))
    token, _ = issue_token(session, coordinator, "fuzz", utcnow())
    session.commit()
    return token


def load_schema(app, token: str):
    """The published document, with the test's token registered as explicit auth (so that schemathesis'
    auth checks can also probe the API without it and with a forged one)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    @schema.auth.auth(refresh_interval=None, retry_on=[])
    class BearerToken:
        def get(self, case, context):
            return token

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


def test_every_operation_conforms(app, seeded, capsys):
    schema = load_schema(app, seeded)
    counts: dict[tuple[str, str], int] = {}
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if op.definition.raw.get("operationId") not in SKIP]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                key = (operation.label, mode.value)  # noqa: B023 - check() runs within this iteration
                counts[key] = counts.get(key, 0) + 1
                case.call_and_validate(excluded_checks=EXCLUDED)

            check()
    positive = sum(n for (_, mode), n in counts.items() if mode == "positive")
    with capsys.disabled():
        print(f"\n[schemathesis] {sum(counts.values())} cases ({positive} valid, {sum(counts.values()) - positive} "
              f"invalid) over {len({label for label, _ in counts})} operations")
    assert {label for label, _ in counts} == {op.label for op in operations}


def test_stateful_sequences_conform(app, seeded, capsys):
    schema = load_schema(app, seeded).exclude(operation_id=list(SKIP | TIMED))
    base = schema.as_state_machine()
    steps = {"n": 0}

    class Machine(base):
        def before_call(self, case):
            steps["n"] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, additional_checks=additional_checks, excluded_checks=EXCLUDED,
                                   transport_kwargs=kwargs)

    run_state_machine_as_test(Machine, settings=settings(
        max_examples=max(5, EXAMPLES // 2), stateful_step_count=8, deadline=None, database=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
    with capsys.disabled():
        print(f"\n[schemathesis stateful] {steps['n']} calls in linked sequences")
    assert steps["n"] > 0
