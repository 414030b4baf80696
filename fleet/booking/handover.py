"""Check-out and check-in at the hub, meter readings, damage reports and repairs.

A member-owned item is handed over by its owner to the borrower: each of the two confirms the check-out and
the check-in, the first one to act records the meter and the checklist, and the handover takes effect when
the second confirms (a coordinator's confirmation settles it alone, for a dispute).

A checked-out booking holds its slot like a confirmed one. An early return frees the rest of the slot for
the waitlist; a late return that runs into the next booking flags that booking for its member and the
coordinators at once. Services take (session, actor, ..., now), raise DomainErrors and only flush.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleet.catalogue.assets import get_asset, set_asset_status, take_out_of_service
from fleet.booking.bookings import booking_values, get_booking
from fleet.booking.charges import post_check_in_charge
from fleet.booking.owned_items import owned_item_for
from fleet.core import signals
from fleet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from fleet.core.messages import Term, When, msg
from fleet.core.text import multi_line
from fleet.models import (
    Asset, AssetStatus, Booking, BookingStatus, Category, DamageReport, DamageStatus, Handover,
    HandoverConfirmation, HandoverKind, LedgerEntry, Member,
)
from fleet.members.notifications import notify, notify_coordinators
from fleet.booking.photos import clean_photo, store_photo
from fleet.members.permissions import require_coordinator
from fleet.members.pools import coordinated_pool_ids
from fleet.models.queries import holding_during

EARLY_CHECK_OUT = timedelta(minutes=15)   # pick-up may start this long before the booking
MAX_METER = 10_000_000
DESCRIPTION_MAX = 2000
METER_UNITS = (msg("km"), msg("hours"))  # the meter units, as terms in messages (marked for extraction)


@dataclass
class DamageInput:
    description: str
    unusable: bool = False
    photo: bytes | None = None


@dataclass
class CheckInResult:
    booking: Booking
    returned_early: bool = False
    returned_late: bool = False
    flagged: list[Booking] = field(default_factory=list)
    damage: DamageReport | None = None
    charge: LedgerEntry | None = None


def last_meter_reading(session: Session, asset_id: int) -> float | None:
    """The asset's latest recorded meter reading (km or hours), None when it has none yet."""
    return session.scalar(select(Handover.meter_reading).where(
        Handover.asset_id == asset_id, Handover.meter_reading.is_not(None))
        .order_by(Handover.at.desc(), Handover.id.desc()).limit(1))


def handovers_of(session: Session, booking_id: int) -> dict[str, Handover]:
    return {h.kind.value: h for h in session.scalars(select(Handover).where(Handover.booking_id == booking_id))}


def recorded_use(session: Session, booking_id: int) -> float | None:
    """Km driven or hours run during a booking (check-in minus check-out reading), when both were read."""
    h = handovers_of(session, booking_id)
    out, back = h.get("check_out"), h.get("check_in")
    if out is None or back is None or out.meter_reading is None or back.meter_reading is None:
        return None
    return back.meter_reading - out.meter_reading


def owner_id_of(session: Session, booking: Booking) -> int | None:
    """The member who owns the booked item, None for the pool's own assets."""
    item = owned_item_for(session, booking.asset_id)
    return None if item is None else item.owner_id


def handover_booking(session: Session, actor: Member, booking_id: int) -> tuple[Booking, int | None]:
    """A booking the actor may hand over: their own, any for a coordinator, or one of an item they own;
    with the item's owner (None for the pool's own assets). Others get 404."""
    booking = session.get(Booking, booking_id, options=[joinedload(Booking.asset).joinedload(Asset.hub)]) \
        if isinstance(booking_id, int) else None
    if booking is None:
        raise NotFound("No such booking.")
    owner_id = owner_id_of(session, booking)
    if owner_id is None or actor.id != owner_id:
        booking = get_booking(session, actor, booking_id)
    return booking, owner_id


