"""Lending agreements between pools (fleet.models.agreements): the lender's coordinators offer one, the
borrower's accept it, either side ends it; and the questions the booking rule, search and the optimiser ask:
which agreement lets a member book a category of a pool they do not belong to.

Who sees what: an agreement is visible to the coordinators of its two pools (and the administrator); to anyone
else it is answered as missing (NotFound). The lender's side offers it, the borrower's side accepts it.

Ending an agreement refuses new bookings through it at once. Bookings already made through it are kept (the
borrower's members planned with them): the lender's coordinators are told how many future ones there are, and
can cancel any of them from their bookings page, which tells the member."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from fleet.booking.eligibility_rules import (
    MAX_AT_ONCE, MAX_BOOKINGS_PER_WEEK, MAX_HOURS_PER_WEEK, checked_limit,
)
from fleet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from fleet.core.messages import msg
from fleet.members.notifications import notify
from fleet.members.permissions import require_coordinator
from fleet.members.pools import coordinated_pool_ids, member_pool_ids, pool_for_new_object
from fleet.models import (
    HOLDING_STATUSES, AgreementStatus, Asset, Booking, Category, LendingAgreement, Member, Pool, PoolMembership,
    PoolRole, lending_agreement_category,
)

NOTIFICATION_KIND = "lending_agreement"


# --- what the booking rule, search and the optimiser ask ------------------------------------------------------

def lending_from_outside(mine):
    """SQL condition on LendingAgreement: active, and lent by a pool outside `mine` (the borrowing member's pools,
    a set or a subquery); the caller says which borrowing pools."""
    return and_(LendingAgreement.status == AgreementStatus.active, LendingAgreement.lender_pool_id.not_in(mine))


def borrowed_categories(session: Session, member: Member | None) -> dict[int, LendingAgreement]:
    """{category id: the active agreement through which `member` may book it}, for the categories of pools the
    member does not belong to, lent to a pool they do belong to. Empty for nobody."""
    mine = member_pool_ids(session, member)
    if not mine:
        return {}
    rows = session.execute(
        select(lending_agreement_category.c.category_id, LendingAgreement)
        .join(LendingAgreement, LendingAgreement.id == lending_agreement_category.c.agreement_id)
        .where(lending_from_outside(mine), LendingAgreement.borrower_pool_id.in_(mine))
        .order_by(LendingAgreement.id.desc())).all()
    # several agreements covering one category (the member is in two borrowing pools): the oldest one
    return dict(rows)


def lent_categories(borrowed: dict[int, LendingAgreement]) -> list[Category]:
    """The categories of `borrowed` (as `borrowed_categories` returns it), by name: what a member may pick in a
    search or a request besides their own pools' categories."""
    return sorted({c for agreement in borrowed.values() for c in agreement.categories if c.id in borrowed},
                  key=lambda c: (c.name.lower(), c.id))


def stand_in_categories(session: Session, member: Member, category: Category) -> set[int]:
    """The partner pools' categories that can serve `member`'s flexible request for `category` of their own pool:
    those the member borrows through an active agreement that have the same name (ignoring case and surrounding
    spaces): the village's "Trailers" request may get the farm co-op's "Trailers" when that is nearer or the only
    one free. A request for a borrowed category itself is served by that category only."""
    wanted = (category.name or "").strip().lower()
    borrowed = borrowed_categories(session, member)
    if not wanted or not borrowed or category.id in borrowed:
        return set()
    return set(session.scalars(select(Category.id).where(
        Category.id.in_(set(borrowed)), func.lower(func.trim(Category.name)) == wanted,
        Category.retired.is_(False))))


def borrowing_agreement(session: Session, member: Member, category_id: int) -> LendingAgreement | None:
    """The active agreement that lets `member` book category `category_id` of a pool they do not belong to."""
    mine = member_pool_ids(session, member)
    if not mine:
        return None
    return session.scalar(
        select(LendingAgreement)
        .join(lending_agreement_category, lending_agreement_category.c.agreement_id == LendingAgreement.id)
        .where(lending_agreement_category.c.category_id == category_id,
               LendingAgreement.status == AgreementStatus.active, LendingAgreement.borrower_pool_id.in_(mine))
        .order_by(LendingAgreement.id).limit(1))


