"""A proposal's discussion: plain-text comments (links are shown as links); an edit keeps the earlier text."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fleet.core.errors import Forbidden, NotFound, ValidationFailed
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
