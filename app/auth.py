"""Sign-up (confirmed by email), log-in, log-out, session lifetime and account settings (home location,
password, API tokens)."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, get_locale, gettext as _, lazy_gettext
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from app.extensions import db, login_manager
from fleet.members.pools import member_pool_ids
from app.forms import field_errors, optional_float, optional_int
from app.i18n import supported
from app.security import is_safe_next
from app.transaction import on_refusal
from app.urls import external_url
from fleet.members import accounts
from fleet.members import signup as signup_service
from fleet.members.outbox import queue_mail
from fleet.core.db import utcnow
from fleet.core.errors import Conflict, DomainError, ValidationFailed
from fleet.catalogue.hubs import list_hubs
from fleet.models import Member
from fleet.members.tokens import issue_token, list_tokens, revoke_token
from fleet.booking.eligibility import member_qualifications
from fleet.members.account_approval import awaiting_approval

bp = Blueprint("auth", __name__)


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Log in to continue.")
    login_manager.session_protection = "basic"


# When the session was logged in and when it was last used, in whole seconds since the epoch (UTC).
SESSION_STARTED, SESSION_SEEN = "_auth_started", "_auth_seen"
SEEN_RESOLUTION = 60  # rewriting the cookie on every request is not needed for a timeout counted in hours


def start_session(member: Member) -> None:
    """Log the member in on a fresh session: nothing from before survives, and the idle and absolute
    lifetimes start now."""
    session.clear()
    login_user(member)
    now = int(utcnow().timestamp())
    session[SESSION_STARTED] = session[SESSION_SEEN] = now


def _session_in_time(now: int) -> bool:
    """True while the session is within its idle timeout and its absolute lifetime. A session without these
    times (forged, or older than this rule) is out of time: its age cannot be known."""
    cfg = current_app.config
    started, seen = session.get(SESSION_STARTED), session.get(SESSION_SEEN)
    if not isinstance(started, int) or not isinstance(seen, int):
        return False
    return (now - seen < cfg["SESSION_IDLE_TIMEOUT_MINUTES"] * 60
            and now - started < cfg["SESSION_ABSOLUTE_TIMEOUT_HOURS"] * 3600)


@login_manager.user_loader
def _load_member(session_id: str):
    """The session id is 'member_id:session_token'; an old token (after logout, password change or
    deactivation) matches no member, so a replayed cookie is anonymous. So is a session idle for longer than
    SESSION_IDLE_TIMEOUT_MINUTES or logged in more than SESSION_ABSOLUTE_TIMEOUT_HOURS ago."""
    member_id, _sep, token = session_id.partition(":")
    if not member_id.isdigit() or not token:
        return None
    now = int(utcnow().timestamp())
    if not _session_in_time(now):
        session.clear()
        return None
    member = db.session.get(Member, int(member_id))
    if member is None or not member.active or member.session_token != token:
        return None
    if now - session[SESSION_SEEN] >= SEEN_RESOLUTION:
        session[SESSION_SEEN] = now
    return member


def client_address() -> str:
    """The client's address: behind TRUSTED_PROXIES reverse proxies, ProxyFix has already put the address
    they saw in X-Forwarded-For here (see create_app)."""
    return request.remote_addr or "unknown"


def site_names() -> tuple[str, ...]:
    """The names this pool goes by, which a password must not be built from (besides "Commonpool")."""
    return tuple(filter(None, [current_app.config.get("GBFS_SYSTEM_NAME")]))


def login_policy() -> accounts.LoginPolicy:
    cfg = current_app.config
    return accounts.LoginPolicy(
        max_per_account=cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"], max_per_address=cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        window=timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"]),
        max_delay=timedelta(seconds=cfg["LOGIN_MAX_DELAY_SECONDS"]))


def authenticate(email: str, password: str) -> Member:
    """Check a login from this request, throttled; raises a DomainError (LoginThrottled is a 429 with
    `retry_after`). Commits: the attempt is counted in the database before the password is checked, so
    parallel guesses cannot get more passwords checked than the limit allows."""
    try:
        claim = accounts.claim_login_attempt(db.session, email, client_address(), utcnow(), login_policy())
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    try:
        return accounts.check_login(db.session, claim, password)
    finally:
        db.session.commit()


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = request.values.get("next")
    if not is_safe_next(next_url):
        next_url = None
    errors, form = {}, {"email": ""}
    if request.method == "POST":
        form["email"] = request.form.get("email", "")
        # authenticate() commits the counted attempt itself, before the password is checked
        on_refusal(lambda exc: (render_template("auth/login.html", form=form, errors=field_errors(exc), next=next_url),
                                429, {"Retry-After": str(exc.retry_after)})
                   if isinstance(exc, accounts.LoginThrottled) else
                   (render_template("auth/login.html", form=form, errors=field_errors(exc), next=next_url), 400),
                   unless=())
        member = authenticate(form["email"], request.form.get("password", ""))
        start_session(member)
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
    """The same answer whether or not the address has an account: a mail goes to it either way (a link to
    finish, or a note that someone tried), and the page says to check the mail."""
    form, errors = {"email": "", "name": ""}, {}
    if request.method == "POST":
        form = {"email": request.form.get("email", ""), "name": request.form.get("name", "")}
        on_refusal(lambda exc: (render_template("auth/signup.html", form=form, errors=field_errors(exc)), 400),
                   unless=())
        if request.form.get("password", "") != request.form.get("password_again", ""):
            raise ValidationFailed("The two passwords differ.", field="password_again")
        now = utcnow()
        outcome = signup_service.request_signup(db.session, form["email"], form["name"],
                                                request.form.get("password", ""), now, site_names=site_names())
        subject, body = _signup_mail(outcome)
        queue_mail(db.session, outcome.email, subject, body, now)
        return redirect(url_for("auth.signup_sent"))
    return render_template("auth/signup.html", form=form, errors=errors)


def _signup_mail(outcome: signup_service.SignupOutcome) -> tuple[str, str]:
    """The mail for a sign-up: the link that finishes it for a new address, in the language of the page; for
    a taken address a note to its member, in the member's language."""
    language = supported(outcome.existing.locale if outcome.existing else None) or str(get_locale())
    with force_locale(language):
        if outcome.existing is None:
            link = external_url("auth.signup_confirm", token=outcome.token)
            return _("Finish signing up for Commonpool"), "\n\n".join([
                _("Hello %(name)s,", name=outcome.name),
                _("To finish making your Commonpool account, open this link within 24 hours and enter the "
                  "password you chose:"),
                link,
                _("If you did not sign up, ignore this message: no account is made without it."),
            ])
        return _("Someone tried to sign up with your address"), "\n\n".join([
            _("Hello %(name)s,", name=outcome.existing.name),
            _("Someone, perhaps you, tried to sign up for Commonpool with this email address. It already has an "
              "account, so nothing was changed."),
            _("If it was you, log in here:") + "\n" + external_url("auth.login"),
            _("If you have forgotten your password, ask a coordinator of your pool for help. If it was not you, "
              "you can ignore this message."),
        ])


