"""Flexible requests in the web UI: ask, see what the pool decided, withdraw; the public page on how
allocation works; the member's notifications."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from fleet.members.pools import member_pool_ids
from fleet.booking.lending_agreements import borrowed_categories, lent_categories
from fleet.allocation.request_prices import request_price_range
from fleet.booking.charges import booking_price
from app.forms import field_errors, optional_float, optional_int
from app.i18n import translate_message
from app.security import is_safe_next
from app.transaction import flash_on_refusal, on_refusal
from fleet.allocation import fair_share
from fleet.allocation import flexible_requests as request_service
from fleet.allocation import making_room
from fleet.catalogue.asset_types import category_types
from fleet.catalogue.assets import list_assets
from fleet.catalogue.categories import get_category, list_categories
from fleet.core.db import utcnow
from fleet.core.errors import DomainError, NotFound, ValidationFailed
from fleet.core.geo import distance_km
from fleet.core.localtime import parse_local
from fleet.models import RequestStatus
from fleet.members.notifications import list_unread, mark_read

bp = Blueprint("requests", __name__)

PER_PAGE = 20
# The service names the total duration; the form asks for hours and minutes and shows one message for both.
FIELD_NAMES = {"duration_minutes": "duration", "asset_types": "type"}


def _zone() -> str:
    """Windows are typed as wall-clock time in the pool's zone (the hub is not known before assignment)."""
    return current_app.config["DEFAULT_TIMEZONE"]


def _duration_minutes(form) -> int:
    hours, minutes = optional_int(form, "duration_h"), optional_int(form, "duration_m")
    if hours is None and minutes is None:
        raise ValidationFailed("Enter how long you need it.", field="duration")
    if (hours or 0) < 0 or (minutes or 0) < 0:
        raise ValidationFailed("Hours and minutes cannot be negative.", field="duration")
    return (hours or 0) * 60 + (minutes or 0)


def _request_input(form) -> request_service.RequestInput:
    """The form as the service's input; a value that cannot even be read is a field error."""
    zone = _zone()
    try:
        category_id = optional_int(form, "category_id")
    except ValidationFailed:
        raise ValidationFailed("No such category.", field="category_id") from None
    if category_id is None:
        raise ValidationFailed("Choose a category.", field="category_id")
    # A bool capability arrives as a hidden "no" followed by the checkbox's "yes": the last value counts.
    requires = {key[4:]: form.getlist(key)[-1] for key in form if key.startswith("cap_")}
    return request_service.RequestInput(
        category_id=category_id,
        earliest_start=parse_local(form.get("earliest_start", ""), zone, field="earliest_start"),
        latest_end=parse_local(form.get("latest_end", ""), zone, field="latest_end"),
        duration_minutes=_duration_minutes(form),
        requires=requires,
        lat=optional_float(form, "lat"),
        lon=optional_float(form, "lon"),
        max_distance_km=optional_float(form, "max_distance_km"),
        preferred_asset_id=optional_int(form, "preferred_asset_id"),
        note=form.get("note", ""),
        asset_types=form.getlist("type"),
    )


def _form_errors(exc: DomainError) -> dict[str, str]:
    """Field errors under the form's names; one the form has no place for goes above the form."""
    errors = field_errors(exc, FIELD_NAMES)
    shown = {"category_id", "earliest_start", "latest_end", "duration", "max_distance_km", "lat", "lon",
             "preferred_asset_id", "capabilities", "type", "_form"}
    return {(k if k in shown or k.startswith("cap_") else "_form"): v for k, v in errors.items()}


def _category_or_none(value):
    try:
        category_id = int(str(value or "").strip())
        category = get_category(db.session, category_id)
    except (ValueError, NotFound):
        return None
    return None if category.retired else category


