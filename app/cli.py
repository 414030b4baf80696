"""Operator commands: `flask demo load`, `flask member add`. (`flask db ...` comes from Flask-Migrate.)"""
from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db
from fleet.db import utcnow
from fleet.errors import DomainError
from fleet.models import Role

demo_cli = AppGroup("demo", help="The demo community.")
member_cli = AppGroup("member", help="Member accounts.")


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
    from fleet.accounts import create_member

    password = os.environ.get("COMMONPOOL_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    try:
        member = create_member(db.session, email, name, password, utcnow(), role=Role(role))
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"Created {member.role.value} {member.email} (id {member.id}).")


def init_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(member_cli)
