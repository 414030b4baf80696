"""Split a problem into independent subproblems: no request of one can touch an asset-time of another.

Category is implied (options never cross categories); then connected components of the request-asset
graph, then time ranges no request's possible occupation crosses, repeated until nothing splits.
"""
from __future__ import annotations

from dataclasses import dataclass

from .slotted import Job, Slotted


@dataclass(frozen=True)
class Subproblem:
    jobs: tuple[int, ...]
    assets: tuple[int, ...]
    start: int  # slot range the jobs can occupy
    end: int

    @property
    def size(self) -> int:
        return len(self.jobs)


def _span(job: Job) -> tuple[int, int]:
    lo = min(o.starts[0][0] for o in job.options)
    hi = max(o.starts[-1][1] for o in job.options)
    return lo, hi + job.d


def _components(jobs: list[Job]) -> list[list[Job]]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for job in jobs:
        first = find(job.options[0].asset)
        for o in job.options[1:]:
            r = find(o.asset)
            if r != first:
                parent[r] = first
    groups: dict[int, list[Job]] = {}
    for job in jobs:
        groups.setdefault(find(job.options[0].asset), []).append(job)
    return list(groups.values())


def _time_segments(jobs: list[Job]) -> list[list[Job]]:
    spans = sorted(((_span(j), j) for j in jobs), key=lambda p: p[0])
    segments: list[list[Job]] = []
    reach = None
    for (lo, hi), job in spans:
        if reach is None or lo >= reach:
            segments.append([])
            reach = hi
        reach = max(reach, hi)
        segments[-1].append(job)
    return segments


def decompose(slotted: Slotted) -> list[Subproblem]:
    """Independent subproblems covering every servable job exactly once."""
    pending = [[j for j in slotted.jobs if j.options]]
    done: list[list[Job]] = []
    while pending:
        group = pending.pop()
        if not group:
            continue
        comps = _components(group)
        if len(comps) > 1:
            pending.extend(comps)
            continue
        segs = _time_segments(group)
        if len(segs) > 1:
            pending.extend(segs)
            continue
        done.append(group)
    subs = []
    for group in done:
        spans = [_span(j) for j in group]
        assets = sorted({o.asset for j in group for o in j.options})
        subs.append(
            Subproblem(
                tuple(sorted(j.index for j in group)),
                tuple(assets),
                min(s for s, _ in spans),
                max(e for _, e in spans),
            )
        )
    subs.sort(key=lambda s: (s.start, s.jobs[0]))
    return subs
