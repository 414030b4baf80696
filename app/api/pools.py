"""Pools through the API: list (a member's own pools), make one (the administrator), read, change (its
coordinators), and who belongs to it. POST accepts an Idempotency-Key."""
from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api.auth import actor
from app.api.input import json_body
from app.api.pools_schemas import MEMBERSHIP_REQUEST, POOL_CREATE, POOL_UPDATE
from app.api.replies import paged, posted
from app.extensions import db
from fleet.core.db import utcnow
from fleet.members import pool_admin
from fleet.models import Pool, PoolMembership


def pool_body(pool: Pool) -> dict:
    me = actor()
    role = "admin" if me.is_admin else next((m.role.value for m in me.pool_memberships if m.pool_id == pool.id), None)
    return {"id": pool.id, "slug": pool.slug, "name": pool.name, "description": pool.description,
            "public": pool.public, "my_role": role}


def membership_body(m: PoolMembership) -> dict:
    return {"pool_id": m.pool_id, "member_id": m.member_id, "name": m.member.name, "email": m.member.email,
            "role": m.role.value}


@bp.get("/pools")
def list_pools():
    return paged(pool_admin.list_pools(db.session, actor()), pool_body)


@bp.post("/pools")
def create_pool():
    data = json_body(POOL_CREATE)
    return posted(201, lambda: pool_body(pool_admin.create_pool(
        db.session, actor(), slug=data["slug"], name=data["name"], description=data.get("description", ""),
        public=data.get("public", True), now=utcnow())))


@bp.get("/pools/<id:pool_id>")
def get_pool(pool_id: int):
    return jsonify(pool_body(pool_admin.get_pool(db.session, actor(), pool_id)))


@bp.patch("/pools/<id:pool_id>")
def update_pool(pool_id: int):
    pool_admin.get_pool(db.session, actor(), pool_id)  # who may, before what was sent
    data = json_body(POOL_UPDATE)
    return jsonify(pool_body(pool_admin.update_pool(db.session, actor(), pool_id, **data)))


@bp.get("/pools/<id:pool_id>/members")
def list_pool_members(pool_id: int):
    return paged(pool_admin.memberships(db.session, actor(), pool_id), membership_body)


@bp.put("/pools/<id:pool_id>/members/<id:member_id>")
def set_pool_membership(pool_id: int, member_id: int):
    pool_admin.memberships(db.session, actor(), pool_id)  # who may, before what was sent
    data = json_body(MEMBERSHIP_REQUEST)
    return jsonify(membership_body(pool_admin.set_membership(db.session, actor(), pool_id, member_id,
                                                             data["role"])))


@bp.delete("/pools/<id:pool_id>/members/<id:member_id>")
def remove_pool_membership(pool_id: int, member_id: int):
    pool_admin.remove_membership(db.session, actor(), pool_id, member_id)
    return "", 204
