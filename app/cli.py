"""Operator commands: `flask demo load`, `flask member add`, `flask schedule run`, `flask rq worker` and the
periodic booking jobs `flask bookings ...`. (`flask db ...` comes from Flask-Migrate.)"""
from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import text

from app.extensions import db
from fleet.booking import jobs as booking_jobs
from fleet.core.db import utcnow
from fleet.core.errors import DomainError
from fleet.models import Role

demo_cli = AppGroup("demo", help="The demo community.")
member_cli = AppGroup("member", help="Member accounts.")
schedule_cli = AppGroup("schedule", help="The optimiser over open flexible requests.")
rq_cli = AppGroup("rq", help="Background jobs (needs REDIS_URL).")
bookings_cli = AppGroup("bookings")
federation_cli = AppGroup("federation", help="Federation with partner installations.")


@demo_cli.command("load")
@click.option("--seed", default=2026, show_default=True, help="Same seed, same community.")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 100),
              help="N times the demo (hubs, assets, members) with a year of bookings (fleet/demo_scale.py).")
@click.option("--pools", default=1, show_default=True, type=click.IntRange(1, 3),
              help="A network of pools: the village tool library, a farm-machinery co-op, a cargo-bike pool.")
def demo_load(seed: int, scale: int, pools: int) -> None:
    """Fill an empty database with the demo community (does nothing when it is already there)."""
    from fleet.demo_pools import load_demo_pools
    from fleet.demo_scale import load_scaled_demo

    if pools > 1 and scale > 1:
        raise click.ClickException("Give --pools or --scale, not both.")
    if pools > 1:
        result = load_demo_pools(db.session, utcnow(), pools=pools, seed=seed)
        scaled = None
    else:
        scaled = load_scaled_demo(db.session, utcnow(), scale=scale, seed=seed)
        result = scaled.demo
    db.session.commit()
    if result.created and db.engine.dialect.name == "postgresql":
        # What autovacuum would do at its next round (or never, where it is off), now: statistics for the planner
        # (without them it guesses one row per table, and at --scale 10 the search's statement took 3.8 ms instead
        # of 1.4) and the visibility map, without which no index answers alone (ix_booking_holding_range).
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("VACUUM ANALYZE"))
    if result.created and scaled is not None and scale > 1:
        click.echo(f"Scaled x{scale}: {scaled.hubs} more hubs, {scaled.assets} more assets, {scaled.members} more "
                   f"members, {scaled.bookings} more bookings")
    if result.created:
        counts = {k: v for k, v in vars(result).items() if isinstance(v, int) and not isinstance(v, bool)}
        click.echo("Demo community loaded: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()))
    else:
        click.echo(f"Demo community not loaded: {result.reason or 'already present'}. Nothing changed.")
    click.echo("Demo logins:")
    for role, email, password in result.logins:
        click.echo(f"  {role:<12} {email:<36} password: {password}")


@member_cli.command("add")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default="member", show_default=True)
def member_add(email: str, name: str, role: str) -> None:
    """Create a member; the password comes from COMMONPOOL_PASSWORD or a prompt."""
    from app.auth import site_names
    from fleet.members.accounts import create_member

    password = os.environ.get("COMMONPOOL_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    try:
        member = create_member(db.session, email, name, password, utcnow(), role=Role(role), site_names=site_names())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"Created {member.role.value} {member.email} (id {member.id}).")


def _pool_id(slug: str | None) -> int | None:
    """The pool with this short name, for a command that acts in one pool (None: let the service choose)."""
    if slug is None:
        return None
    from sqlalchemy import select

    from fleet.models import Pool

    pool_id = db.session.scalar(select(Pool.id).where(Pool.slug == slug.strip().lower()))
    if pool_id is None:
        raise click.ClickException(f"No pool named {slug!r}.")
    return pool_id


