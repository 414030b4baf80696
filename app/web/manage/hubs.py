"""Coordinator pages for hubs: list, create, edit, retire and bring back."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.pools import coordinated
from app.forms import field_errors, optional_float, optional_int, saved_unless_duplicate
from app.transaction import on_refusal
from app.web.manage import bp
from fleet.catalogue import hubs as hub_service
from fleet.core.errors import Conflict


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """IANA zone names for the time-zone input's suggestions."""
    names = {name for name in available_timezones() if "/" in name and not name.startswith("Etc/")}
    return tuple(sorted(names | {"UTC"}))


@bp.route("/hubs")
def hubs():
    return render_template("manage/hubs.html", hubs=hub_service.list_hubs(db.session, include_retired=True,
                                                                                 pool_ids=coordinated()))


@bp.route("/hubs/new", methods=["GET", "POST"])
def new_hub():
    return _hub_form(None)


@bp.route("/hubs/<int:hub_id>/edit", methods=["GET", "POST"])
def edit_hub(hub_id: int):
    return _hub_form(hub_service.get_coordinated_hub(db.session, current_user, hub_id))


def _hub_form(hub):
    if hub is None:
        form = {"timezone": "Europe/Amsterdam", "opening_hours": "24/7"}
    else:
        form = {"name": hub.name, "address": hub.address, "lat": hub.lat, "lon": hub.lon,
                "timezone": hub.timezone, "opening_hours": hub.opening_hours}
    if request.method == "POST":
        form = request.form
        on_refusal(lambda exc: _hub_page(hub, form, field_errors(exc), exc.status))

        def save():
            fields = dict(name=form.get("name", ""), address=form.get("address", ""),
                          lat=optional_float(form, "lat"), lon=optional_float(form, "lon"),
                          timezone=form.get("timezone", ""), opening_hours=form.get("opening_hours", ""))
            if hub is None:
                return hub_service.create_hub(db.session, current_user, pool_id=optional_int(form, "pool_id"),
                                              **fields)
            return hub_service.update_hub(db.session, current_user, hub.id, **fields)

        def duplicate():
            return Conflict("A hub named '%(name)s' exists already.", field="name", name=form.get("name", "").strip())

        saved = saved_unless_duplicate(save, duplicate)
        flash(_("Hub %(name)s saved.", name=saved.name), "success")
        return redirect(url_for("manage.hubs"))
    return _hub_page(hub, form, {}, 200)


def _hub_page(hub, form, errors: dict, status: int):
    return render_template("manage/hub_form.html", hub=hub, form=form, errors=errors, zones=zone_names()), status


@bp.route("/hubs/<int:hub_id>/retire", methods=["POST"], defaults={"retired": True})
@bp.route("/hubs/<int:hub_id>/unretire", methods=["POST"], defaults={"retired": False})
def retire_hub(hub_id: int, retired: bool):
    hub = hub_service.set_hub_retired(db.session, current_user, hub_id, retired)
    flash(_("Hub %(name)s retired: its assets can no longer be booked.", name=hub.name) if retired
          else _("Hub %(name)s is back in use.", name=hub.name), "success")
    return redirect(url_for("manage.hubs"))
