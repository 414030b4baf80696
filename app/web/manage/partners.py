"""Coordinator page for federation partners: this installation's own key (to give to a partner), the partners
with their fetch state, registering one (its key pasted from its well-known document) and revoking one."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.federation_calls import installation_name, timeout
from app.extensions import db
from app.forms import field_errors
from app.transaction import flash_on_refusal, on_refusal
from app.urls import external_root
from app.web.manage import bp
from fleet.core.db import utcnow
from fleet.federation import partners as partner_service
from fleet.members.permissions import require_admin


def _page(form, errors: dict, status: int):
    own = partner_service.well_known(db.session, installation_name(), external_root(), utcnow())
    return render_template("manage/partners.html", partners=partner_service.list_partners(db.session, current_user),
                           own=own, form=form, errors=errors,
                           well_known_path=partner_service.WELL_KNOWN_PATH), status


@bp.route("/partners", methods=["GET", "POST"])
def partners():
    if request.method == "GET":
        return _page({}, {}, 200)
    form = request.form
    on_refusal(lambda exc: _page(form, field_errors(exc), exc.status))
    if "read" in form:  # fill the form from the partner's well-known document, for the coordinator to check
        found = partner_service.read_well_known(form.get("base_url", ""), timeout())
        return _page({"name": found.name, "base_url": found.base_url, "key_id": found.key_id,
                      "public_key": found.public_key}, {}, 200)
    partner = partner_service.register_partner(db.session, current_user, partner_service.PartnerInput(
        form.get("name", ""), form.get("base_url", ""), form.get("key_id", ""), form.get("public_key", "")), utcnow())
    flash(_("Partner %(name)s registered: its items appear in the search after the next fetch.", name=partner.name),
          "success")
    return redirect(url_for("manage.partners"))


@bp.route("/partners/<int:partner_id>/revoke", methods=["POST"])
def revoke_partner(partner_id: int):
    require_admin(current_user)  # before the flash: a coordinator is refused with 403, not sent back to the list
    flash_on_refusal(url_for("manage.partners"))
    partner = partner_service.revoke_partner(db.session, current_user, partner_id, utcnow())
    flash(_("The agreement with %(name)s is revoked.", name=partner.name), "success")
    return redirect(url_for("manage.partners"))