def _form_page(category, values: dict, errors: dict, status: int = 200):
    assets = list_assets(db.session, include_retired=False, category_id=category.id) if category else []
    return render_template("requests/new.html", category=category,
                           categories=list_categories(db.session, pool_ids=member_pool_ids(db.session, current_user))
                           + lent_categories(borrowed_categories(db.session, current_user)),
                           assets=assets, form=values, errors=errors, zone=_zone(),
                           asset_types=category_types(db.session, category.id) if category else [],
                           home=current_user.home), status


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required
def new():
    if request.method == "GET":
        chosen = request.args.get("category")
        category = _category_or_none(chosen) if chosen else None
        errors = {"category_id": "No such category."} if chosen and category is None else {}
        values = {"duration_h": "1", "duration_m": "0", **request.args.to_dict()}
        return _form_page(category, values, errors, 400 if errors else 200)
    form = request.form
    on_refusal(lambda exc: _form_page(_category_or_none(form.get("category_id")),
                                      {key: form.getlist(key)[-1] for key in form}, _form_errors(exc), exc.status),
               unless=(403, 404))
    flexible = request_service.submit_request(db.session, current_user, _request_input(form), utcnow())
    if flexible.status == RequestStatus.assigned:
        flash(_("Done: the pool found you an asset."), "success")
    else:
        flash(translate_message(flexible.waitlist_reason) or _("You are on the waitlist."), "info")
    return redirect(url_for("requests.detail", request_id=flexible.id))


@bp.route("/requests")
@login_required
def my_requests():
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = request_service.list_requests(db.session, current_user, page, PER_PAGE, member_id=current_user.id)
    positions = {r.id: request_service.queue_position(db.session, r) for r in rows
                 if r.status == RequestStatus.waitlisted}
    return render_template("requests/list.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
                           positions=positions, zone=_zone(), notifications=list_unread(db.session, current_user))


@bp.route("/requests/<id:request_id>")
@login_required
def detail(request_id: int):
    flexible = request_service.get_request(db.session, current_user, request_id)
    return render_template("requests/detail.html", r=flexible, zone=_zone(), distance=_distance_to_hub(flexible),
                           from_home=flexible.member.home == (flexible.lat, flexible.lon),
                           position=request_service.queue_position(db.session, flexible),
                           price_range=request_price_range(db.session, flexible),
                           quote=booking_price(db.session, flexible.booking) if flexible.booking else None)


def _distance_to_hub(flexible) -> float | None:
    """How far the assigned asset's hub is from where the member asked for it."""
    booking = flexible.booking
    if booking is None or flexible.lat is None or flexible.lon is None:
        return None
    hub = booking.asset.hub
    return distance_km((flexible.lat, flexible.lon), (hub.lat, hub.lon))


@bp.route("/requests/<id:request_id>/cancel", methods=["POST"])
@login_required
def cancel(request_id: int):
    flash_on_refusal(url_for("requests.detail", request_id=request_id))
    request_service.cancel_request(db.session, current_user, request_id, utcnow())
    flash(_("Request withdrawn."), "success")
    return redirect(url_for("requests.detail", request_id=request_id))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def notifications_read():
    """Dismiss one notification (`id`) or all unread ones (no `id`), then go back where the member was."""
    try:
        ids = [int(value) for value in request.form.getlist("id")] or None
    except ValueError:
        ids = []
    mark_read(db.session, current_user, ids, utcnow())
    back = request.form.get("next")
    return redirect(back if is_safe_next(back) else url_for("bookings.my_bookings"))


@bp.route("/how-allocation-works")
def how_allocation_works():
    paragraphs = [" ".join(p.split()) for p in (fair_share.__doc__ or "").strip().split("\n\n")]
    quotas = [c for c in list_categories(db.session) if c.weekly_quota_hours]
    return render_template("requests/how_allocation_works.html", fair_share_title=paragraphs[0],
                           fair_share_rule=paragraphs[1:], quotas=quotas, base_priority=fair_share.BASE_PRIORITY,
                           instant_seconds=request_service.INSTANT_TIME_LIMIT,
                           freeze_hours=int(making_room.FREEZE.total_seconds() // 3600), max_moves=making_room.MAX_MOVES)
