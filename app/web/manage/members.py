"""Coordinator pages for members: search, change role, deactivate (after confirming what happens to their
bookings) and reactivate; admins add members."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.extensions import db
from app.auth import site_names
from app.forms import field_errors, optional_int
from app.i18n import translate_message
from app.transaction import on_refusal
from app.web.manage import bp
from fleet.allocation.member_deactivation import deactivate_member, deactivation_plan
from fleet.members import accounts
from fleet.booking.jobs import NO_SHOW_WINDOW_DAYS, no_show_counts
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed
from fleet.models import Role

PER_PAGE = 50


def _list_args(values) -> tuple[str, int]:
    """Search text and page number from the query string or a row form's hidden fields."""
    try:
        page = optional_int(values, "page") or 1
    except ValidationFailed:
        page = 1
    return (values.get("q") or "").strip(), page


def _render(q: str, page: int, errors: dict, status: int = 200):
    listing = accounts.list_members(db.session, current_user, q, page, PER_PAGE)
    no_shows = no_show_counts(db.session, utcnow(), member_ids=[m.id for m in listing.members])
    return render_template("manage/members.html", listing=listing, q=q, errors=errors, no_shows=no_shows,
                           no_show_days=NO_SHOW_WINDOW_DAYS, roles=[r.value for r in Role]), status


def _list_on_refusal(q: str, page: int) -> None:
    """A refused change shows the list again, with why above it."""
    on_refusal(lambda exc: _render(q, page, {"_form": translate_message(exc)}, exc.status))


def _back(q: str, page: int):
    return redirect(url_for("manage.members", q=q or None, page=page if page > 1 else None))


@bp.route("/members")
def members():
    q, page = _list_args(request.args)
    return _render(q, page, {})


@bp.route("/members/<int:member_id>/role", methods=["POST"])
def change_role(member_id: int):
    accounts.get_coordinated_member(db.session, current_user, member_id)  # who may, before what was sent
    q, page = _list_args(request.form)
    _list_on_refusal(q, page)
    try:
        role = Role(request.form.get("role", ""))
    except ValueError:
        raise ValidationFailed("Role must be member, coordinator or admin.", field="role") from None
    member = accounts.set_role(db.session, current_user, member_id, role)
    flash(_("%(name)s is now %(role)s.", name=member.name, role=member.role.value), "success")
    return _back(q, page)


@bp.route("/members/<int:member_id>/deactivate", methods=["GET"])
def confirm_deactivation(member_id: int):
    """Asks to confirm, saying what happens to the member's bookings (a page: it works without JavaScript)."""
    q, page = _list_args(request.args)
    plan = deactivation_plan(db.session, current_user, member_id, utcnow())
    return render_template("manage/member_deactivate.html", plan=plan, member=plan.member, q=q, page=page)


@bp.route("/members/<int:member_id>/deactivate", methods=["POST"], defaults={"active": False})
@bp.route("/members/<int:member_id>/reactivate", methods=["POST"], defaults={"active": True})
def set_member_active(member_id: int, active: bool):
    q, page = _list_args(request.form)
    now = utcnow()
    _list_on_refusal(q, page)
    if active:
        member = accounts.set_active(db.session, current_user, member_id, True)
        flash(_("%(name)s can log in again.", name=member.name), "success")
        return _back(q, page)
    plan = deactivate_member(db.session, current_user, member_id, now)
    flash(_("%(name)s is deactivated and logged out everywhere.", name=plan.member.name) + " "
          + ngettext("%(num)s future booking was cancelled and the member told.",
                     "%(num)s future bookings were cancelled and the member told.", len(plan.cancelled_bookings)),
          "success")
    return _back(q, page)


@bp.route("/members/new", methods=["GET", "POST"])
def add_member():
    """A coordinator adds an account (an admin only can add an admin); the password policy of sign-up holds
    (fleet.members.passwords)."""
    form = {"email": "", "name": "", "role": Role.member.value}
    if request.method == "POST":
        form = {key: request.form.get(key, "") for key in form}
        on_refusal(lambda exc: (render_template("manage/member_new.html", form=form, errors=field_errors(exc),
                                                roles=_roles()), exc.status), unless=())
        try:
            role = Role(form["role"])
        except ValueError:
            raise ValidationFailed("Role must be member, coordinator or admin.", field="role") from None
        if request.form.get("password", "") != request.form.get("password_again", ""):
            raise ValidationFailed("The two passwords differ.", field="password_again")
        member = accounts.add_member(db.session, current_user, form["email"], form["name"],
                                     request.form.get("password", ""), utcnow(), role=role, site_names=site_names(),
                                     pool_id=optional_int(request.form, "pool_id"))
        flash(_("%(name)s can now log in as %(email)s.", name=member.name, email=member.email), "success")
        return redirect(url_for("manage.members", q=member.email))
    return render_template("manage/member_new.html", form=form, errors={}, roles=_roles())


def _roles() -> list[str]:
    return [r.value for r in Role if r != Role.admin or current_user.is_admin]
