"""Governance: the pool's decision rules, proposals and their votes, comments, and what a decision changed.

A proposal is open for its decision period, then closed once (by the periodic tick) as passed or rejected;
a passed retire, move or rule change is applied by a coordinator, which records the change beside the
decision that authorised it. Each proposal keeps the rules it was opened under and the members who could vote
on it at opening (`ProposalVoter`), so changing the rules or the membership later does not change its count.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.core.errors import Conflict
from fleet.core.messages import msg
from fleet.models.catalogue import Asset, Category, Hub
from fleet.models.members import Member
from fleet.models.transitions import Transitions, checked


class DecisionMethod(str, enum.Enum):
    majority = "majority"        # more yes than no
    two_thirds = "two_thirds"    # at least two thirds of the yes and no votes are yes
    consent = "consent"          # passes unless a reasoned objection (a "no" with its reason) stands at the close


class Electorate(str, enum.Enum):
    all = "all"   # every active member
    hub = "hub"   # the active members whose home hub is the affected hub (all members when none is affected)


class ProposalKind(str, enum.Enum):
    acquire = "acquire"
    retire = "retire"
    move = "move"
    rule_change = "rule_change"
    free_text = "free_text"


class ProposalStatus(str, enum.Enum):
    open = "open"
    passed = "passed"
    rejected = "rejected"
    withdrawn = "withdrawn"
    applied = "applied"   # passed, and a coordinator applied it


class VoteChoice(str, enum.Enum):
    yes = "yes"
    no = "no"
    abstain = "abstain"


PROPOSAL_TRANSITIONS: Transitions = {
    ProposalStatus.open: frozenset({ProposalStatus.passed, ProposalStatus.rejected, ProposalStatus.withdrawn}),
    ProposalStatus.passed: frozenset({ProposalStatus.applied}),
}  # rejected, withdrawn and applied are final

# The kinds a coordinator applies once passed; an acquisition becomes a planned budget line when it passes.
APPLICABLE_KINDS = frozenset({ProposalKind.retire, ProposalKind.move, ProposalKind.rule_change})


class GovernanceRules(Base):
    """The pool's rules for new proposals (one row). A proposal copies them when it opens."""

    __tablename__ = "governance_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"), unique=True)
    method: Mapped[DecisionMethod] = mapped_column(Enum(DecisionMethod, native_enum=False, length=20),
                                                   default=DecisionMethod.majority)
    quorum_percent: Mapped[int] = mapped_column(Integer, default=25)
    electorate: Mapped[Electorate] = mapped_column(Enum(Electorate, native_enum=False, length=10),
                                                   default=Electorate.all)
    public_votes: Mapped[bool] = mapped_column(Boolean, default=False)
    period_days: Mapped[int] = mapped_column(Integer, default=7)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("quorum_percent BETWEEN 0 AND 100", name="quorum_range"),
        CheckConstraint("period_days BETWEEN 1 AND 90", name="period_range"),
    )