def _confirmed_by_both(session: Session, booking: Booking, kind: HandoverKind, actor: Member, owner_id: int,
                       now: datetime) -> bool:
    """Record the actor's confirmation of a member-owned item's handover; True once the owner and the
    borrower have both confirmed, or a coordinator who is neither has."""
    mine = session.scalar(select(HandoverConfirmation.id).where(
        HandoverConfirmation.booking_id == booking.id, HandoverConfirmation.kind == kind.value,
        HandoverConfirmation.member_id == actor.id))
    if mine is not None:
        raise Conflict("You have confirmed this already; the other party confirms next.")
    session.add(HandoverConfirmation(booking_id=booking.id, kind=kind.value, member_id=actor.id, at=now))
    session.flush()
    if actor.coordinates_pool(booking.asset.category.pool_id) and actor.id not in (owner_id, booking.member_id):
        return True
    confirmed = set(session.scalars(select(HandoverConfirmation.member_id).where(
        HandoverConfirmation.booking_id == booking.id, HandoverConfirmation.kind == kind.value)))
    return {owner_id, booking.member_id} <= confirmed


def handover_confirmations(session: Session, booking_id: int) -> dict[str, set[int]]:
    """Who confirmed each handover of a booking: {"check_out": {member ids}, "check_in": {...}}."""
    out: dict[str, set[int]] = {}
    for kind, member_id in session.execute(select(HandoverConfirmation.kind, HandoverConfirmation.member_id)
                                           .where(HandoverConfirmation.booking_id == booking_id)):
        out.setdefault(kind, set()).add(member_id)
    return out


def _may_hand_over(actor: Member, booking: Booking, owner_id: int | None = None) -> None:
    if not actor.active:
        raise Forbidden("Your account is deactivated.")
    if actor.coordinates_pool(booking.asset.category.pool_id) or (owner_id is not None and actor.id == owner_id):
        return
    if booking.member_id != actor.id:
        raise NotFound("No such booking.")
    if booking.asset.category.handover_by_coordinator:
        raise Forbidden("%(category)s is checked out and in by a coordinator at the hub.",
                        category=booking.asset.category.name)


def _checklist(asset: Asset, ticked: dict | Iterable[str] | None) -> dict[str, bool]:
    items = asset.category.checklist_items
    if ticked is None:
        ticked = {}
    if not isinstance(ticked, dict):
        ticked = dict.fromkeys(ticked, True)
    unknown = sorted(set(ticked) - set(items))
    if unknown:
        raise ValidationFailed("%(item)s is not on the checklist of %(category)s.", field="checklist",
                               item=repr(unknown[0]), category=asset.category.name)
    return {item: bool(ticked.get(item, False)) for item in items}


def _meter(session: Session, asset: Asset, reading: float | None) -> float | None:
    if asset.meter_unit is None:
        if reading is not None:
            raise ValidationFailed("%(asset)s has no meter to read.", field="meter_reading", asset=asset.name)
        return None
    unit = Term(asset.meter_unit.value)  # km or hours
    if reading is None:
        raise ValidationFailed("Enter the meter reading (%(unit)s).", field="meter_reading", unit=unit)
    if isinstance(reading, bool) or not isinstance(reading, (int, float)) or reading != reading \
            or not 0 <= reading <= MAX_METER:
        raise ValidationFailed("The meter reading must be a number of %(unit)s between 0 and %(max)s.",
                               field="meter_reading", unit=unit, max=MAX_METER)
    last = last_meter_reading(session, asset.id)
    if last is not None and reading < last:
        raise ValidationFailed("The meter reading %(reading)s %(unit)s is below the last one recorded "
                               "(%(last)s %(unit)s); meters do not run backwards.", field="meter_reading",
                               reading=format(reading, "g"), last=format(last, "g"), unit=unit)
    return float(reading)


