"""Coordinator pages for lending agreements between pools: the list (with accept and end), and the offer form
(the lending pool, the borrowing pool, the categories lent, approval and limits per borrowing member)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.forms import field_errors, optional_int
from app.transaction import flash_on_refusal, on_refusal
from app.web.manage import bp
from fleet.booking import lending_agreements as agreements
from fleet.catalogue.categories import list_categories
from fleet.core.db import utcnow
from fleet.members.pools import coordinated_pool_ids, pools_of

LIMITS = ("max_at_once", "max_hours_per_week", "max_bookings_per_week")


@bp.route("/agreements")
def agreements_list():
    mine = coordinated_pool_ids(db.session, current_user)
    return render_template("manage/agreements.html", agreements=agreements.list_agreements(db.session, current_user),
                           mine=mine)


@bp.route("/agreements/new", methods=["GET", "POST"])
def new_agreement():
    form = request.form if request.method == "POST" else {}
    if request.method == "POST":
        on_refusal(lambda exc: _offer_page(form, field_errors(exc), exc.status), unless=())
        agreement = agreements.offer_agreement(
            db.session, current_user, lender_pool_id=optional_int(form, "lender_pool_id"),
            borrower_pool_id=optional_int(form, "borrower_pool_id"),
            category_ids=[_whole(v) for v in form.getlist("category_ids")],
            requires_approval=form.get("requires_approval") == "on", now=utcnow(),
            **{name: optional_int(form, name) for name in LIMITS})
        flash(_("Offered to %(pool)s: it lends nothing until its coordinators accept.", pool=agreement.borrower.name),
              "success")
        return redirect(url_for("manage.agreements_list"))
    return _offer_page(form, {}, 200)


def _whole(text: str) -> int | None:
    """A ticked category's id; anything else is refused by the service as a category it does not know."""
    return int(text) if text.isdigit() and len(text) < 10 else None


def _offer_page(form, errors: dict, status: int):
    mine = coordinated_pool_ids(db.session, current_user)
    chosen = set(form.getlist("category_ids")) if hasattr(form, "getlist") else set()
    return render_template("manage/agreement_form.html", form=form, errors=errors, chosen=chosen,
                           lenders=pools_of(db.session, mine), pools=agreements.offerable_pools(db.session, current_user),
                           categories=list_categories(db.session, pool_ids=mine)), status


@bp.route("/agreements/<int:agreement_id>/accept", methods=["POST"])
def accept_agreement(agreement_id: int):
    flash_on_refusal(url_for("manage.agreements_list"))
    agreement = agreements.accept_agreement(db.session, current_user, agreement_id, utcnow())
    flash(_("Accepted: your members can book what %(pool)s lends.", pool=agreement.lender.name), "success")
    return redirect(url_for("manage.agreements_list"))


@bp.route("/agreements/<int:agreement_id>/end", methods=["POST"])
def end_agreement(agreement_id: int):
    flash_on_refusal(url_for("manage.agreements_list"))
    agreements.end_agreement(db.session, current_user, agreement_id, utcnow())
    flash(_("The agreement has ended: no new bookings through it."), "success")
    return redirect(url_for("manage.agreements_list"))
