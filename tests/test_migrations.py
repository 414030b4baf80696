"""Migrations build the schema from an empty database, go back to base and up again, and match the models."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text, inspect

pytestmark = pytest.mark.db


@pytest.fixture
def scratch_app(database_url, tmp_path):
    """A second, empty database on the same server as the test database."""
    import uuid

    from app import create_app

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        yield create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
        return
    import psycopg

    from tests.helpers import postgres_admin_url

    name = f"commonpool_mig_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    application = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url.rsplit("/", 1)[0] + "/" + name})
    yield application
    from app.extensions import db

    with application.app_context():
        db.engine.dispose()
    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# SQLite cannot reflect the expression index PostgreSQL alone has (ix_booking_holding_range): nothing to compare.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_upgrade_downgrade_upgrade(scratch_app):
    from flask_migrate import downgrade, upgrade

    from app.extensions import db
    from fleet.models import metadata

    with scratch_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"member", "hub", "category", "asset", "booking", "maintenance_window"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        if db.engine.dialect.name == "postgresql":
            constraints = {c["name"] for c in _exclusion_constraints(db.engine)}
            assert "booking_no_overlap" in constraints
            # compare_metadata skips expression indexes: the range index as the model declares it (migration 0032)
            with db.engine.connect() as conn:
                definition = conn.execute(text("SELECT pg_get_indexdef('ix_booking_holding_range'::regclass)")).scalar()
            assert "USING gist (tstzrange(start_at, end_at, '[)'::text))" in definition
            assert "INCLUDE (asset_id, start_at, end_at)" in definition
            assert "WHERE ((status)::text = ANY" in definition


def _exclusion_constraints(engine):
    from sqlalchemy import text

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT conname FROM pg_constraint WHERE contype = 'x'")).all()
    return [{"name": r[0]} for r in rows]


def test_upgrade_keeps_existing_rows(scratch_app):
    """Batch migrations on SQLite rebuild tables; rows (and the rows pointing at them) must survive."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.extensions import db

    with scratch_app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO hub (id, name, address, lat, lon, timezone, opening_hours, retired) "
                              "VALUES (1, 'H', '', 52, 5, 'UTC', '24/7', false)"))
            conn.execute(text("INSERT INTO category (id, name, kind, description, min_duration_minutes, "
                              "max_duration_minutes, min_notice_minutes, max_advance_days, approval_required, "
                              "capability_schema, retired) VALUES (1, 'C', 'tool', '', 30, 600, 0, 90, false, '{}', false)"))
            conn.execute(text("INSERT INTO asset (id, name, description, category_id, hub_id, capabilities, status, "
                              "design_url, design_licence, currency, created_at) VALUES "
                              "(1, 'A', '', 1, 1, '{}', 'active', '', '', 'EUR', '2026-01-01 00:00:00+00')"))
            conn.execute(text("INSERT INTO member (id, email, name, password_hash, role, active, session_token, "
                              "created_at) VALUES (1, 'a@b.org', 'A', 'x', 'member', true, 't', '2026-01-01 00:00:00+00')"))
            conn.execute(text("INSERT INTO booking (id, asset_id, member_id, start_at, end_at, status, note, "
                              "created_at, decision_reason) VALUES (1, 1, 1, '2026-02-01 10:00:00+00', "
                              "'2026-02-01 12:00:00+00', 'confirmed', 'keep me', '2026-01-01 00:00:00+00', '')"))
        upgrade()
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT note, attention FROM booking WHERE id = 1")).one()
        assert row == ("keep me", "")


