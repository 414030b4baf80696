"""Governance: members decide together. Proposals (opened by any member, or by a coordinator from a fleet-plan
recommendation with its evidence), the pool's decision rules, votes, the discussion, the close run by the
periodic tick, applying a passed decision, and the public record of decisions.

It sits above `reporting` (it reads fleet plans and open-book figures) and below `feeds` and `demo`.
"""