def _clean_damage(damage: DamageInput | None,
                  photo_max_bytes: int | None) -> tuple[str, bytes | None, str | None] | None:
    if damage is None:
        return None
    description = multi_line(damage.description, "damage_description")
    if not description and damage.photo is None and not damage.unusable:
        return None
    if not description:
        raise ValidationFailed("Describe the damage.", field="damage_description")
    if damage.photo is not None and photo_max_bytes is None:
        raise ValidationFailed("Photos cannot be stored here.", field="photo")
    photo, extension = (clean_photo(damage.photo, max_bytes=photo_max_bytes) if damage.photo is not None
                        else (None, None))
    return description[:DESCRIPTION_MAX], photo, extension


def _record_damage(session: Session, actor: Member, asset: Asset, booking: Booking | None, cleaned, unusable: bool,
                   now: datetime, photo_dir: Path | None) -> DamageReport:
    description, photo, extension = cleaned
    name = None
    if photo is not None:
        if photo_dir is None:
            raise ValidationFailed("Photos cannot be stored here.", field="photo")
        name = store_photo(photo_dir, photo, extension, session=session)
    report = DamageReport(asset_id=asset.id, booking_id=booking.id if booking else None, reported_by_id=actor.id,
                          reported_at=now, description=description, unusable=unusable, photo_name=name,
                          photo_content_type=None if name is None else ("image/png" if extension == "png"
                                                                         else "image/jpeg"),
                          status=DamageStatus.open, currency=asset.currency or "EUR")
    session.add(report)
    session.flush()
    values = {"asset": asset.name, "member": actor.name, "description": description[:300]}
    if unusable:
        notify_coordinators(session, "damage_reported",
                            "Damage reported on %(asset)s by %(member)s (unusable: it is now in maintenance and its "
                            "bookings are being re-planned): %(description)s", now, booking.id if booking else None,
                            pool_id=asset.category.pool_id, **values)
    else:
        notify_coordinators(session, "damage_reported",
                            "Damage reported on %(asset)s by %(member)s (still usable): %(description)s", now,
                            booking.id if booking else None, pool_id=asset.category.pool_id, **values)
    if unusable:
        take_out_of_service(session, asset.id, now=now)
    return report


