"""Languages: English (the default and the source text), French and German, with Flask-Babel.

The locale of a request is, in order: the member's saved choice, the `lang` cookie set by the language
switcher in the footer, the browser's Accept-Language, English. fleet/ knows nothing of this: its services
keep returning English domain messages, and the delivery layer translates the ones it knows (see
`translate_message`). Dates and times are formatted with Babel in the hub's zone and the request's locale.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from babel.core import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol
from babel.numbers import parse_pattern as _babel_parse_pattern
from flask import Blueprint, Flask, current_app, g, redirect, request, url_for
from flask_babel import Babel, get_locale, get_translations, gettext, refresh
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from app.security import is_safe_next

LANGUAGES = {"en": "English", "fr": "Français", "de": "Deutsch"}
DEFAULT_LOCALE = "en"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

babel = Babel()
bp = Blueprint("i18n", __name__)


def supported(code: str | None) -> str | None:
    """The code if it is one of our languages (case and region ignored: "fr-CH" -> "fr"), else None."""
    if not code:
        return None
    code = code.strip().replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


def select_locale() -> str:
    if current_user and getattr(current_user, "is_authenticated", False):
        chosen = supported(getattr(current_user, "locale", None))
        if chosen:
            return chosen
    chosen = supported(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LOCALE)


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LOCALE


def format_local(instant: datetime, zone_name: str, pattern: str = "EEE d MMM y HH:mm") -> str:
    """An instant in the hub's zone, in the current locale, with an explicit CLDR pattern
    (English: "Tue 2 Dec 2025 09:00"; French: "mar. 2 déc. 2025 09:00"; German: "Di. 2 Dez. 2025 09:00")."""
    from babel.dates import format_datetime

    from fleet.core.localtime import to_local

    return format_datetime(to_local(instant, zone_name), pattern, locale=get_locale() or DEFAULT_LOCALE)


def translation_key() -> tuple:
    """What a translated text depends on: the catalogue in force (Flask-Babel keeps one object per language for
    the process) and the locale. Caches of labels and units are keyed by it, so a forced locale or another
    catalogue never gets another's text.

    Flask-Babel looks the context up several times per gettext; a page calls it hundreds of times. The key is
    kept beside Flask-Babel's own per-request state, valid while its locale object (replaced by force_locale
    and refresh) is the same one."""
    try:
        state = g._flask_babel
        memo = state.commonpool_key
        if memo[0] is state.babel_locale:
            return memo[1]
    except (AttributeError, RuntimeError):  # nothing remembered yet, or no app context
        pass
    locale = get_locale()
    key = (get_translations(), str(locale or DEFAULT_LOCALE))
    if locale is not None:
        g._flask_babel.commonpool_key = (locale, key)
    return key


def _template_gettext(message: str) -> str:
    return translation_key()[0].ugettext(message)


@pass_context
def _template_gettext_newstyle(context, string: str, **variables) -> str:
    """The templates' `_()`: what Jinja's newstyle gettext does with `_template_gettext` (translate, mark safe
    under autoescape, fill in the values, which also turns "%%" into "%"), with a text without values kept per
    catalogue and locale: a page says some sixty fixed texts, the same on every request."""
    if not variables:
        return _fixed_text(translation_key(), string, context.eval_ctx.autoescape)
    text = translation_key()[0].ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


@lru_cache(maxsize=4096)
def _fixed_text(key: tuple, string: str, autoescape: bool) -> str:
    text = key[0].ugettext(string)
    return (Markup(text) if autoescape else text) % {}


def _template_ngettext(singular: str, plural: str, n: int) -> str:
    return translation_key()[0].ungettext(singular, plural, n)


@lru_cache(maxsize=64)
def _number_pattern(pattern: str):
    """Babel's parsed number pattern: parsing it is most of a number's formatting, and patterns are few."""
    return _babel_parse_pattern(pattern)


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def _format(value, pattern: str) -> str:
    # What babel.numbers.format_decimal does, with the pattern and the locale parsed once per process.
    return _number_pattern(pattern).apply(value, _locale(str(get_locale() or DEFAULT_LOCALE)))


def format_number(value, digits: int = 0) -> str:
    """A number for people, in the current locale: 1,234.5 / 1 234,5 / 1.234,5."""
    if value is None:
        return ""
    places = "0" * digits
    pattern = f"#,##0{'.' + places if digits else ''}"
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite() or number.is_signed() or digits not in _QUANTA:
        return _format(value, pattern)
    return _fixed_point(number, digits, str(get_locale() or DEFAULT_LOCALE))


def _fixed_point(number: Decimal, digits: int, locale: str) -> str:
    """What Babel's pattern "#,##0.0…" (`digits` zeros) gives for a number that is not negative, without its
    general machinery (a results page formats a distance per row): the same normalising and rounding (the
    decimal context's), groups of three, the locale's symbols. tests/app/test_i18n.py holds it to Babel."""
    whole, _, fraction = f"{number.normalize().quantize(_QUANTA[digits]):f}".partition(".")
    group, point = _symbols(locale)
    head = len(whole) % 3 or 3
    grouped = group.join([whole[:head], *(whole[i:i + 3] for i in range(head, len(whole), 3))])
    return f"{grouped}{point}{fraction}" if digits else grouped


_QUANTA = {digits: Decimal(1).scaleb(-digits) for digits in range(10)}


@lru_cache(maxsize=16)
def _symbols(code: str) -> tuple[str, str]:
    locale = _locale(code)
    return get_group_symbol(locale, numbering_system="latn"), get_decimal_symbol(locale, numbering_system="latn")


def format_decimal(value, max_digits: int = 2) -> str:
    """A measured number for people, in the current locale, with at most `max_digits` decimals: 960 / 5.25."""
    if value is None:
        return ""
    places = "#" * max_digits
    return _format(value, f"#,##0{'.' + places if max_digits else ''}")


def format_percent(rate, digits: int = 1) -> str:
    """A share (0.123) as a percentage in the current locale's own pattern: 12.3% / 12,3 % / 12,3 %.
    None (nothing to divide by) is a dash."""
    if rate is None:
        return "–"
    locale = Locale.parse(get_locale() or DEFAULT_LOCALE)
    pattern = _babel_parse_pattern(locale.percent_formats[None].pattern)
    pattern.frac_prec = (digits, digits)
    return pattern.apply(rate, locale)


def translate_message(message, params=None) -> str | None:
    """A message from fleet in the current language: a DomainError, or a template with its values (see
    fleet/core/messages.py). A template the catalogue lacks stays English; values are filled in either way, terms
    translated and instants shown in their zone in the current locale."""
    from fleet.core.errors import DomainError
    from fleet.core.messages import Term, When, english, from_json

    if isinstance(message, DomainError):
        message, params = message.template, message.params
    if not message:
        return message
    if not params:
        return gettext(message)
    values = {}
    for name, value in from_json(params).items():  # stored (JSON) values and live ones alike
        if isinstance(value, When):
            value = format_local(value.at, value.zone)
        elif isinstance(value, Term):
            value = gettext(str(value))
        values[name] = value
    try:
        return gettext(message, **values)
    except (KeyError, TypeError, ValueError):
        # a translation whose placeholders do not match the template: the English is better than a 500
        current_app.logger.warning("translation of %r does not fit its values", message)
        return english(message, values)


def _same_site_referrer() -> str | None:
    """The page the switcher was on, as a local path, when the Referer is this host (the form carries no path,
    so that pages do not echo their URL)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


@bp.route("/language", methods=["POST"])
def choose_language():
    """The footer's language switcher: a cookie for everyone, saved on the account for members."""
    code = supported(request.form.get("lang")) or DEFAULT_LOCALE
    target = request.form.get("next") or _same_site_referrer()
    if not is_safe_next(target):
        target = url_for("catalogue.search")
    if current_user.is_authenticated:
        current_user.locale = code
    response = redirect(target)
    response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).resolve().parent / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    # The templates' _() and ngettext() as Flask-Babel's, with the request's catalogue looked up once.
    app.jinja_env.install_gettext_callables(gettext=_template_gettext, ngettext=_template_ngettext, newstyle=True,
                                            pgettext=lambda c, s: get_translations().upgettext(c, s),
                                            npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n))
    app.jinja_env.globals["gettext"] = app.jinja_env.globals["_"] = _template_gettext_newstyle
    app.register_blueprint(bp)

    @app.before_request
    def _fresh_locale():
        # Flask-Babel caches the locale on `g`; a request that shares an app context (tests, CLI) must not
        # inherit the previous request's language.
        refresh()

    @app.context_processor
    def _languages():
        return {"languages": LANGUAGES, "current_language": current_language}