@schedule_cli.command("run")
@click.option("--horizon-days", type=click.IntRange(1, 90), default=14, show_default=True)
@click.option("--time-limit", type=click.FloatRange(1, 600), default=30.0, show_default=True)
@click.option("--method", type=click.Choice(["cpsat", "greedy"]), default="cpsat", show_default=True)
@click.option("--apply/--preview", "apply_it", default=False, help="Book the assignments, or only show them.")
@click.option("--as", "actor_email", default=None, help="Coordinator recorded as starting the run.")
@click.option("--pool", "pool_slug", default=None, help="The pool to plan (its short name); needed when there are several.")
def schedule_run(horizon_days: int, time_limit: float, method: str, apply_it: bool, actor_email: str | None,
                 pool_slug: str | None) -> None:
    """Solve every waitlisted request in the horizon; print the figures against first come, first served."""
    from sqlalchemy import select

    from app.jobs import computing_inline
    from fleet.models import Member
    from fleet.allocation.optimiser_runs import apply_run, create_run, execute_run

    stmt = select(Member).where(Member.role.in_([Role.coordinator, Role.admin]), Member.active.is_(True))
    if actor_email:
        stmt = stmt.where(Member.email == actor_email.strip().lower())
    actor = db.session.scalars(stmt.order_by(Member.id)).first()
    if actor is None:
        raise click.ClickException("No active coordinator to record as running it; create one with `flask member add`.")
    try:
        pool_id = _pool_id(pool_slug)
        run = create_run(db.session, actor, horizon_days, utcnow(), time_limit=time_limit, method=method,
                         pool_id=pool_id)
        db.session.commit()
        computing_inline("optimiser", run.id, time_limit + 600)  # no RQ job: not a lost one either
        execute_run(db.session, run.id, utcnow(), progress=lambda message: (db.session.commit(), click.echo(message)))
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"run {run.id}: {run.solver_status}; served {run.served}/{run.requests_count} requests, "
               f"{run.served_hours:.1f} h (first come, first served: {run.fcfs_served}, {run.fcfs_served_hours:.1f} h); "
               f"weighted {run.weighted_hours:.1f} h of at most {run.bound_weighted_hours or 0:.1f}; "
               f"{run.distance_km:.1f} km; {run.wall_seconds:.1f} s")
    if apply_it:
        apply_run(db.session, actor, run.id, utcnow())
        db.session.commit()
        click.echo(run.progress)


@rq_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def rq_worker(burst: bool) -> None:
    """Run the background jobs from Redis (optimiser runs, fleet plans, mail), reconnecting after a Redis outage
    with a growing wait (1 s, 2 s, 4 s ... up to RQ_WORKER_MAX_BACKOFF_SECONDS). When a worker starts, and then
    every RUN_REAPER_INTERVAL_SECONDS, it records as failed the runs whose jobs died. Run it under a supervisor
    that restarts it if it dies (deploy/commonpool-worker.service). Plain `rq worker commonpool --url $REDIS_URL
    --worker-class app.workers.Worker` runs the same jobs without the reconnect loop."""
    from app.job_queue import QUEUE_NAME, redis_connection
    from app.workers import work_until_stopped

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to use a worker.")
    config = current_app.config
    work_until_stopped(redis_connection, [QUEUE_NAME], burst=burst,
                       max_backoff=float(config.get("RQ_WORKER_MAX_BACKOFF_SECONDS", 30)),
                       maintenance_interval=int(config.get("RUN_REAPER_INTERVAL_SECONDS", 60)))


# --- the periodic booking jobs: `flask bookings ...` ------------------------------------------------------------

@bookings_cli.command("release-no-shows")
def release_no_shows_command() -> None:
    """Release confirmed bookings not checked out within their category's grace period."""
    released = booking_jobs.release_no_shows(db.session, utcnow())
    db.session.commit()
    click.echo(f"{len(released)} no-show{'s' if len(released) != 1 else ''} released.")