# --- coordinators' services -------------------------------------------------------------------------------------

def list_agreements(session: Session, actor: Member) -> list[LendingAgreement]:
    """The agreements of the pools `actor` coordinates, as lender or borrower; newest first."""
    require_coordinator(actor)
    pools = coordinated_pool_ids(session, actor)
    if not pools:
        return []
    return list(session.scalars(
        select(LendingAgreement).where(LendingAgreement.lender_pool_id.in_(pools)
                                       | LendingAgreement.borrower_pool_id.in_(pools))
        .options(selectinload(LendingAgreement.categories))
        .order_by(LendingAgreement.created_at.desc(), LendingAgreement.id.desc())))


def get_agreement(session: Session, actor: Member, agreement_id: int) -> LendingAgreement:
    """An agreement of a pool `actor` coordinates (either side); any other is answered as missing."""
    require_coordinator(actor)
    agreement = session.get(LendingAgreement, agreement_id)
    pools = coordinated_pool_ids(session, actor)
    if agreement is None or not {agreement.lender_pool_id, agreement.borrower_pool_id} & pools:
        raise NotFound("No such agreement.")
    return agreement


def offer_agreement(session: Session, actor: Member, *, borrower_pool_id: int | None, category_ids: list[int],
                    now: datetime, lender_pool_id: int | None = None, requires_approval: bool = False,
                    max_at_once: int | None = None, max_hours_per_week: int | None = None,
                    max_bookings_per_week: int | None = None) -> LendingAgreement:
    """The lender pool (which `actor` coordinates; None: their only pool) offers the categories `category_ids`
    to the borrower pool's members. The borrower's coordinators accept it before anyone can book."""
    lender_pool_id = pool_for_new_object(session, actor, lender_pool_id)
    if isinstance(borrower_pool_id, bool) or not isinstance(borrower_pool_id, int) \
            or session.get(Pool, borrower_pool_id) is None:
        raise ValidationFailed("There is no such pool.", field="borrower_pool_id")
    if borrower_pool_id == lender_pool_id:
        raise ValidationFailed("A pool does not lend to itself: choose another pool.", field="borrower_pool_id")
    limits = dict(max_at_once=checked_limit(max_at_once, "max_at_once", MAX_AT_ONCE),
                  max_hours_per_week=checked_limit(max_hours_per_week, "max_hours_per_week", MAX_HOURS_PER_WEEK),
                  max_bookings_per_week=checked_limit(max_bookings_per_week, "max_bookings_per_week",
                                                      MAX_BOOKINGS_PER_WEEK))
    wanted = set(category_ids or [])
    if not wanted or any(isinstance(c, bool) or not isinstance(c, int) for c in wanted):
        raise ValidationFailed("Choose at least one of your pool's categories to lend.", field="category_ids")
    categories = list(session.scalars(select(Category).where(
        Category.id.in_(wanted), Category.pool_id == lender_pool_id, Category.retired.is_(False))))
    if len(categories) != len(wanted):
        raise ValidationFailed("Only the lending pool's own categories can be lent.", field="category_ids")
    open_one = session.scalar(select(LendingAgreement.id).where(
        LendingAgreement.lender_pool_id == lender_pool_id, LendingAgreement.borrower_pool_id == borrower_pool_id,
        LendingAgreement.status != AgreementStatus.ended))
    if open_one is not None:
        raise Conflict("These pools have an agreement already: end it before offering another.",
                       field="borrower_pool_id")
    agreement = LendingAgreement(lender_pool_id=lender_pool_id, borrower_pool_id=borrower_pool_id,
                                 status=AgreementStatus.offered, requires_approval=bool(requires_approval),
                                 created_by_id=actor.id, created_at=now, updated_at=now, **limits)
    agreement.categories = categories
    session.add(agreement)
    session.flush()
    _tell_coordinators(session, borrower_pool_id, msg("%(pool)s offers to lend %(categories)s to your pool's "
                                                      "members; accept it on the agreements page."), now,
                       pool=agreement.lender.name, categories=_names(agreement))
    return agreement


