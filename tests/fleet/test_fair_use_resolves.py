"""A plan trimmed to the fair-use limits is solved again on a share of the run's time limit, so a run ends in
about one and a half times its limit, not in up to three times it."""
from __future__ import annotations

from fleet.allocation import fair_use
from scheduling.generate import generate


def test_solves_after_a_trim_get_a_share_of_the_time_limit(monkeypatch):
    problem = generate(6, 2, seed=1, days=1)
    snapshot = fair_use.adapter.Snapshot(problem, {}, {})
    limits: list[float] = []
    rounds_trimmed = iter([{problem.requests[0].id}, {problem.requests[1].id}, set()])

    def solve(current, time_limit, method):
        limits.append(time_limit)
        return "solution"

    class Solved:
        class metrics:
            weighted_served_hours = 1.0
        assignments = ()

    monkeypatch.setattr(fair_use.adapter, "solve", solve)
    monkeypatch.setattr(fair_use, "_out_of_reach", lambda *args: set())
    monkeypatch.setattr(fair_use, "trim_to_limits", lambda session, current, solved, note: (Solved, next(rounds_trimmed)))
    monkeypatch.setattr(fair_use, "_with_assignments", lambda snapshot, best, assignments: best)
    fair_use.solve_within_limits(None, snapshot, 10.0, "cpsat", rounds=3)
    assert limits == [10.0, 2.5, 2.5]
    assert fair_use.resolve_seconds(1.0, 3) == fair_use.MIN_RESOLVE_SECONDS  # never a solve too short to find anything