@bookings_cli.command("send-reminders")
def send_reminders_command() -> None:
    """Remind members of bookings starting within 24 hours (once each)."""
    due = booking_jobs.send_reminders(db.session, utcnow())
    db.session.commit()
    click.echo(f"{len(due)} reminder{'s' if len(due) != 1 else ''} written.")


@bookings_cli.command("flag-overdue")
def flag_overdue_command() -> None:
    """Tell members and coordinators about overdue returns; flag the bookings they run into."""
    overdue = booking_jobs.flag_overdue_returns(db.session, utcnow())
    db.session.commit()
    click.echo(f"{len(overdue)} overdue return{'s' if len(overdue) != 1 else ''}.")


@bookings_cli.command("deliver-notifications")
def deliver_notifications_command() -> None:
    """Email the pending notifications now (SMTP when MAIL_SERVER is set, else the log)."""
    from app.mail import deliver_outbox

    counts = deliver_outbox(current_app._get_current_object())
    click.echo(", ".join(f"{v} {k}" for k, v in counts.items()) or "nothing to send")


@bookings_cli.command("clean-photos")
@click.option("--delete", "delete_them", is_flag=True, help="Delete the files; without it, only list them.")
@click.option("--min-age-hours", type=click.FloatRange(min=1), default=1, show_default=True,
              help="Leave younger files alone: they may belong to a transaction still in progress.")
def clean_photos_command(delete_them: bool, min_age_hours: float) -> None:
    """List photo files that no damage report or asset photo refers to (older than an hour); --delete deletes
    them."""
    from datetime import timedelta

    from fleet.booking.asset_photos import orphaned_asset_photos
    from fleet.booking.photos import delete_photo_files, orphaned_photos

    directory = Path(current_app.config["PHOTO_DIR"])
    try:
        orphans = orphaned_photos(db.session, directory, utcnow(), min_age=timedelta(hours=min_age_hours))
        orphans += orphaned_asset_photos(db.session, directory, utcnow(), min_age=timedelta(hours=min_age_hours))
    finally:
        db.session.rollback()
    for path in orphans:
        click.echo(str(path))
    what = f"{len(orphans)} unreferenced photo file{'s' if len(orphans) != 1 else ''} in {directory}"
    if not delete_them:
        click.echo(f"{what} (dry run: nothing deleted; pass --delete to delete them).")
        return
    click.echo(f"{what}: {delete_photo_files(orphans)} deleted.")


@bookings_cli.command("tick")
def tick_command() -> None:
    """All of the above, as a scheduler would run them every few minutes. One at a time across machines: a tick
    that finds another running (app/tick_lock.py) does nothing."""
    from app.extensions import db
    from app.jobs import run_booking_jobs
    from app.tick_lock import one_tick_at_a_time

    with one_tick_at_a_time(db.engine) as mine:
        if not mine:
            click.echo("Another tick is running (on this or another machine): this one does nothing.")
            return
        click.echo(str(run_booking_jobs(current_app._get_current_object())))


@federation_cli.command("fetch")
@click.option("--all", "everyone", is_flag=True, help="Fetch every active partner now, not only those due.")
def federation_fetch_command(everyone: bool) -> None:
    """Fetch the partners' Commons API catalogues (those due, or --all), release failed remote bookings."""
    from app.federation_jobs import run_federation_jobs

    counts = run_federation_jobs(current_app._get_current_object(), force=everyone)
    click.echo(", ".join(f"{v} {k}" for k, v in counts.items()))


@federation_cli.command("key")
def federation_key_command() -> None:
    """Print this installation's key id and public key (made on first use), for a partner to register."""
    from fleet.federation.keys import installation_key

    key = installation_key(db.session, utcnow())
    db.session.commit()
    click.echo(f"key id: {key.key_id}\npublic key: {key.public_key}")


def init_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(member_cli)
    app.cli.add_command(schedule_cli)
    app.cli.add_command(rq_cli)
    app.cli.add_command(bookings_cli)
    app.cli.add_command(federation_cli)