@bp.route("/signup/sent")
def signup_sent():
    return render_template("auth/signup_sent.html")


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
def signup_confirm(token: str):
    """The link from the sign-up mail: the password chosen at sign-up, typed again, makes the account."""
    on_refusal(lambda exc: (render_template("auth/signup_confirm.html", token=None, errors=field_errors(exc)), 404),
               unless=())
    signup_service.pending_signup(db.session, token, utcnow())
    if request.method == "GET":
        return render_template("auth/signup_confirm.html", token=token, errors={})
    on_refusal(lambda exc: (render_template("auth/signup_confirm.html", token=None if exc.status == 409 else token,
                                            errors=field_errors(exc)), 409 if exc.status == 409 else 400),
               unless=())
    try:
        member = signup_service.confirm_signup(db.session, token, request.form.get("password", ""), utcnow())
    except IntegrityError:  # the same address confirmed a moment ago by another sign-up
        raise Conflict("This address has an account already: log in.") from None
    start_session(member)
    flash(_("Welcome! Set your home location so we can show what is near you."), "success")
    return redirect(url_for("auth.settings"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "POST":
        on_refusal(lambda exc: _settings_page(field_errors(exc, {"lat": "home_lat", "lon": "home_lon",
                                                                 "name": "token_name",
                                                                 "password": "new_password"}),
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
                                     request.form.get("new_password", ""), utcnow(), site_names=site_names())
            # Every other session is now invalid; keep this one by logging in again with the new token.
            start_session(current_user._get_current_object())
            flash(_("Password changed. Your other sessions have been logged out and your API tokens "
                    "revoked."), "success")
            return redirect(url_for("auth.settings"))
        if action == "create_token":
            token, _row = issue_token(db.session, current_user, request.form.get("token_name", ""), utcnow(),
                                      expires_in_days=optional_int(request.form, "expires_in_days"))
            # Shown in this response only; it is stored hashed and cannot be shown again.
            return _settings_page({}, 200, new_token=token)
        if action == "revoke_token":
            revoke_token(db.session, current_user, optional_int(request.form, "token_id") or 0, utcnow())
            flash(_("Token revoked."), "success")
            return redirect(url_for("auth.settings"))
        raise ValidationFailed("Unknown action.")
    return _settings_page({}, 200)


def _settings_page(errors: dict, status: int, new_token: str | None = None):
    today = utcnow().date()
    return render_template("auth/settings.html", errors=errors,
                           hubs=list_hubs(db.session, pool_ids=member_pool_ids(db.session, current_user)),
                           geocoding=current_app.config["GEOCODING_ENABLED"], new_token=new_token,
                           tokens=list_tokens(db.session, current_user), today=today,
                           qualifications=member_qualifications(db.session, current_user.id, today),
                           awaiting_approval=awaiting_approval(db.session, current_user)), status


def accounts_geocode(address: str) -> tuple[float, float]:
    from fleet.core.geo import geocode

    cfg = current_app.config
    return geocode(address, enabled=cfg["GEOCODING_ENABLED"], user_agent=cfg["GEOCODING_USER_AGENT"])