class Proposal(Base):
    """A question put to the members, with its facts, its rules and (once closed) its result."""

    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"), index=True)
    kind: Mapped[ProposalKind] = mapped_column(Enum(ProposalKind, native_enum=False, length=20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProposalStatus] = mapped_column(Enum(ProposalStatus, native_enum=False, length=20),
                                                   default=ProposalStatus.open, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    # what it is about: the affected hub (who votes, when the electorate is the hub), the asset, the category,
    # where an asset goes (a move, an acquisition), the estimated cost of an acquisition
    hub_id: Mapped[int | None] = mapped_column(ForeignKey("hub.id"))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    target_hub_id: Mapped[int | None] = mapped_column(ForeignKey("hub.id"))
    amount_minor: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    # a rule change: {"rules": {category field: new value}, "fee": {"per_hour_minor": .., "per_km_minor": ..,
    # "currency": ..}}
    change: Mapped[dict | None] = mapped_column(JSON)
    # the facts from a fleet plan: unmet demand, utilisation, cost per hour, the impact band
    evidence: Mapped[dict | None] = mapped_column(JSON)
    planning_run_id: Mapped[int | None] = mapped_column(ForeignKey("planning_run.id"))
    # the rules it runs under, copied from GovernanceRules at opening
    method: Mapped[DecisionMethod] = mapped_column(Enum(DecisionMethod, native_enum=False, length=20))
    quorum_percent: Mapped[int] = mapped_column(Integer)
    electorate: Mapped[Electorate] = mapped_column(Enum(Electorate, native_enum=False, length=10))
    public_votes: Mapped[bool] = mapped_column(Boolean, default=False)
    eligible_count: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # the result, set once at the close
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    yes_count: Mapped[int | None] = mapped_column(Integer)
    no_count: Mapped[int | None] = mapped_column(Integer)
    abstain_count: Mapped[int | None] = mapped_column(Integer)
    quorum_met: Mapped[bool | None] = mapped_column(Boolean)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pool: Mapped["Pool"] = relationship()  # noqa: F821 (fleet.models.pools)
    author: Mapped[Member] = relationship(foreign_keys=[author_id])
    hub: Mapped[Hub | None] = relationship(foreign_keys=[hub_id])
    target_hub: Mapped[Hub | None] = relationship(foreign_keys=[target_hub_id])
    asset: Mapped[Asset | None] = relationship()
    category: Mapped[Category | None] = relationship()

    __table_args__ = (
        CheckConstraint("closes_at > opened_at", name="closes_after_opening"),
        CheckConstraint("amount_minor IS NULL OR amount_minor >= 0", name="amount_nonnegative"),
    )

    # --- transitions ---------------------------------------------------------------------------------------------

    def _move_to(self, status: ProposalStatus, refusal: str) -> None:
        self.status = checked(PROPOSAL_TRANSITIONS, self.status, status, refusal)

    def close(self, now: datetime, yes: int, no: int, abstain: int, quorum_met: bool, passed: bool) -> None:
        self._move_to(ProposalStatus.passed if passed else ProposalStatus.rejected,
                      msg("This proposal is %(status)s; it is already closed."))
        self.closed_at = now
        self.yes_count, self.no_count, self.abstain_count, self.quorum_met = yes, no, abstain, quorum_met

    def withdraw(self, now: datetime) -> None:
        self._move_to(ProposalStatus.withdrawn, msg("This proposal is %(status)s; only an open one can be withdrawn."))
        self.closed_at = now

    def mark_applied(self, actor_id: int, now: datetime) -> None:
        if self.kind not in APPLICABLE_KINDS:
            raise Conflict("This kind of decision has nothing to apply.")
        self._move_to(ProposalStatus.applied, msg("This decision is %(status)s; only a passed one can be applied."))
        self.applied_at, self.applied_by_id = now, actor_id

    # --- reading -------------------------------------------------------------------------------------------------

    def is_open_at(self, now: datetime) -> bool:
        return self.status == ProposalStatus.open and now < self.closes_at

    @property
    def is_closed(self) -> bool:
        return self.status != ProposalStatus.open

    @property
    def passed(self) -> bool:
        return self.status in (ProposalStatus.passed, ProposalStatus.applied)

    @property
    def turnout(self) -> int | None:
        if self.yes_count is None:
            return None
        return self.yes_count + self.no_count + self.abstain_count

    @property
    def turnout_percent(self) -> int | None:
        if self.turnout is None or not self.eligible_count:
            return None
        return round(100 * self.turnout / self.eligible_count)


class ProposalVoter(Base):
    """A member who may vote on a proposal: the eligible members, fixed when it opens. `reminded_at` keeps the
    24-hour reminder to once."""

    __tablename__ = "proposal_voter"

    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Vote(Base):
    """One member's vote on one proposal; changed in place until the close. The unique (proposal, member)
    keeps it to one, whatever races."""

    __tablename__ = "vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    choice: Mapped[VoteChoice] = mapped_column(Enum(VoteChoice, native_enum=False, length=10))
    # under consent, a "no" is an objection and carries its reason
    reason: Mapped[str] = mapped_column(String(1000), default="")
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()

    __table_args__ = (UniqueConstraint("proposal_id", "member_id", name="uq_vote_proposal_id"),)

    def change(self, choice: VoteChoice, reason: str, now: datetime) -> None:
        self.choice, self.reason, self.changed_at = choice, reason, now


class ProposalComment(Base):
    """A comment in a proposal's discussion, plain text; an edit keeps the earlier text as a revision."""

    __tablename__ = "proposal_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[Member] = relationship()
    revisions: Mapped[list["CommentRevision"]] = relationship(order_by="CommentRevision.id")


class CommentRevision(Base):
    """The text a comment had before an edit, and when it was replaced."""

    __tablename__ = "comment_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("proposal_comment.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlannedAcquisition(Base):
    """A budget line in the open book: what a passed acquire proposal decided to buy, where, for how much."""

    __tablename__ = "planned_acquisition"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), unique=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    hub_id: Mapped[int | None] = mapped_column(ForeignKey("hub.id"))
    description: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    category: Mapped[Category | None] = relationship()
    hub: Mapped[Hub | None] = relationship()

    __table_args__ = (CheckConstraint("amount_minor >= 0", name="amount_nonnegative"),)


class AppliedChange(Base):
    """A change to the pool made on a decision's authority: what it was before and after, who applied it."""

    __tablename__ = "applied_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), unique=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
