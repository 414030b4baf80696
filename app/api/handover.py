"""Handover through the API: check-out, check-in, damage reports, recurring series."""
from __future__ import annotations

import base64
import binascii
from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask import current_app, jsonify, request, url_for

from app.api.replies import posted as _posted
from app.api import bp
from app.api.costs import ledger_entry
from app.api import serialise as out
from app.api.auth import actor
from app.api.handover_schemas import DAMAGE_REQUEST, HANDOVER_REQUEST, SERIES_REQUEST
from app.api.input import json_body, page_args
from app.extensions import db
from fleet.booking import handover
from fleet.booking import recurring
from fleet.core.db import utcnow
from fleet.core.errors import NotFound, ValidationFailed


def _photo(data: dict, field: str = "photo_base64") -> bytes | None:
    text = data.get(field)
    if text is None:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("The photo is not valid base64.", field=field) from None


def _damage(data: dict) -> handover.DamageInput | None:
    damage = data.get("damage")
    if damage is None:
        return None
    return handover.DamageInput(damage["description"], bool(damage.get("unusable", False)), _photo(damage))


def damage_report(r) -> dict:
    return {"id": r.id, "asset_id": r.asset_id, "booking_id": r.booking_id, "reported_at": out.rfc3339(r.reported_at),
            "description": r.description, "unusable": r.unusable, "status": r.status.value,
            "photo_url": url_for("bookings.damage_photo", report_id=r.id) if r.photo_name else None,
            "repaired_at": out.rfc3339(r.repaired_at), "repair_cost_minor": r.repair_cost_minor,
            "currency": r.currency}


def series(s, bookings) -> dict:
    end = (datetime.combine(s.first_date, s.start_time) + timedelta(minutes=s.duration_minutes)).time()
    return {"id": s.id, "asset_id": s.asset_id, "first_date": s.first_date.isoformat(),
            "start_time": s.start_time.strftime("%H:%M"), "end_time": end.strftime("%H:%M"),
            "duration_minutes": s.duration_minutes, "interval_days": s.interval_days, "occurrences": s.occurrences,
            "timezone": s.timezone, "note": s.note, "created_at": out.rfc3339(s.created_at),
            "cancelled_at": out.rfc3339(s.cancelled_at), "bookings": [out.booking(b) for b in bookings],
            "skipped": [{"label": k["label"], "start": _z(k.get("start")), "end": _z(k.get("end")),
                         "reason": k["reason"]} for k in (s.skipped or [])]}


def _z(iso: str | None) -> str | None:
    return None if iso is None else out.rfc3339(datetime.fromisoformat(iso))


def _photo_dir() -> Path:
    return Path(current_app.config["PHOTO_DIR"])


def _handover_args(data: dict) -> dict:
    return dict(meter_reading=data.get("meter_reading"), checklist=data.get("checklist") or {},
                note=data.get("note", ""), damage=_damage(data), photo_dir=_photo_dir(),
                photo_max_bytes=current_app.config["PHOTO_MAX_BYTES"])


@bp.post("/bookings/<id:booking_id>/check-out")
def check_out_booking(booking_id: int):
    data = json_body(HANDOVER_REQUEST) if _has_body() else {}
    return _posted(200, lambda: out.booking(
        handover.check_out(db.session, actor(), booking_id, utcnow(), **_handover_args(data))))


@bp.post("/bookings/<id:booking_id>/check-in")
def check_in_booking(booking_id: int):
    data = json_body(HANDOVER_REQUEST) if _has_body() else {}

    def make() -> dict:
        result = handover.check_in(db.session, actor(), booking_id, utcnow(), **_handover_args(data))
        return {"booking": out.booking(result.booking), "returned_early": result.returned_early,
                "returned_late": result.returned_late, "flagged_booking_ids": [b.id for b in result.flagged],
                "damage_report": damage_report(result.damage) if result.damage else None,
                "charge": ledger_entry(result.charge) if result.charge else None}

    return _posted(200, make)


def _has_body() -> bool:
    return bool(request.get_data())


@bp.post("/assets/<id:asset_id>/damage")
def report_damage(asset_id: int):
    handover.asset_of_my_pools(db.session, actor(), asset_id)  # who may, before what was sent
    data = json_body(DAMAGE_REQUEST)
    report = handover.report_damage(db.session, actor(), asset_id, utcnow(), description=data["description"],
                                    unusable=bool(data.get("unusable", False)), photo=_photo(data),
                                    booking_id=data.get("booking_id"), photo_dir=_photo_dir(),
                                    photo_max_bytes=current_app.config["PHOTO_MAX_BYTES"])
    return jsonify(damage_report(report)), 201


@bp.get("/series")
def list_series():
    page, per_page = page_args()
    items, total = recurring.list_series(db.session, actor(), page, per_page)
    return out.page([series(s, recurring.series_bookings(db.session, s.id)) for s in items], page, per_page, total)


@bp.post("/series")
def create_series():
    data = json_body(SERIES_REQUEST)
    try:
        first = date.fromisoformat(data["first_date"])
    except ValueError:
        raise ValidationFailed("first_date is not a date.", field="first_date") from None
    try:
        result = recurring.create_series(
            db.session, actor(), data["asset_id"], first, time.fromisoformat(data["start_time"]),
            time.fromisoformat(data["end_time"]), data["occurrences"], utcnow(),
            interval_days=data.get("interval_days", 7), note=data.get("note", ""))
    except NotFound as exc:
        raise ValidationFailed(exc.template, field="asset_id", **exc.params) from None
    response = jsonify(series(result.series, result.booked))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_series", series_id=result.series.id)
    return response


@bp.get("/series/<id:series_id>")
def get_series(series_id: int):
    s = recurring.get_series(db.session, actor(), series_id)
    return jsonify(series(s, recurring.series_bookings(db.session, s.id)))


@bp.post("/series/<id:series_id>/cancel")
def cancel_series(series_id: int):
    recurring.cancel_series(db.session, actor(), series_id, utcnow())
    s = recurring.get_series(db.session, actor(), series_id)
    return jsonify(series(s, recurring.series_bookings(db.session, s.id)))
