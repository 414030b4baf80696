"""A member's own things in the pool: list an item, say when it is available, approve borrowers, confirm
handovers, see who borrowed it, add and remove its photos, withdraw it."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from app.extensions import db
from app.pools import coordinated
from fleet.members.pools import member_pool_ids
from app.forms import field_errors, optional_float, optional_int
from app.transaction import flash_on_refusal, on_refusal
from app.uploads import photo_form, photo_limit_text
from app.web import asset_photo_forms
from fleet.booking import handover
from fleet.catalogue.categories import get_category, list_categories
from fleet.catalogue.hubs import list_hubs
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed
from fleet.core.localtime import parse_local
from fleet.models import MeterUnit
from fleet.owners import approvals, disputes, listing, terms, windows, withdrawal
from fleet.owners.windows import WindowInput

bp = Blueprint("owners", __name__, url_prefix="/my-items")
WEEKDAYS = range(7)
METER_UNITS = tuple(u.value for u in MeterUnit)


@bp.route("")
@login_required
def my_items():
    return render_template("owners/list.html", items=listing.my_items(db.session, current_user),
                           waiting=approvals.waiting_for_owner(db.session, current_user),
                           everyones=listing.all_items(db.session, coordinated()) if current_user.is_coordinator else [])


@bp.route("/new")
@login_required
def new_item():
    category_id = optional_int(request.args, "category_id")
    category = get_category(db.session, category_id) if category_id else None
    return _new_page(category, {"approval_mode": "first_time", "where": "hub"}, {}, 200)


def _new_page(category, form, errors: dict, status: int):
    return render_template("owners/new.html", category=category, form=form, errors=errors,
                           categories=list_categories(db.session, pool_ids=member_pool_ids(db.session, current_user)),
                           hubs=list_hubs(db.session, pool_ids=member_pool_ids(db.session, current_user)),
                           bounds=terms.share_bounds(db.session), weekdays=WEEKDAYS,
                           modes=listing.APPROVAL_MODES, meter_units=METER_UNITS), status


def _window_inputs(form) -> list[WindowInput]:
    out = []
    for day in WEEKDAYS:
        start, end = (form.get(f"from_{day}") or "").strip(), (form.get(f"until_{day}") or "").strip()
        if start or end:
            if not (start and end):
                raise ValidationFailed("Give both times of a window, or neither.", field=f"from_{day}")
            out.append(WindowInput(day, start, "24:00" if end == "00:00" else end))
    return out


@bp.route("", methods=["POST"])
@login_required
def create_item():
    form = request.form
    category_id = optional_int(form, "category_id")
    category = get_category(db.session, category_id) if category_id else None
    on_refusal(lambda exc: _new_page(category, form, field_errors(exc), exc.status), unless=())
    if category is None:
        raise ValidationFailed("Choose a category.", field="category_id")
    at_place = form.get("where") == "place"
    place = None
    if at_place:
        lat, lon = optional_float(form, "lat"), optional_float(form, "lon")
        if lat is None or lon is None:
            raise ValidationFailed("Give your place's latitude and longitude.", field="lat")
        place = (lat, lon)
    capabilities = {key[4:]: form.getlist(key)[-1] for key in form if key.startswith("cap_")}
    item = listing.list_item(db.session, current_user, listing.ItemInput(
        name=form.get("name", ""), category_id=category.id, description=form.get("description", ""),
        asset_type=form.get("asset_type", ""), capabilities=capabilities,
        hub_id=None if at_place else optional_int(form, "hub_id"), place=place,
        approval_mode=form.get("approval_mode", ""), owner_share_percent=optional_int(form, "owner_share_percent"),
        meter_unit=form.get("meter_unit") or None, windows=_window_inputs(form)), utcnow())
    flash(_("%(item)s is in the pool, bookable inside its windows.", item=item.asset.name), "success")
    return redirect(url_for("owners.item", item_id=item.id))


@bp.route("/<int:item_id>")
@login_required
def item(item_id: int):
    return _item_page(listing.get_owned_item(db.session, current_user, item_id), {}, 200)


def _item_page(owned, errors: dict, status: int, form=None, photo_values: dict | None = None):
    days = {day: next(((windows.clock(w.start_minute), windows.clock(w.end_minute)) for w in owned.windows
                       if w.weekday == day), ("", "")) for day in WEEKDAYS}
    rows = approvals.borrowings(db.session, current_user, owned.id)
    confirmations = {b.booking.id: handover.handover_confirmations(db.session, b.booking.id) for b in rows}
    return render_template("owners/item.html", owned=owned, days=days, weekdays=WEEKDAYS, borrowings=rows,
                           confirmations=confirmations, errors=errors, form=form or {}, now=utcnow(),
                           bounds=terms.share_bounds(db.session), modes=listing.APPROVAL_MODES,
                           kinds=windows.EXCEPTION_KINDS, photo_values=photo_values or {},
                           photo_limit=photo_limit_text(),
                           photo_urls={"add": "owners.add_photo", "remove": "owners.remove_photo",
                                       "args": {"item_id": owned.id}}), status


def _refuse_on_item_page(item_id: int) -> None:
    on_refusal(lambda exc: _item_page(listing.get_owned_item(db.session, current_user, item_id), field_errors(exc),
                                      exc.status, request.form), unless=(403, 404))


@bp.route("/<int:item_id>/terms", methods=["POST"])
@login_required
def update_terms(item_id: int):
    _refuse_on_item_page(item_id)
    windows.owned_by(db.session, current_user, item_id)
    listing.update_terms(db.session, current_user, item_id, approval_mode=request.form.get("approval_mode"),
                         owner_share_percent=optional_int(request.form, "owner_share_percent"))
    flash(_("Saved."), "success")
    return redirect(url_for("owners.item", item_id=item_id))


@bp.route("/<int:item_id>/windows", methods=["POST"])
@login_required
def set_windows(item_id: int):
    _refuse_on_item_page(item_id)
    windows.owned_by(db.session, current_user, item_id)
    windows.set_windows(db.session, current_user, item_id, _window_inputs(request.form))
    flash(_("Weekly windows saved. Bookings already made are kept."), "success")
    return redirect(url_for("owners.item", item_id=item_id))


@bp.route("/<int:item_id>/exceptions", methods=["POST"])
@login_required
def add_exception(item_id: int):
    _refuse_on_item_page(item_id)
    owned = windows.owned_by(db.session, current_user, item_id)
    form = request.form
    start = parse_local(form.get("start", ""), owned.timezone, field="start")
    end = parse_local(form.get("end", ""), owned.timezone, field="end")
    result = windows.add_exception(db.session, current_user, item_id, form.get("kind", ""), start, end,
                                   form.get("note", ""), utcnow())
    if result.released:
        flash(ngettext("Saved. %(num)d booking was released; its borrower has been told.",
                       "Saved. %(num)d bookings were released; their borrowers have been told.",
                       len(result.released)), "warning")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("owners.item", item_id=item_id))


@bp.route("/<int:item_id>/exceptions/<int:exception_id>/delete", methods=["POST"])
@login_required
def remove_exception(item_id: int, exception_id: int):
    flash_on_refusal(url_for("owners.item", item_id=item_id), unless=(403, 404))
    windows.remove_exception(db.session, current_user, item_id, exception_id)
    flash(_("Removed."), "success")
    return redirect(url_for("owners.item", item_id=item_id))


def _photo_upload_form(errors: dict, status: int, item_id: int):
    """The item page again, for a body too large to read (app/uploads.py)."""
    return _item_page(listing.get_owned_item(db.session, current_user, item_id), errors, status)


@bp.route("/<int:item_id>/photos", methods=["POST"])
@login_required
@photo_form(_photo_upload_form)
def add_photo(item_id: int):
    asset_id = listing.get_owned_item(db.session, current_user, item_id).asset_id
    asset_photo_forms.add_photo_from_form(asset_id, lambda errors, status, typed: _item_page(
        listing.get_owned_item(db.session, current_user, item_id), errors, status, photo_values=typed))
    return redirect(url_for("owners.item", item_id=item_id) + "#photos")


@bp.route("/<int:item_id>/photos/<int:photo_id>/delete", methods=["POST"])
@login_required
def remove_photo(item_id: int, photo_id: int):
    asset_id = listing.get_owned_item(db.session, current_user, item_id).asset_id
    asset_photo_forms.remove_photo(asset_id, photo_id)
    return redirect(url_for("owners.item", item_id=item_id) + "#photos")


@bp.route("/bookings/<int:booking_id>/decide", methods=["POST"])
@login_required
def decide(booking_id: int):
    flash_on_refusal(url_for("owners.my_items"))
    approve = request.form.get("decision") == "approve"
    approvals.decide(db.session, current_user, booking_id, approve, utcnow(), request.form.get("reason", ""))
    flash(_("Approved: the borrower has been told.") if approve else _("Rejected: the borrower has been told."),
          "success")
    return redirect(url_for("owners.my_items"))


@bp.route("/<int:item_id>/bookings/<int:booking_id>/confirm", methods=["POST"])
@login_required
def confirm_handover(item_id: int, booking_id: int):
    """The owner (or the borrower) confirms the check-out or the check-in of a loan of this item."""
    flash_on_refusal(url_for("owners.item", item_id=item_id))
    form = request.form
    reading = optional_float(form, "meter_reading")
    if form.get("kind") == "check_in":
        handover.check_in(db.session, current_user, booking_id, utcnow(), meter_reading=reading)
    else:
        handover.check_out(db.session, current_user, booking_id, utcnow(), meter_reading=reading)
    flash(_("Confirmed."), "success")
    return redirect(url_for("owners.item", item_id=item_id))


@bp.route("/<int:item_id>/damage/<int:report_id>/dispute", methods=["POST"])
@login_required
def dispute(item_id: int, report_id: int):
    flash_on_refusal(url_for("owners.item", item_id=item_id))
    disputes.disputable(db.session, current_user, report_id)
    disputes.dispute_damage(db.session, current_user, report_id, request.form.get("reason", ""), utcnow())
    flash(_("The coordinators have the report and its photo, and will settle it."), "success")
    return redirect(url_for("owners.item", item_id=item_id))


@bp.route("/<int:item_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(item_id: int):
    owned = listing.get_owned_item(db.session, current_user, item_id)
    future = withdrawal.future_bookings(db.session, current_user, item_id, utcnow())
    if request.method == "GET":
        return render_template("owners/withdraw.html", owned=owned, future=future, errors={}, form={})
    form = request.form
    on_refusal(lambda exc: (render_template("owners/withdraw.html", owned=owned, future=future,
                                            errors=field_errors(exc), form=form), exc.status), unless=(403, 404))
    decisions = {b.id: form.get(f"decision_{b.id}", "") for b in future}
    released = withdrawal.withdraw(db.session, current_user, item_id, decisions, utcnow())
    flash(ngettext("%(item)s is withdrawn; %(num)d booking released, its borrower told.",
                   "%(item)s is withdrawn; %(num)d bookings released, their borrowers told.", len(released),
                   item=owned.asset.name), "success")
    return redirect(url_for("owners.my_items"))