def test_planning_runs_made_before_0010_are_finished(scratch_app):
    """Plans were computed in the request before 0010: their rows become finished runs with their report; a
    downgrade keeps them and drops only runs that never finished (the old shape requires a report)."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from app.extensions import db
    from fleet.models import PlanningRun, PlanningStatus

    with scratch_app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO planning_run (id, created_at, period_start, period_end, "
                              "time_limit_seconds, wall_seconds, requests_count, assets_count, instance_json, "
                              "result_json) VALUES (1, '2026-03-01 10:00:00+00', '2026-02-01 10:00:00+00', "
                              "'2026-03-01 10:00:00+00', 30, 2.5, 4, 3, '{\"version\": 1}', '{\"categories\": []}')"))
        upgrade()
        run = db.session.get(PlanningRun, 1)
        assert run.status == PlanningStatus.finished and run.progress == "Finished" and run.error == ""
        assert run.finished_at == run.created_at and run.result_json == '{"categories": []}'
        db.session.add(PlanningRun(id=2, period_start=run.period_start, period_end=run.period_end,
                                   time_limit_seconds=30.0, pool_id=1))
        db.session.commit()
        assert db.session.get(PlanningRun, 2).status == PlanningStatus.queued
        db.session.remove()
        downgrade(revision="0009")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT id, result_json FROM planning_run")).all() == [(1, '{"categories": []}')]
        upgrade()


POOLED = ("hub", "category", "qualification", "governance_rules", "proposal", "optimiser_run", "planning_run",
          "ledger_entry")


def _populate_0021(conn) -> None:
    """One row of every table that gets a pool, two members (one a coordinator), at revision 0021."""
    from sqlalchemy import text

    ts = "'2026-01-01 00:00:00+00'"
    for statement in (
        "INSERT INTO hub (id, name, address, lat, lon, timezone, opening_hours, retired) "
        "VALUES (1, 'H', '', 52, 5, 'UTC', '24/7', false)",
        "INSERT INTO category (id, name, kind, description, min_duration_minutes, max_duration_minutes, "
        "min_notice_minutes, max_advance_days, approval_required, capability_schema, retired, "
        "handover_by_coordinator, condition_checklist) VALUES (1, 'C', 'tool', '', 30, 600, 0, 90, false, '{}', "
        "false, false, '')",
        "INSERT INTO member (id, email, name, password_hash, role, active, session_token, created_at) VALUES "
        f"(1, 'a@b.org', 'A', 'x', 'member', true, 't1', {ts}), "
        f"(2, 'c@b.org', 'C', 'x', 'coordinator', true, 't2', {ts}), "
        f"(3, 'd@b.org', 'D', 'x', 'admin', true, 't3', {ts})",
        f"INSERT INTO qualification (id, name, how_to_get, created_at) VALUES (1, 'Q', '', {ts})",
        "INSERT INTO governance_rules (id, method, quorum_percent, electorate, public_votes, period_days, "
        f"updated_at) VALUES (1, 'majority', 25, 'all', false, 7, {ts})",
        "INSERT INTO proposal (id, kind, title, body, status, author_id, method, quorum_percent, electorate, "
        f"public_votes, eligible_count, opened_at, closes_at, created_at) VALUES (1, 'free_text', 'T', '', 'open', 1, "
        f"'majority', 25, 'all', false, 2, {ts}, '2026-01-08 00:00:00+00', {ts})",
        "INSERT INTO optimiser_run (id, created_at, horizon_start, horizon_end, method, time_limit_seconds, "
        "status, progress, requests_count, assets_count, bookings_count, solver_status, served, served_hours, "
        "weighted_hours, distance_km, fcfs_served, fcfs_served_hours, fcfs_weighted_hours, fcfs_distance_km, "
        f"wall_seconds, applied_count, skipped_count, error) VALUES (1, {ts}, {ts}, {ts}, 'greedy', 1, "
        "'failed', '', 0, 0, 0, '', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '')",
        "INSERT INTO planning_run (id, created_at, status, progress, error, period_start, period_end, "
        f"time_limit_seconds, wall_seconds, requests_count, assets_count) VALUES (1, {ts}, 'failed', '', '', "
        f"{ts}, {ts}, 1, 0, 0, 0)",
        "INSERT INTO ledger_entry (id, member_id, kind, amount_minor, currency, entry_date, note, created_at, "
        f"computation) VALUES (1, 1, 'fee', 100, 'EUR', '2026-01-01', '', {ts}, '')",
    ):
        conn.execute(text(statement))


def test_pools_migration_puts_every_row_in_the_default_pool(scratch_app):
    """0026 on a populated 0021 database: one default pool holds every row, every member belongs to it (the
    coordinator as its coordinator); the downgrade keeps every row."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from app.extensions import db

    with scratch_app.app_context():
        upgrade(revision="0021")
        with db.engine.begin() as conn:
            _populate_0021(conn)
        upgrade(revision="0026")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT id, slug FROM pool")).all() == [(1, "default")]
            for table in POOLED:
                assert conn.execute(text(f"SELECT pool_id FROM {table}")).scalars().all() == [1], table
            memberships = conn.execute(text("SELECT member_id, pool_id, role FROM pool_membership "
                                            "ORDER BY member_id")).all()
            assert memberships == [(1, 1, "member"), (2, 1, "coordinator"), (3, 1, "member")]
            assert conn.execute(text("SELECT role FROM member WHERE id = 2")).scalar() == "coordinator"
        from fleet.members.pools import coordinated_pool_ids, member_pool_ids
        from fleet.models import Member, Pool

        coordinator, member = db.session.get(Member, 2), db.session.get(Member, 1)
        assert coordinator.is_coordinator and not member.is_coordinator
        assert coordinated_pool_ids(db.session, coordinator) == {1} == member_pool_ids(db.session, member)
        assert coordinated_pool_ids(db.session, member) == set()
        db.session.add(Pool(slug="second", name="Second"))  # the id sequence moved past the inserted pool
        db.session.commit()
        db.session.remove()
        downgrade(revision="0021")
        with db.engine.connect() as conn:
            for table in POOLED:
                assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() == 1, table
        assert "pool" not in inspect(db.engine).get_table_names()
        upgrade()