def N_(message: str) -> str:
    """Marks a string for extraction (`pybabel extract -k N_`) without translating it here."""
    return message


# Words that fleet returns as values (statuses, kinds) and the pages show: translated with `gettext(word)`.
DOMAIN_WORDS = (
    N_("pending"), N_("confirmed"), N_("checked out"), N_("completed"), N_("cancelled"), N_("rejected"),
    N_("no show"), N_("active"), N_("maintenance"), N_("retired"), N_("waitlisted"), N_("assigned"),
    N_("expired"), N_("booked"), N_("fee"), N_("payment"), N_("charge"), N_("adjustment"), N_("open"), N_("repaired"), N_("member"),
    N_("coordinator"), N_("admin"), N_("check out"), N_("check in"),
    # optimiser runs and the solver's verdict
    N_("queued"), N_("running"), N_("preview"), N_("applied"), N_("discarded"), N_("failed"), N_("optimal"),
    N_("feasible"), N_("unknown"),
    # fleet plans (PlanningStatus; queued, running and failed are above)
    N_("finished"),
    # category kinds, meter units, cost kinds
    N_("tool"), N_("machine"), N_("vehicle"), N_("km"), N_("hours"), N_("repair"), N_("insurance"),
    N_("yearly"), N_("other"),
    # where unmet demand is counted from (fleet.reporting.utilisation's sources, "_" shown as a space)
    N_("rejected bookings"), N_("waitlisted requests"),
    # how a fleet-planning candidate was evaluated (scheduling.fleet_plan), shown on the plan page
    N_("solve"), N_("idle in the plan"), N_("no unserved demand"), N_("not evaluated: time limit"),
    N_("not evaluated: time limit reached"),
    # the three scenarios of an impact figure
    N_("low"), N_("central"), N_("high"),
    # governance: proposal kinds and statuses, votes, decision methods, who votes
    N_("acquire"), N_("retire"), N_("move"), N_("rule change"), N_("free text"), N_("passed"), N_("withdrawn"),
    N_("yes"), N_("no"), N_("abstain"), N_("majority"), N_("two thirds"), N_("consent"), N_("all"), N_("hub"),
    # members' own items: the owner's credit, who must ask the owner first, exceptions to the weekly windows
    N_("owner reimbursement"), N_("every booking"), N_("first time"), N_("none"), N_("available"),
    N_("unavailable"), N_("owner use"),
    # federation: an agreement's state, a remote booking's states (pending, confirmed, failed ... are above)
    N_("revoked"), N_("waiting"), N_("refused"),
    # lending agreements between pools (AgreementStatus; "active" is above)
    N_("offered"), N_("ended"),
)

