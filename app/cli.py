"""Operator commands: `flask demo load`, `flask member add`. (`flask db ...` comes from Flask-Migrate.)"""
from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db
from fleet.core.db import utcnow
from fleet.core.errors import DomainError
from fleet.models import Role

demo_cli = AppGroup("demo", help="The demo community.")
member_cli = AppGroup("member", help="Member accounts.")
schedule_cli = AppGroup("schedule", help="The optimiser over open flexible requests.")
rq_cli = AppGroup("rq", help="Background jobs (needs REDIS_URL).")


@demo_cli.command("load")
@click.option("--seed", default=2026, show_default=True, help="Same seed, same community.")
def demo_load(seed: int) -> None:
    """Fill an empty database with the demo community (does nothing when it is already there)."""
    from fleet.demo import load_demo

    result = load_demo(db.session, utcnow(), seed=seed)
    db.session.commit()
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


@schedule_cli.command("run")
@click.option("--horizon-days", type=click.IntRange(1, 90), default=14, show_default=True)
@click.option("--time-limit", type=click.FloatRange(1, 600), default=30.0, show_default=True)
@click.option("--method", type=click.Choice(["cpsat", "greedy"]), default="cpsat", show_default=True)
@click.option("--apply/--preview", "apply_it", default=False, help="Book the assignments, or only show them.")
@click.option("--as", "actor_email", default=None, help="Coordinator recorded as starting the run.")
def schedule_run(horizon_days: int, time_limit: float, method: str, apply_it: bool, actor_email: str | None) -> None:
    """Solve every waitlisted request in the horizon; print the figures against first come, first served."""
    from sqlalchemy import select

    from fleet.models import Member
    from fleet.allocation.optimiser_runs import apply_run, create_run, execute_run

    stmt = select(Member).where(Member.role.in_([Role.coordinator, Role.admin]), Member.active.is_(True))
    if actor_email:
        stmt = stmt.where(Member.email == actor_email.strip().lower())
    actor = db.session.scalars(stmt.order_by(Member.id)).first()
    if actor is None:
        raise click.ClickException("No active coordinator to record as running it; create one with `flask member add`.")
    try:
        run = create_run(db.session, actor, horizon_days, utcnow(), time_limit=time_limit, method=method)
        db.session.commit()
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
    """Run optimiser jobs from Redis (the same as
    `rq worker commonpool --url $REDIS_URL --worker-class app.workers.Worker`)."""
    from flask import current_app
    from rq import Queue

    from app.jobs import QUEUE_NAME, redis_connection
    from app.workers import Worker

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to use a worker.")
    connection = redis_connection()
    Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection).work(burst=burst)


def init_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(member_cli)
    app.cli.add_command(schedule_cli)
    app.cli.add_command(rq_cli)
