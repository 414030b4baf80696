"""Sign-up, log-in, log-out and account settings (home location, password)."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext
from flask_login import current_user, login_required, login_user, logout_user

from app.extensions import db, login_manager
from app.forms import field_errors, optional_float, optional_int
from app.security import is_safe_next
from app.transaction import kept_if_refused, on_refusal
from fleet.members import accounts
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed
from fleet.catalogue.hubs import list_hubs
from fleet.models import Member
from fleet.members.tokens import issue_token, list_tokens, revoke_token

bp = Blueprint("auth", __name__)


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Log in to continue.")
    login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_member(session_id: str):
    """The session id is 'member_id:session_token'; an old token (after logout, password change or
    deactivation) matches no member, so a replayed cookie is anonymous."""
    member_id, _sep, token = session_id.partition(":")
    if not member_id.isdigit() or not token:
        return None
    member = db.session.get(Member, int(member_id))
    if member is None or not member.active or member.session_token != token:
        return None
    return member


def _client_address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = request.values.get("next")
    if not is_safe_next(next_url):
        next_url = None
    errors, form = {}, {"email": ""}
    if request.method == "POST":
        form["email"] = request.form.get("email", "")
        cfg = current_app.config
        on_refusal(lambda exc: (render_template("auth/login.html", form=form, errors=field_errors(exc), next=next_url),
                                429 if exc.status == 429 else 400), unless=())
        with kept_if_refused():
            member = accounts.authenticate(
                db.session, form["email"], request.form.get("password", ""), _client_address(), utcnow(),
                cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"], cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
                timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"]),
            )
        session.clear()  # a fresh session at login: nothing from before survives
        login_user(member)
        return redirect(next_url or url_for("catalogue.search"))
    return render_template("auth/login.html", form=form, errors=errors, next=next_url)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    accounts.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    form, errors = {"email": "", "name": ""}, {}
    if request.method == "POST":
        form = {"email": request.form.get("email", ""), "name": request.form.get("name", "")}
        on_refusal(lambda exc: (render_template("auth/signup.html", form=form, errors=field_errors(exc)), 400),
                   unless=())
        if request.form.get("password", "") != request.form.get("password_again", ""):
            raise ValidationFailed("The two passwords differ.", field="password_again")
        member = accounts.create_member(db.session, form["email"], form["name"], request.form.get("password", ""),
                                        utcnow())
        session.clear()
        login_user(member)
        flash(_("Welcome! Set your home location so we can show what is near you."), "success")
        return redirect(url_for("auth.settings"))
    return render_template("auth/signup.html", form=form, errors=errors)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "POST":
        on_refusal(lambda exc: _settings_page(field_errors(exc, {"lat": "home_lat", "lon": "home_lon",
                                                                 "name": "token_name"}),
                                              404 if exc.status == 404 else 400), unless=())
        action = request.form.get("action")
        if action == "home":
            choice = request.form.get("home_mode", "coordinates")
            if choice == "hub":
                hub_id = optional_int(request.form, "home_hub_id")
                if hub_id is None:
                    raise ValidationFailed("Choose one of the hubs.", field="home_hub_id")
                accounts.set_home(db.session, current_user, hub_id=hub_id)
            elif choice == "address":
                lat, lon = accounts_geocode(request.form.get("address", ""))
                accounts.set_home(db.session, current_user, lat=lat, lon=lon)
            else:
                accounts.set_home(db.session, current_user, lat=optional_float(request.form, "home_lat"),
                                  lon=optional_float(request.form, "home_lon"))
            flash(_("Home location saved."), "success")
            return redirect(url_for("auth.settings"))
        if action == "password":
            if request.form.get("new_password", "") != request.form.get("new_password_again", ""):
                raise ValidationFailed("The two new passwords differ.", field="new_password_again")
            accounts.change_password(db.session, current_user, request.form.get("current_password", ""),
                                     request.form.get("new_password", ""))
            # Every other session is now invalid; keep this one by logging in again with the new token.
            session.clear()
            login_user(current_user._get_current_object())
            flash(_("Password changed. Other sessions have been logged out."), "success")
            return redirect(url_for("auth.settings"))
        if action == "create_token":
            token, _row = issue_token(db.session, current_user, request.form.get("token_name", ""), utcnow())
            # Shown in this response only; it is stored hashed and cannot be shown again.
            return _settings_page({}, 200, new_token=token)
        if action == "revoke_token":
            revoke_token(db.session, current_user, optional_int(request.form, "token_id") or 0, utcnow())
            flash(_("Token revoked."), "success")
            return redirect(url_for("auth.settings"))
        raise ValidationFailed("Unknown action.")
    return _settings_page({}, 200)


def _settings_page(errors: dict, status: int, new_token: str | None = None):
    return render_template("auth/settings.html", errors=errors, hubs=list_hubs(db.session),
                           geocoding=current_app.config["GEOCODING_ENABLED"], new_token=new_token,
                           tokens=list_tokens(db.session, current_user)), status


def accounts_geocode(address: str) -> tuple[float, float]:
    from fleet.core.geo import geocode

    cfg = current_app.config
    return geocode(address, enabled=cfg["GEOCODING_ENABLED"], user_agent=cfg["GEOCODING_USER_AGENT"])
