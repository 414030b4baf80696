"""GET /healthz: the process answers and the database runs `SELECT 1`. For load balancers and operators;
it says nothing about the pool and needs no login."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1")).scalar_one()
    response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response
