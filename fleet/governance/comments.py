"""A proposal's discussion: plain-text comments (links are shown as links); an edit keeps the earlier text."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fleet.core.errors import Forbidden, NotFound, ValidationFailed
from fleet.core.messages import msg
from fleet.core.text import multi_line
from fleet.governance.proposals import visible_proposal
from fleet.models import CommentRevision, Member, Proposal, ProposalComment

MAX_COMMENT = 5000


def _text(body: str | None) -> str:
    body = multi_line(body, "body")
    if not body:
        raise ValidationFailed("Write a comment.", field="body")
    if len(body) > MAX_COMMENT:
        raise ValidationFailed("A comment is at most %(count)s characters.", field="body", count=MAX_COMMENT)
    return body


def add_comment(session: Session, actor: Member, proposal_id: int, body: str, now: datetime) -> ProposalComment:
    proposal = visible_proposal(session, actor, proposal_id)
    comment = ProposalComment(proposal_id=proposal.id, author_id=actor.id, body=_text(body), created_at=now)
    session.add(comment)
    session.flush()
    return comment


def own_comment(session: Session, actor: Member, comment_id: int) -> ProposalComment:
    """The actor's comment `comment_id`: only its author edits a comment."""
    comment = session.get(ProposalComment, comment_id) if isinstance(comment_id, int) else None
    if comment is None or actor is None or not actor.active:
        raise NotFound("No such comment.")
    if comment.author_id != actor.id:
        raise Forbidden("Only its author can edit a comment.")
    return comment


def edit_comment(session: Session, actor: Member, comment_id: int, body: str, now: datetime) -> ProposalComment:
    """Only its author edits a comment; the text it had is kept as a revision, shown as its history."""
    comment = own_comment(session, actor, comment_id)
    text = _text(body)
    if text != comment.body:
        session.add(CommentRevision(comment_id=comment.id, body=comment.body, replaced_at=now))
        comment.body, comment.edited_at = text, now
    session.flush()
    return comment


def list_comments(session: Session, proposal: Proposal) -> list[ProposalComment]:
    return list(session.scalars(select(ProposalComment).where(ProposalComment.proposal_id == proposal.id)
                                .options(selectinload(ProposalComment.revisions),
                                         selectinload(ProposalComment.author))
                                .order_by(ProposalComment.created_at, ProposalComment.id)))


# How people in a discussion are named to each other: members do not see each other's names in the pool (no page
# lists another member), so a thread names its speakers by their part in it, consistently within the proposal.
YOU = msg("you")
PROPOSER = msg("the proposer")
PARTICIPANT = msg("participant %(number)s")


def speaker_labels(proposal: Proposal, comments: list[ProposalComment], viewer: Member | None,
                   ) -> dict[int, tuple[str, dict]]:
    """{member id: (message template, values)} for the proposer and everyone who commented: the viewer is
    "you", a coordinator (who manages the members anyway) reads real names, anyone else reads "the proposer" or
    "participant N" in the order they first spoke."""
    labels: dict[int, tuple[str, dict]] = {}
    speakers = [proposal.author_id] + [c.author_id for c in comments]
    number = 0
    for member_id in speakers:
        if member_id in labels:
            continue
        if viewer is not None and member_id == viewer.id:
            labels[member_id] = (YOU, {})
        elif viewer is not None and viewer.is_coordinator:
            member = proposal.author if member_id == proposal.author_id else \
                next(c.author for c in comments if c.author_id == member_id)
            labels[member_id] = ("%(name)s", {"name": member.name})
        elif member_id == proposal.author_id:
            labels[member_id] = (PROPOSER, {})
        else:
            number += 1
            labels[member_id] = (PARTICIPANT, {"number": number})
    return labels
