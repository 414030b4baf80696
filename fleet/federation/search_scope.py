"""Whose things a reader's search covers, read in one statement: the pools (a member's own, a visitor's public
ones, the administrator's every one), the categories the member borrows through lending agreements
(fleet.booking.lending_agreements), and whether any federation partner is active, so that a search on an
installation without partners asks nothing about their items."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from fleet.booking.lending_agreements import lending_from_outside
from fleet.models import (
    LendingAgreement, Member, Partner, PartnerStatus, Pool, PoolMembership, lending_agreement_category,
)


@dataclass(frozen=True)
class SearchScope:
    pool_ids: set[int]
    # {category id: the active agreement through which the member books it}, as borrowed_categories answers
    borrowed: dict[int, LendingAgreement] = field(default_factory=dict)
    partners: bool | None = None  # whether a federation partner is active; None: not known, so look


def search_scope(session: Session, member: Member | None) -> SearchScope:
    """The same pools as `visible_pool_ids` and the same categories as `borrowed_categories`, in one statement."""
    if member is None or not getattr(member, "is_authenticated", False):
        rows = _plain_rows(session, _pools_statement(public_only=True))
        return SearchScope({r.id for r in rows}, {}, rows[0].partners if rows else None)
    if not member.active:
        return SearchScope(set())
    if member.is_admin:  # belongs to every pool, so no pool lends to them from outside
        rows = _plain_rows(session, _pools_statement(public_only=False))
        return SearchScope({r.id for r in rows}, {}, rows[0].partners if rows else None)
    rows = session.execute(_member_statement(), {"member_id": member.id}).all()
    # several agreements covering one category (the member is in two borrowing pools): the oldest one, as in
    # borrowed_categories (rows come newest first, so the oldest is written last)
    borrowed = {r.category_id: r.LendingAgreement for r in rows if r.category_id is not None}
    return SearchScope({r.pool_id for r in rows}, borrowed, rows[0].partners if rows else None)


def _plain_rows(session: Session, stmt: Select) -> list:
    """The rows of a statement of plain columns, without the ORM's work per statement."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(stmt).all()


# The statements are built once: building one and its cache key costs more than running it.

def _any_partner():
    return exists().where(Partner.status == PartnerStatus.active).label("partners")


@cache
def _pools_statement(public_only: bool) -> Select:
    stmt = select(Pool.id, _any_partner())
    return stmt.where(Pool.public.is_(True)) if public_only else stmt


@cache
def _member_statement() -> Select:
    """The member's pools (`member_id`), each with the active agreements lending to it from outside them and
    their categories."""
    member_id = bindparam("member_id")
    mine = select(PoolMembership.pool_id).where(PoolMembership.member_id == member_id)
    lac = lending_agreement_category
    return (select(PoolMembership.pool_id, lac.c.category_id, LendingAgreement, _any_partner())
            .select_from(PoolMembership)
            .outerjoin(LendingAgreement, (LendingAgreement.borrower_pool_id == PoolMembership.pool_id)
                       & lending_from_outside(mine))
            .outerjoin(lac, lac.c.agreement_id == LendingAgreement.id)
            .where(PoolMembership.member_id == member_id)
            .order_by(LendingAgreement.id.desc()))


__all__ = ["SearchScope", "search_scope"]