def check_out(session: Session, actor: Member, booking_id: int, now: datetime, *, meter_reading: float | None = None,
              checklist: dict | Iterable[str] | None = None, note: str = "", damage: DamageInput | None = None,
              photo_dir: Path | None = None, photo_max_bytes: int | None = None) -> Booking:
    """Hand the asset to the member: the booking becomes checked out (still holding its slot). A member-owned
    item is checked out when its owner and the borrower have both confirmed."""
    booking, owner_id = handover_booking(session, actor, booking_id)
    asset = booking.asset
    _may_hand_over(actor, booking, owner_id)
    note = multi_line(note, "note")
    if booking.status == BookingStatus.checked_out:
        raise Conflict("This booking is already checked out.")
    if booking.status == BookingStatus.pending:
        raise Conflict("This booking still waits for a coordinator's approval.")
    if booking.status != BookingStatus.confirmed:
        raise Conflict("This booking is %(status)s and cannot be checked out.",
                       status=Term(booking.status.value.replace("_", " ")))
    if now < booking.start_at - EARLY_CHECK_OUT:
        raise Conflict("Check-out opens %(minutes)s minutes before the start (%(start)s).",
                       minutes=int(EARLY_CHECK_OUT.total_seconds() // 60),
                       start=When(booking.start_at, asset.hub.timezone))
    if now >= booking.end_at:
        raise Conflict("This booking has ended; it can no longer be checked out.")
    if asset.status != AssetStatus.active:
        raise Conflict("%(asset)s is %(status)s and cannot be checked out.", asset=asset.name,
                       status=Term(asset.status.value))
    if damage is not None and damage.unusable:
        raise ValidationFailed("Do not check out something that cannot be used: report the damage as unusable "
                               "instead, and a coordinator will help you.", field="unusable")
    still_out = session.scalar(select(Booking.id).where(Booking.asset_id == asset.id, Booking.id != booking.id,
                                                        Booking.status == BookingStatus.checked_out))
    if still_out is not None:
        raise Conflict("%(asset)s has not been returned by the member before you yet.", asset=asset.name)
    recorded = handovers_of(session, booking.id).get("check_out") if owner_id is not None else None
    cleaned = _clean_damage(damage, photo_max_bytes)
    if recorded is None:
        reading = _meter(session, asset, meter_reading)
        ticked = _checklist(asset, checklist)
        session.add(Handover(booking_id=booking.id, asset_id=asset.id, kind=HandoverKind.check_out, by_id=actor.id,
                             at=now, meter_reading=reading, checklist=ticked, note=note[:2000]))
        session.flush()
    both = owner_id is None or _confirmed_by_both(session, booking, HandoverKind.check_out, actor, owner_id, now)
    if both:
        booking.check_out()
        session.flush()
    if cleaned is not None:
        _record_damage(session, actor, asset, booking, cleaned, False, now, photo_dir)
    return booking


def check_in(session: Session, actor: Member, booking_id: int, now: datetime, *, meter_reading: float | None = None,
             checklist: dict | Iterable[str] | None = None, note: str = "", damage: DamageInput | None = None,
             photo_dir: Path | None = None, photo_max_bytes: int | None = None) -> CheckInResult:
    """Take the asset back. Early: the rest of the slot is freed. Late: the next booking is flagged. The
    booking's charge is posted to the member's ledger. A member-owned item is checked in when its owner and
    the borrower have both confirmed; the return time is the first confirmation's, and the charge is posted
    then."""
    booking, owner_id = handover_booking(session, actor, booking_id)
    asset = booking.asset
    _may_hand_over(actor, booking, owner_id)
    note = multi_line(note, "note")
    if booking.status in (BookingStatus.pending, BookingStatus.confirmed):
        raise Conflict("This booking was not checked out, so it cannot be checked in.")
    if booking.status != BookingStatus.checked_out:
        raise Conflict("This booking is %(status)s; there is nothing to check in.",
                       status=Term(booking.status.value.replace("_", " ")))
    recorded = handovers_of(session, booking.id).get("check_in") if owner_id is not None else None
    cleaned = _clean_damage(damage, photo_max_bytes)
    result = CheckInResult(booking)
    if recorded is None:
        reading = _meter(session, asset, meter_reading)
        ticked = _checklist(asset, checklist)
        session.add(Handover(booking_id=booking.id, asset_id=asset.id, kind=HandoverKind.check_in, by_id=actor.id,
                             at=now, meter_reading=reading, checklist=ticked, note=note[:2000]))
        session.flush()
    # a member-owned item came back when the first of the two confirmed
    returned_at = now if recorded is None else recorded.at
    if owner_id is not None and not _confirmed_by_both(session, booking, HandoverKind.check_in, actor, owner_id,
                                                       now):
        if cleaned is not None:
            result.damage = _record_damage(session, actor, asset, booking, cleaned, bool(damage.unusable), now,
                                           photo_dir)
        return result
    booking.complete()
    old_end = booking.end_at
    if returned_at < old_end:
        booking.end_at = max(returned_at, booking.start_at + timedelta(minutes=1))
        result.returned_early = True
    session.flush()
    if result.returned_early and booking.end_at < old_end:
        signals.slot_freed.send(session, asset=asset, start=booking.end_at, end=old_end, now=now)
    elif returned_at > old_end:
        result.returned_late = True
        result.flagged = flag_bookings_after(session, booking, now, until=now, returned_at=returned_at)
    if cleaned is not None:
        result.damage = _record_damage(session, actor, asset, booking, cleaned, bool(damage.unusable), now,
                                       photo_dir)
    # The booked time is charged (an early return frees the rest for others, but was booked), with the use the
    # meter counted and the late fee when it came back late.
    result.charge = post_check_in_charge(session, booking, old_end, returned_at, recorded_use(session, booking.id),
                                         now)
    return result


def flag_bookings_after(session: Session, late: Booking, now: datetime, *, until: datetime,
                        returned_at: datetime | None = None) -> list[Booking]:
    """Flag the holding bookings of the late booking's asset that start between its end and `until`: their
    member and the coordinators are told at once. A booking already flagged is not flagged twice. With
    `returned_at` the late booking was returned late then; without, it is still out (overdue)."""
    asset = late.asset
    hit = list(session.scalars(select(Booking).where(
        Booking.asset_id == asset.id, Booking.id != late.id, holding_during(now, until),
        Booking.start_at >= late.start_at)
        .options(joinedload(Booking.member)).order_by(Booking.start_at)))
    flagged = []
    for nxt in hit:
        if nxt.attention:
            continue
        values = booking_values(nxt, asset)
        zone = asset.hub.timezone
        if returned_at is not None:
            at = When(returned_at, zone)
            nxt.flag("%(asset)s was returned late, at %(at)s; the booking before yours ran over its end.",
                     asset=asset.name, at=at)
            notify(session, nxt.member_id, "overdue_return",
                   "The return of %(asset)s before your booking is late (was returned late, at %(at)s). Your "
                   "booking: %(asset)s at %(hub)s, %(start)s to %(end)s. A coordinator has been told.", now, nxt.id,
                   at=at, **values)
        else:
            due = When(late.end_at, zone)
            nxt.flag("%(asset)s is overdue (due back at %(due)s); the booking before yours ran over its end.",
                     asset=asset.name, due=due)
            notify(session, nxt.member_id, "overdue_return",
                   "The return of %(asset)s before your booking is late (is overdue (due back at %(due)s)). Your "
                   "booking: %(asset)s at %(hub)s, %(start)s to %(end)s. A coordinator has been told.", now, nxt.id,
                   due=due, **values)
        notify_coordinators(session, "overdue_return",
                            "Late return of %(asset)s runs into the booking of %(member)s "
                            "(%(asset)s at %(hub)s, %(start)s to %(end)s).", now, nxt.id, member=nxt.member.name,
                            **values)
        flagged.append(nxt)
    session.flush()
    return flagged


def report_damage(session: Session, actor: Member, asset_id: int, now: datetime, *, description: str,
                  unusable: bool = False, photo: bytes | None = None, booking_id: int | None = None,
                  photo_dir: Path | None = None, photo_max_bytes: int | None = None) -> DamageReport:
    """Any active member of the asset's pool may report damage they find; an unusable asset goes into maintenance
    at once."""
    if not actor.active:
        raise Forbidden("Your account is deactivated.")
    asset = asset_of_my_pools(session, actor, asset_id)
    booking = None
    if booking_id is not None:  # the booking's member, a coordinator, or the owner of a member's own item
        booking, _owner_id = handover_booking(session, actor, booking_id)
        if booking.asset_id != asset.id:
            raise ValidationFailed("That booking is not for this asset.", field="booking_id")
    if asset.status == AssetStatus.retired:
        raise Conflict("%(asset)s is retired.", asset=asset.name)
    cleaned = _clean_damage(DamageInput(description, unusable, photo), photo_max_bytes)
    if cleaned is None:
        raise ValidationFailed("Describe the damage.", field="damage_description")
    return _record_damage(session, actor, asset, booking, cleaned, unusable, now, photo_dir)


def asset_of_my_pools(session: Session, actor: Member, asset_id: int) -> Asset:
    """An asset of a pool `actor` belongs to; any other is answered as a missing one."""
    asset = get_asset(session, asset_id)
    if not actor.belongs_to_pool(asset.category.pool_id):
        raise NotFound("No such asset.")
    return asset


def get_damage_report(session: Session, actor: Member, report_id: int) -> DamageReport:
    """A report its reporter, the booking's member or a coordinator may see; others get 404."""
    report = session.get(DamageReport, report_id, options=[joinedload(DamageReport.asset),
                                                           joinedload(DamageReport.booking)])
    if report is None:
        raise NotFound("No such damage report.")
    if actor.coordinates_pool(report.asset.category.pool_id) or report.reported_by_id == actor.id or \
            (report.booking is not None and report.booking.member_id == actor.id):
        return report
    item = owned_item_for(session, report.asset_id)
    if item is not None and item.owner_id == actor.id:  # the owner sees the reports on their item
        return report
    raise NotFound("No such damage report.")


def repair_damage(session: Session, actor: Member, report_id: int, now: datetime, *, cost_minor: int | None,
                  currency: str = "EUR", note: str = "") -> DamageReport:
    """Close a report with the repair and its cost; when no unusable report stays open the asset is back."""
    require_coordinator(actor)
    report = get_damage_report(session, actor, report_id)
    if not actor.coordinates_pool(report.asset.category.pool_id):
        raise NotFound("No such damage report.")
    if report.status != DamageStatus.open:
        raise Conflict("This damage report is closed already.")
    if cost_minor is not None and (isinstance(cost_minor, bool) or not isinstance(cost_minor, int)
                                   or not 0 <= cost_minor <= 2**31 - 1):
        raise ValidationFailed("The repair cost must be zero or more.", field="cost")
    currency = (currency or "EUR").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationFailed("Currency must be a three-letter code such as EUR.", field="currency")
    note = multi_line(note, "note")
    report.status, report.repaired_at, report.repaired_by_id = DamageStatus.repaired, now, actor.id
    report.repair_cost_minor, report.currency, report.repair_note = cost_minor, currency, note[:2000]
    session.flush()
    still_broken = session.scalar(select(DamageReport.id).where(
        DamageReport.asset_id == report.asset_id, DamageReport.status == DamageStatus.open,
        DamageReport.unusable.is_(True)))
    if report.unusable and still_broken is None and report.asset.status == AssetStatus.maintenance:
        set_asset_status(session, actor, report.asset_id, AssetStatus.active, now=now)
    return report


def open_damage_reports(session: Session, actor: Member) -> list[DamageReport]:
    """The open reports of the pools `actor` coordinates."""
    require_coordinator(actor)
    in_mine = DamageReport.asset_id.in_(select(Asset.id).join(Asset.category).where(
        Category.pool_id.in_(coordinated_pool_ids(session, actor))))
    return list(session.scalars(select(DamageReport).where(DamageReport.status == DamageStatus.open, in_mine)
                                .options(joinedload(DamageReport.asset), joinedload(DamageReport.reported_by))
                                .order_by(DamageReport.unusable.desc(), DamageReport.reported_at)))


def damage_reports_of_booking(session: Session, booking_id: int) -> list[DamageReport]:
    return list(session.scalars(select(DamageReport).where(DamageReport.booking_id == booking_id)
                                .order_by(DamageReport.id)))


def handover_bookings(session: Session, actor: Member, asset_id: int, now: datetime) -> list[Booking]:
    """The bookings of an asset someone at the hub may check out or in now: out ones, and confirmed ones
    whose check-out is open. Members see their own; coordinators all."""
    stmt = select(Booking).where(Booking.asset_id == asset_id, (
        (Booking.status == BookingStatus.checked_out) |
        ((Booking.status == BookingStatus.confirmed) & (Booking.start_at <= now + EARLY_CHECK_OUT)
         & (Booking.end_at > now)))).options(joinedload(Booking.member)).order_by(Booking.start_at)
    asset = session.get(Asset, asset_id)
    if asset is None or not actor.belongs_to_pool(asset.category.pool_id):
        raise NotFound("No such asset.")
    if not actor.coordinates_pool(asset.category.pool_id):
        stmt = stmt.where(Booking.member_id == actor.id)
    return list(session.scalars(stmt))