# The shipped factor table (fleet/reporting/data/impact_factors.csv): its row labels and use units are shown on the pool
# page and the factors page. A test keeps this list equal to the file.
FACTOR_WORDS = (
    N_("Car, mid-size petrol/diesel"), N_("Car, battery electric"), N_("Car, small"), N_("Cargo bike, electric"),
    N_("Bicycle"), N_("Cordless drill with battery"), N_("Circular saw"), N_("Petrol lawn mower"),
    N_("Aluminium ladder"), N_("Pressure washer"), N_("Tractor (factors per tonne of machine)"),
    N_("h motor time"), N_("h engine time"), N_("h running time"), N_("km"),
)

# Text fleet keeps for people outside its message templates, shown on public pages; tests keep these equal to
# fleet's: the fair-share rule (fleet.allocation.fair_share's docstring, one paragraph per entry, as the page joins its lines)
# and the definitions of the open books (fleet.reporting.costs, CostSummary.as_dict()["definitions"]: names and texts).
FLEET_TEXTS = (
    N_("Fair share: who goes first when demand exceeds supply."),
    N_("Every flexible request starts at priority 3. In a category with a weekly quota, a member's requests fall "
       "to priority 2 once their holding and completed bookings in that category over the last seven days reach "
       "half the quota, and to priority 1 once they reach the quota. The optimiser maximises priority-weighted "
       "hours, so when not everyone can be served, those who used the pool least this week are served first; "
       "when there is room, everyone is served, quota or not. The rule is published on the \"How allocation "
       "works\" page."),
    N_("recorded costs"), N_("depreciation"), N_("hours of use"), N_("cost per hour of use"), N_("money"),
    N_("Cost records (maintenance, repair, insurance, yearly, other) dated in the period."),
    N_("Purchase cost spread evenly over the calendar life from the purchase date; the part inside the period. "
       "Active assets only."),
    N_("Time confirmed, checked-out and completed bookings held the assets in the period."),
    N_("(recorded costs + depreciation) / hours of use, rounded to a minor unit: the per-hour fee that would have "
       "recovered the costs."),
    N_("Integer minor units (cents) with an ISO 4217 currency."),
    N_("income from charges"),
    N_("Charges of bookings (at check-in and for no-shows) and their adjustments dated in the period; per hub, by "
       "the hub the asset is at."),
    N_("reimbursed to owners"),
    N_("The owners' shares of the charges on members' own items, credited to them in the period (a total, no names)."),
)

# Notification kinds, as email subjects ("Commonpool: booking confirmed") and labels on the preferences page.
NOTIFICATION_WORDS = (
    N_("booking confirmed"), N_("booking reminder"), N_("booking moved"), N_("booking at risk"),
    N_("waitlist promoted"), N_("booking cancelled"), N_("overdue return"), N_("no show"),
    N_("damage reported"), N_("request assigned"), N_("booking resolved"),
    N_("owner approval"), N_("owner reimbursed"), N_("damage disputed"),
    N_("A booking is confirmed (or waits for approval)"), N_("Reminder before a booking starts"),
    N_("A booking was moved by re-planning"), N_("A booking is at risk (its asset became unavailable)"),
    N_("A waitlisted request got an asset"), N_("A booking was cancelled or rejected"),
    N_("A return is overdue, or the return before yours is late"), N_("A booking was released as a no-show"),
    N_("Damage reported on an asset (coordinators)"),
)