def accept_agreement(session: Session, actor: Member, agreement_id: int, now: datetime) -> LendingAgreement:
    """The borrower's coordinator accepts an offer: from now on its members can book the covered categories."""
    agreement = get_agreement(session, actor, agreement_id)
    if agreement.borrower_pool_id not in coordinated_pool_ids(session, actor):
        raise Forbidden("Only the borrowing pool's coordinators accept an agreement.")
    agreement.accept(actor.id, now)
    session.flush()
    _tell_coordinators(session, agreement.lender_pool_id, msg("%(pool)s accepted your offer: its members can book "
                                                              "%(categories)s now."), now,
                       pool=agreement.borrower.name, categories=_names(agreement))
    return agreement


def end_agreement(session: Session, actor: Member, agreement_id: int, now: datetime) -> LendingAgreement:
    """Either side ends an agreement (or withdraws or declines an offer). New bookings through it are refused
    from now on; the bookings already made are kept, and the lender's coordinators are told how many."""
    agreement = get_agreement(session, actor, agreement_id)
    agreement.end(actor.id, now)
    session.flush()
    kept = future_bookings_through(session, agreement, now)
    ender = agreement.lender if agreement.lender_pool_id in coordinated_pool_ids(session, actor) \
        else agreement.borrower
    for pool_id in (agreement.lender_pool_id, agreement.borrower_pool_id):
        if pool_id == agreement.lender_pool_id:
            _tell_coordinators(session, pool_id, msg("The agreement lending %(categories)s to %(borrower)s was ended "
                                                     "by %(pool)s. Its %(count)s future booking(s) are kept; cancel "
                                                     "those that should not go ahead."), now,
                               categories=_names(agreement), borrower=agreement.borrower.name, pool=ender.name,
                               count=kept)
        else:
            _tell_coordinators(session, pool_id, msg("The agreement lending %(categories)s to your pool was ended by "
                                                     "%(pool)s: your members can no longer book them."), now,
                               categories=_names(agreement), pool=ender.name)
    return agreement


def future_bookings_through(session: Session, agreement: LendingAgreement, now: datetime) -> int:
    """How many holding bookings not yet ended, of the covered categories, were made by members of the borrower
    who do not belong to the lender."""
    lender_members = select(PoolMembership.member_id).where(PoolMembership.pool_id == agreement.lender_pool_id)
    borrower_members = select(PoolMembership.member_id).where(PoolMembership.pool_id == agreement.borrower_pool_id)
    return session.scalar(
        select(func.count(Booking.id)).join(Asset, Asset.id == Booking.asset_id)
        .where(Asset.category_id.in_([c.id for c in agreement.categories]), Booking.status.in_(HOLDING_STATUSES),
               Booking.end_at > now, Booking.member_id.in_(borrower_members),
               Booking.member_id.not_in(lender_members))) or 0


def _names(agreement: LendingAgreement) -> str:
    return ", ".join(c.name for c in agreement.categories)


def _tell_coordinators(session: Session, pool_id: int, message: str, now: datetime, **params) -> None:
    """Notify the pool's coordinators (their own membership with the coordinator role)."""
    ids = session.scalars(select(PoolMembership.member_id).join(Member, Member.id == PoolMembership.member_id)
                          .where(PoolMembership.pool_id == pool_id, PoolMembership.role == PoolRole.coordinator,
                                 Member.active.is_(True)).order_by(PoolMembership.member_id))
    for member_id in ids:
        notify(session, member_id, NOTIFICATION_KIND, message, now, **params)


def offerable_pools(session: Session, actor: Member) -> list[Pool]:
    """Every pool of the installation, for the borrower select (the pools' names are public)."""
    require_coordinator(actor)
    return list(session.scalars(select(Pool).order_by(Pool.name, Pool.id)))


__all__ = ["lending_from_outside", "borrowed_categories", "lent_categories", "stand_in_categories", "borrowing_agreement", "list_agreements", "get_agreement", "offer_agreement",
           "accept_agreement", "end_agreement", "future_bookings_through", "offerable_pools"]
