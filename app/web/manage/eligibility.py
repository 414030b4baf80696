"""Coordinator pages for who may book what: qualifications and how to get them, each category's required
qualifications and fair-use limits, grants to members (with an expiry) and their revocation, and the approval of
new accounts."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.pools import coordinated
from fleet.members.pools import members_of_pools
from app.forms import checkbox, field_errors, optional_int
from app.transaction import flash_on_refusal, on_refusal
from app.web.manage import bp
from fleet.booking import eligibility_rules as rules
from fleet.catalogue import categories as category_service
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed
from fleet.members import account_approval


def _date(form, name: str) -> date | None:
    text = (form.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("'%(text)s' is not a date (YYYY-MM-DD).", field=name, text=text[:40]) from None


GRANTS_PER_PAGE = 50


def _grant_filter(values) -> dict:
    """The grants list's search text, qualification and page from the query string; bad values are ignored."""
    def whole(name: str) -> int | None:
        try:
            return optional_int(values, name)
        except ValidationFailed:
            return None

    return {"q": (values.get("q") or "").strip()[:254], "qualification": whole("qualification"),
            "page": max(1, whole("page") or 1)}


def _page(errors: dict | None = None, form=None, status: int = 200):
    members = members_of_pools(db.session, coordinated())
    wanted = _grant_filter(request.args)
    grants = rules.list_grants(db.session, current_user, search=wanted["q"], qualification_id=wanted["qualification"])
    pages = max(1, -(-len(grants) // GRANTS_PER_PAGE))
    page = min(wanted["page"], pages)
    return render_template(
        "manage/eligibility.html", errors=errors or {}, form=form or {},
        approval_required=account_approval.approval_required(db.session),
        waiting=account_approval.accounts_waiting(db.session, current_user),
        qualifications=rules.list_qualifications(db.session, coordinated()),
        category_rules=rules.all_category_rules(db.session, coordinated()),
        grants=grants[(page - 1) * GRANTS_PER_PAGE: page * GRANTS_PER_PAGE], grants_total=len(grants),
        grant_filter={**wanted, "page": page, "pages": pages}, members=members, today=utcnow().date()), status


@bp.route("/eligibility")
def eligibility():
    return _page()


@bp.route("/eligibility/approval", methods=["POST"])
def set_account_approval():
    settings = account_approval.set_approval_required(db.session, current_user, checkbox(request.form, "required"),
                                                      utcnow())
    flash(_("New accounts now wait for a coordinator's approval before their first booking.")
          if settings.approve_new_accounts else _("New accounts can book at once."), "success")
    return redirect(url_for("manage.eligibility"))


@bp.route("/members/<int:member_id>/approve", methods=["POST"])
def approve_account(member_id: int):
    back = request.form.get("back") == "members"
    target = url_for("manage.members") if back else url_for("manage.eligibility")
    flash_on_refusal(target)
    member = account_approval.approve_account(db.session, current_user, member_id, utcnow())
    flash(_("%(name)s's account is approved: they can book now.", name=member.name), "success")
    return redirect(target)


@bp.route("/eligibility/qualifications", methods=["POST"])
def create_qualification():
    form = request.form
    on_refusal(lambda exc: _page(field_errors(exc, {"name": "q_name", "how_to_get": "q_how"}), form, exc.status))
    qualification = rules.create_qualification(db.session, current_user, form.get("q_name", ""),
                                               form.get("q_how", ""), utcnow())
    flash(_("Qualification %(name)s added.", name=qualification.name), "success")
    return redirect(url_for("manage.eligibility"))


@bp.route("/eligibility/qualifications/<int:qualification_id>", methods=["GET", "POST"])
def edit_qualification(qualification_id: int):
    qualification = rules.get_coordinated_qualification(db.session, current_user, qualification_id)
    form = {"name": qualification.name, "how_to_get": qualification.how_to_get}
    if request.method == "POST":
        form = request.form
        on_refusal(lambda exc: (render_template("manage/qualification_form.html", qualification=qualification,
                                                form=form, errors=field_errors(exc)), exc.status))
        rules.update_qualification(db.session, current_user, qualification.id, form.get("name", ""),
                                   form.get("how_to_get", ""))
        flash(_("Qualification %(name)s saved.", name=qualification.name), "success")
        return redirect(url_for("manage.eligibility"))
    return render_template("manage/qualification_form.html", qualification=qualification, form=form, errors={})


@bp.route("/eligibility/categories/<int:category_id>", methods=["GET", "POST"])
def category_eligibility(category_id: int):
    category = category_service.get_coordinated_category(db.session, current_user, category_id)
    current = rules.category_rules(db.session, category)
    form = {"qualification_ids": [str(q.id) for q in current.qualifications],
            "max_at_once": current.max_at_once or "", "max_hours_per_week": current.max_hours_per_week or "",
            "max_bookings_per_week": current.max_bookings_per_week or ""}
    if request.method == "POST":
        form = {**request.form.to_dict(), "qualification_ids": request.form.getlist("qualification_ids")}
        on_refusal(lambda exc: _category_page(category, form, field_errors(exc), exc.status))
        ids = []
        for text in form["qualification_ids"]:
            try:
                ids.append(int(text))
            except ValueError:
                raise ValidationFailed("No such qualification.", field="qualification_ids") from None
        rules.set_category_rules(db.session, current_user, category.id, ids,
                                 optional_int(request.form, "max_at_once"),
                                 optional_int(request.form, "max_hours_per_week"),
                                 optional_int(request.form, "max_bookings_per_week"))
        flash(_("Who may book %(category)s saved.", category=category.name), "success")
        return redirect(url_for("manage.eligibility"))
    return _category_page(category, form, {}, 200)


def _category_page(category, form, errors: dict, status: int):
    return render_template("manage/category_eligibility.html", category=category, form=form, errors=errors,
                           qualifications=rules.list_qualifications(db.session, coordinated())), status


@bp.route("/eligibility/grants", methods=["POST"])
def grant_qualification():
    form = request.form
    on_refusal(lambda exc: _page(field_errors(exc), form, 422 if exc.status == 404 else exc.status), unless=())
    grant = rules.grant_qualification(db.session, current_user, optional_int(form, "member_id") or 0,
                                      optional_int(form, "qualification_id") or 0, _date(form, "expires_on"),
                                      utcnow())
    flash(_("%(member)s now holds %(qualification)s.", member=grant.member.name,
            qualification=grant.qualification.name), "success")
    return redirect(url_for("manage.eligibility"))


@bp.route("/eligibility/grants/<int:grant_id>/revoke", methods=["POST"])
def revoke_grant(grant_id: int):
    flash_on_refusal(url_for("manage.eligibility"))
    grant = rules.revoke_grant(db.session, current_user, grant_id, utcnow())
    flash(_("%(qualification)s revoked for %(member)s.", qualification=grant.qualification.name,
            member=grant.member.name), "success")
    return redirect(url_for("manage.eligibility"))

