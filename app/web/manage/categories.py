"""Coordinator pages for categories and their booking rules: list, create, edit, retire and bring back."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.pools import coordinated
from app.forms import checkbox, field_errors, optional_int, required_int, saved_unless_duplicate
from app.i18n import LANGUAGES, N_
from app.transaction import on_refusal
from app.web.manage import bp
from fleet.catalogue import categories as category_service
from fleet.catalogue.capabilities import format_schema
from fleet.core.errors import Conflict
from fleet.models import CategoryKind

DEFAULTS = {"kind": "tool", "min_duration_minutes": 30, "max_duration_minutes": 7 * 1440, "min_notice_minutes": 0,
            "max_advance_days": 90, "capability_schema": "", "no_show_grace_minutes": 30, "condition_checklist": ""}


@bp.route("/categories")
def categories():
    return render_template("manage/categories.html",
                           categories=category_service.list_categories(db.session, include_retired=True,
                                                                                       pool_ids=coordinated()))


@bp.route("/categories/new", methods=["GET", "POST"])
def new_category():
    return _category_form(None)


@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
def edit_category(category_id: int):
    return _category_form(category_service.get_coordinated_category(db.session, current_user, category_id))


def _category_form(category):
    if category is None:
        form = dict(DEFAULTS)
    else:
        form = {"name": category.name, "kind": category.kind.value, "description": category.description,
                "min_duration_minutes": category.min_duration_minutes,
                "max_duration_minutes": category.max_duration_minutes,
                "min_notice_minutes": category.min_notice_minutes, "max_advance_days": category.max_advance_days,
                "approval_required": "on" if category.approval_required else "",
                "capability_schema": format_schema(category.capability_schema or {}),
                "handover_by_coordinator": "on" if category.handover_by_coordinator else "",
                "no_show_grace_minutes": "" if category.no_show_grace_minutes is None else category.no_show_grace_minutes,
                "condition_checklist": category.condition_checklist or "",
                **{f"name_{code}": text for code, text in (category.name_translations or {}).items()}}
    if request.method == "POST":
        form = request.form
        on_refusal(lambda exc: _category_page(category, form, field_errors(exc), exc.status))

        def save():
            fields = dict(
                name=form.get("name", ""), kind=form.get("kind", ""), description=form.get("description", ""),
                min_duration_minutes=required_int(form, "min_duration_minutes", N_("the minimum duration")),
                max_duration_minutes=required_int(form, "max_duration_minutes", N_("the maximum duration")),
                min_notice_minutes=required_int(form, "min_notice_minutes", N_("the minimum notice")),
                max_advance_days=required_int(form, "max_advance_days", N_("how many days ahead one may book")),
                approval_required=checkbox(form, "approval_required"),
                capability_schema=form.get("capability_schema", ""),
                handover_by_coordinator=checkbox(form, "handover_by_coordinator"),
                no_show_grace_minutes=optional_int(form, "no_show_grace_minutes"),
                condition_checklist=form.get("condition_checklist", ""),
                names={code: form.get(f"name_{code}", "") for code in LANGUAGES},
            )
            if category is None:
                return category_service.create_category(db.session, current_user,
                                                        pool_id=optional_int(form, "pool_id"), **fields)
            return category_service.update_category(db.session, current_user, category.id, **fields)

        def duplicate():
            return Conflict("A category named '%(name)s' exists already.", field="name",
                            name=form.get("name", "").strip())

        saved = saved_unless_duplicate(save, duplicate)
        flash(_("Category %(name)s saved.", name=saved.name), "success")
        return redirect(url_for("manage.categories"))
    return _category_page(category, form, {}, 200)


def _category_page(category, form, errors: dict, status: int):
    return render_template("manage/category_form.html", category=category, form=form, errors=errors,
                           kinds=[k.value for k in CategoryKind], name_languages=LANGUAGES), status


@bp.route("/categories/<int:category_id>/retire", methods=["POST"], defaults={"retired": True})
@bp.route("/categories/<int:category_id>/unretire", methods=["POST"], defaults={"retired": False})
def retire_category(category_id: int, retired: bool):
    category = category_service.set_category_retired(db.session, current_user, category_id, retired)
    flash(_("Category %(name)s retired: its assets can no longer be booked.", name=category.name) if retired
          else _("Category %(name)s is back in use.", name=category.name), "success")
    return redirect(url_for("manage.categories"))
