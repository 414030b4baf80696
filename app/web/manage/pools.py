"""Pool administration pages: the administrator makes pools; a pool's coordinators (and the administrator) change
its name and description and who belongs to it, as member or coordinator."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.forms import checkbox, field_errors
from app.pools import coordinated_pools
from app.transaction import on_refusal
from app.web.manage import bp
from fleet.core.db import utcnow
from fleet.members import pool_admin
from fleet.reporting.costs import member_id_for_email


@bp.route("/pools", methods=["GET", "POST"])
def pools():
    form = request.form if request.method == "POST" else {"public": True}
    if request.method == "POST":
        on_refusal(lambda exc: _pools_page({**form.to_dict(), "public": checkbox(form, "public")},
                                           field_errors(exc), exc.status), unless=(403,))
        pool = pool_admin.create_pool(db.session, current_user, slug=form.get("slug", ""), name=form.get("name", ""),
                                      description=form.get("description", ""), public=checkbox(form, "public"),
                                      now=utcnow())
        flash(_("Pool %(name)s made; name its coordinators now.", name=pool.name), "success")
        return redirect(url_for("manage.pool", pool_id=pool.id))
    return _pools_page(form, {}, 200)


def _pools_page(form, errors: dict, status: int):
    return render_template("manage/pools.html", pools=coordinated_pools(), form=form, errors=errors), status


@bp.route("/pools/<int:pool_id>")
def pool(pool_id: int):
    return _pool_page(pool_id, {}, {}, 200)


def _pool_page(pool_id: int, form, errors: dict, status: int):
    pool = pool_admin.get_pool(db.session, current_user, pool_id)
    members = pool_admin.memberships(db.session, current_user, pool_id)
    return render_template("manage/pool.html", pool=pool, members=members, form=form, errors=errors), status


@bp.route("/pools/<int:pool_id>/edit", methods=["POST"])
def edit_pool(pool_id: int):
    form = request.form
    on_refusal(lambda exc: _pool_page(pool_id, form, field_errors(exc), exc.status), unless=(403, 404))
    pool_admin.update_pool(db.session, current_user, pool_id, name=form.get("name", ""),
                           description=form.get("description", ""), public=checkbox(form, "public"))
    flash(_("Pool saved."), "success")
    return redirect(url_for("manage.pool", pool_id=pool_id))


@bp.route("/pools/<int:pool_id>/members", methods=["POST"])
def add_pool_member(pool_id: int):
    form = request.form
    pool_admin.memberships(db.session, current_user, pool_id)  # who may, before what was sent
    on_refusal(lambda exc: _pool_page(pool_id, form, field_errors(exc, {"member_id": "email", "member": "email"}), exc.status),
               unless=(403, 404))
    member_id = member_id_for_email(db.session, form.get("email", ""))
    membership = pool_admin.set_membership(db.session, current_user, pool_id, member_id, form.get("role", ""))
    flash(_("%(name)s is in the pool as %(role)s.", name=membership.member.name, role=membership.role.value),
          "success")
    return redirect(url_for("manage.pool", pool_id=pool_id))


@bp.route("/pools/<int:pool_id>/members/<int:member_id>", methods=["POST"])
def set_pool_membership(pool_id: int, member_id: int):
    pool_admin.memberships(db.session, current_user, pool_id)  # who may, before what was sent
    on_refusal(lambda exc: _pool_page(pool_id, {}, field_errors(exc), exc.status), unless=(403, 404))
    membership = pool_admin.set_membership(db.session, current_user, pool_id, member_id, request.form.get("role", ""))
    flash(_("%(name)s is in the pool as %(role)s.", name=membership.member.name, role=membership.role.value),
          "success")
    return redirect(url_for("manage.pool", pool_id=pool_id))


@bp.route("/pools/<int:pool_id>/members/<int:member_id>/remove", methods=["POST"])
def remove_pool_membership(pool_id: int, member_id: int):
    on_refusal(lambda exc: _pool_page(pool_id, {}, field_errors(exc), exc.status), unless=(403, 404))
    pool_admin.remove_membership(db.session, current_user, pool_id, member_id)
    flash(_("Taken out of the pool."), "success")
    return redirect(url_for("manage.pool", pool_id=pool_id))
