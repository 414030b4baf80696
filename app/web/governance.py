"""Members decide together: proposals with their facts and discussion (/proposals), voting, the pool's decision
rules (/proposals/rules), applying a passed decision (coordinators), and the public record of decisions
(/pool/decisions, also as CSV and as an Atom feed), which names nobody unless the vote was public."""
from __future__ import annotations

import csv
import io
import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import select

from app.extensions import db
from app.pools import chosen_pool, reader
from app.read_replica import read_only_session
from app.forms import checkbox, field_errors, optional_int
from app.i18n import N_, translate_message
from app.transaction import flash_on_refusal, on_refusal
from app.urls import external_root
from fleet.catalogue.assets import list_assets
from fleet.catalogue.categories import list_categories
from fleet.core import money
from fleet.core.db import utcnow
from fleet.core.errors import Forbidden, NotFound
from fleet.feeds.decisions_atom import decisions_feed
from fleet.governance import applying, comments, proposals, record, rules, votes
from fleet.governance.from_plan import propose_from_plan
from fleet.governance.proposals import BOOL_RULE_FIELDS, RULE_FIELDS
from fleet.members.pools import coordinated_pool_ids, member_pool_ids, pools_of, visible_pool_ids
from fleet.models import AssetStatus, Hub, ProposalKind
from fleet.models.governance import APPLICABLE_KINDS

bp = Blueprint("governance", __name__)

KINDS = [k.value for k in ProposalKind]
RULE_LABELS = {
    "min_duration_minutes": N_("Shortest booking (minutes)"),
    "max_duration_minutes": N_("Longest booking (minutes)"),
    "min_notice_minutes": N_("Notice before a booking starts (minutes)"),
    "max_advance_days": N_("How far ahead one can book (days)"),
    "weekly_quota_hours": N_("Fair share per member (hours per week)"),
    "no_show_grace_minutes": N_("No-show after (minutes)"),
    "approval_required": N_("Bookings need a coordinator's approval"),
}


def _hubs():
    return list(db.session.scalars(select(Hub).where(
        Hub.retired.is_(False), Hub.pool_id.in_(member_pool_ids(db.session, current_user))).order_by(Hub.name)))


# --- proposals ------------------------------------------------------------------------------------------------

@bp.route("/proposals")
@login_required
def index():
    mine = member_pool_ids(db.session, current_user)
    items, _total = proposals.list_proposals(db.session, limit=200, pool_ids=mine)
    pools, pool = chosen_pool(mine)
    return render_template("governance/index.html", proposals=items, pools=pools, pool=pool,
                           rules=rules.current_rules(db.session, pool.id) if pool else None, now=utcnow())


def _new_page(form: dict, errors: dict, status: int = 200):
    mine = member_pool_ids(db.session, current_user)
    assets = [a for a in list_assets(db.session, pool_ids=mine) if a.status != AssetStatus.retired]
    return render_template("governance/new.html", form=form, errors=errors, kinds=KINDS, hubs=_hubs(),
                           categories=list_categories(db.session, pool_ids=mine), assets=assets,
                           pools=pools_of(db.session, mine),
                           rule_fields=list(RULE_FIELDS), bool_rule_fields=BOOL_RULE_FIELDS,
                           rule_labels={k: _(v) for k, v in RULE_LABELS.items()}), status


def _optional_amount(form, name: str) -> int | None:
    text = (form.get(name) or "").strip()
    return None if not text else money.parse_amount(text, field=name)


def _change_from(form) -> dict:
    """A rule change from the form: only the fields filled in change."""
    change: dict = {"rules": {}}
    for name in RULE_FIELDS:
        value = optional_int(form, f"rule_{name}")
        if value is not None:
            change["rules"][name] = value
    for name in BOOL_RULE_FIELDS:
        if form.get(f"rule_{name}") in ("yes", "no"):
            change["rules"][name] = form.get(f"rule_{name}") == "yes"
    per_hour, per_km = _optional_amount(form, "fee_per_hour"), _optional_amount(form, "fee_per_km")
    if per_hour is not None or per_km is not None:
        change["fee"] = {"per_hour_minor": per_hour, "per_km_minor": per_km,
                         "currency": form.get("currency") or money.DEFAULT_CURRENCY}
    return change


@bp.route("/proposals/new")
@login_required
def new():
    return _new_page({"kind": request.args.get("kind", "free_text"), "currency": money.DEFAULT_CURRENCY}, {})


@bp.route("/proposals/new", methods=["POST"])
@login_required
def create():
    form = request.form
    on_refusal(lambda exc: _new_page(form.to_dict(), field_errors(exc, {"change": "rules", "amount": "amount"}),
                                     exc.status), unless=(403,))
    kind = form.get("kind", "")
    fields: dict = {}
    if kind == "acquire":
        fields = dict(category_id=optional_int(form, "category_id"), target_hub_id=optional_int(form, "target_hub_id"),
                      amount_minor=_optional_amount(form, "amount"), currency=form.get("currency"))
    elif kind in ("retire", "move"):
        fields = dict(asset_id=optional_int(form, "asset_id"))
        if kind == "move":
            fields["target_hub_id"] = optional_int(form, "target_hub_id")
    elif kind == "rule_change":
        fields = dict(category_id=optional_int(form, "category_id"), change=_change_from(form))
    else:
        fields = dict(hub_id=optional_int(form, "hub_id"))
    fields["pool_id"] = optional_int(form, "pool_id")
    proposal = proposals.open_proposal(db.session, current_user, utcnow(), kind=kind, title=form.get("title", ""),
                                       body=form.get("body", ""), **fields)
    flash(_("Your proposal is open for votes."), "success")
    return redirect(url_for("governance.detail", proposal_id=proposal.id))


def _detail_page(proposal_id: int, errors: dict | None = None, status: int = 200, comment_text: str = ""):
    proposal = proposals.visible_proposal(db.session, current_user, proposal_id)
    now = utcnow()
    thread = comments.list_comments(db.session, proposal)
    speakers = {member_id: translate_message(template, values) for member_id, (template, values)
                in comments.speaker_labels(proposal, thread, current_user).items()}
    return render_template(
        "governance/detail.html", proposal=proposal, now=now, errors=errors or {}, comments=thread,
        speakers=speakers,
        my_vote=votes.own_vote(db.session, proposal, current_user),
        may_vote=proposal.is_open_at(now) and proposals.is_voter(db.session, proposal, current_user),
        voted=votes.turnout_so_far(db.session, proposal), ballot=record.public_ballot(db.session, proposal),
        change=applying.applied_change(db.session, proposal.id), applicable=APPLICABLE_KINDS,
        zone=proposals.proposal_zone(db.session, proposal), comment_text=comment_text), status


@bp.route("/proposals/<id:proposal_id>")
@login_required
def detail(proposal_id: int):
    return _detail_page(proposal_id)


@bp.route("/proposals/<id:proposal_id>/vote", methods=["POST"])
@login_required
def vote(proposal_id: int):
    on_refusal(lambda exc: _detail_page(proposal_id, field_errors(exc), exc.status), unless=(404,))
    votes.cast_vote(db.session, current_user, proposal_id, request.form.get("choice", ""),
                    request.form.get("reason", ""), utcnow())
    flash(_("Your vote is recorded. You can change it until the vote closes."), "success")
    return redirect(url_for("governance.detail", proposal_id=proposal_id) + "#vote")


@bp.route("/proposals/<id:proposal_id>/comments", methods=["POST"])
@login_required
def comment(proposal_id: int):
    on_refusal(lambda exc: _detail_page(proposal_id, {"comment": field_errors(exc).popitem()[1]}, exc.status,
                                        request.form.get("body", "")), unless=(404,))
    added = comments.add_comment(db.session, current_user, proposal_id, request.form.get("body", ""), utcnow())
    return redirect(url_for("governance.detail", proposal_id=proposal_id) + f"#comment-{added.id}")


@bp.route("/comments/<id:comment_id>/edit", methods=["POST"])
@login_required
def edit_comment(comment_id: int):
    edited = comments.edit_comment(db.session, current_user, comment_id, request.form.get("body", ""), utcnow())
    return redirect(url_for("governance.detail", proposal_id=edited.proposal_id) + f"#comment-{edited.id}")


@bp.route("/proposals/<id:proposal_id>/withdraw", methods=["POST"])
@login_required
def withdraw(proposal_id: int):
    flash_on_refusal(url_for("governance.detail", proposal_id=proposal_id), unless=(403, 404))
    proposals.withdraw_proposal(db.session, current_user, proposal_id, utcnow())
    flash(_("The proposal is withdrawn."), "success")
    return redirect(url_for("governance.detail", proposal_id=proposal_id))


@bp.route("/proposals/<id:proposal_id>/apply", methods=["POST"])
@login_required
def apply(proposal_id: int):
    flash_on_refusal(url_for("governance.detail", proposal_id=proposal_id), unless=(403, 404))
    applying.apply_decision(db.session, current_user, proposal_id, utcnow())
    flash(_("The decision is applied; the change records it."), "success")
    return redirect(url_for("governance.detail", proposal_id=proposal_id))


@bp.route("/proposals/from-plan", methods=["POST"])
@login_required
def from_plan():
    run_id = optional_int(request.form, "run_id")
    if run_id is None:
        abort(400)
    flash_on_refusal(url_for("manage.planning_run", run_id=run_id), unless=(403, 404))
    proposal = propose_from_plan(db.session, current_user, run_id, request.form.get("section", ""),
                                 optional_int(request.form, "index"), utcnow())
    flash(_("The recommendation is now a proposal, with the plan's evidence."), "success")
    return redirect(url_for("governance.detail", proposal_id=proposal.id))


# --- the rules ------------------------------------------------------------------------------------------------

def _rules_page(form: dict | None, errors: dict, status: int = 200):
    pools, pool = chosen_pool(member_pool_ids(db.session, current_user))
    if pool is None:
        raise NotFound("No such pool.")
    current = rules.current_rules(db.session, pool.id)
    form = form or {"method": current.method.value, "quorum_percent": current.quorum_percent,
                    "electorate": current.electorate.value, "public_votes": current.public_votes,
                    "period_days": current.period_days}
    return render_template("governance/rules.html", rules=current, form=form, errors=errors, pools=pools,
                           pool=pool, may_set=pool.id in coordinated_pool_ids(db.session, current_user)), status


@bp.route("/proposals/rules")
@login_required
def rules_page():
    return _rules_page(None, {})


@bp.route("/proposals/rules", methods=["POST"])
@login_required
def save_rules():
    form = request.form
    if not current_user.is_coordinator:
        raise Forbidden("Only coordinators can do that.")
    on_refusal(lambda exc: _rules_page({**form.to_dict(), "public_votes": checkbox(form, "public_votes")},
                                       field_errors(exc), exc.status), unless=(403,))
    rules.set_rules(db.session, current_user, utcnow(), method=form.get("method", ""),
                    quorum_percent=optional_int(form, "quorum_percent"), electorate=form.get("electorate", ""),
                    public_votes=checkbox(form, "public_votes"), period_days=optional_int(form, "period_days"),
                    pool_id=optional_int(form, "pool"))
    flash(_("The decision rules are saved; they apply to proposals opened from now on."), "success")
    return redirect(url_for("governance.rules_page", pool=optional_int(form, "pool")))


# --- the public record ----------------------------------------------------------------------------------------

@bp.route("/pool/decisions")
def decisions():
    return render_template("governance/decisions.html", decisions=record.decisions(db.session, pool_ids=visible_pool_ids(db.session, reader())),
                           planned=record.planned_acquisitions(db.session, visible_pool_ids(db.session, reader())))


@bp.route("/pool/decisions/<id:proposal_id>")
def decision(proposal_id: int):
    proposal = proposals.get_proposal(db.session, proposal_id)
    if proposal.status not in record.DECIDED or proposal.pool_id not in visible_pool_ids(db.session, reader()):
        raise NotFound("No such decision.")
    return render_template("governance/decision.html", proposal=proposal,
                           ballot=record.public_ballot(db.session, proposal),
                           change=applying.applied_change(db.session, proposal.id),
                           zone=proposals.proposal_zone(db.session, proposal))


CSV_COLUMNS = ["id", "kind", "title", "result", "status", "opened_at", "closed_at", "method", "quorum_percent",
               "quorum_met", "eligible", "yes", "no", "abstain", "turnout", "turnout_percent", "public_votes",
               "applied_at", "votes"]


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no formula injection


@bp.route("/pool/decisions.csv")
def decisions_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for proposal in record.decisions(db.session, pool_ids=visible_pool_ids(db.session, reader())):
        d = record.decision_dict(proposal, record.public_ballot(db.session, proposal))
        d["votes"] = "" if d["votes"] is None else "; ".join(f"{v['name']}: {v['choice']}" for v in d["votes"])
        writer.writerow([_cell(d[c]) for c in CSV_COLUMNS])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="decisions.csv"'})


@bp.route("/pool/decisions.atom")
def decisions_atom():
    root = external_root()
    reads = read_only_session()
    items = [(p, record.public_ballot(reads, p))
             for p in record.decisions(reads, limit=100, pool_ids=visible_pool_ids(db.session, reader()))]
    body = decisions_feed(items, root, root + "/pool/decisions.atom", utcnow())
    return Response(body, mimetype="application/atom+xml")



# --- template helpers -----------------------------------------------------------------------------------------

_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


@bp.app_template_filter("linkify")
def linkify(text: str | None) -> Markup:
    """Plain text with its http(s) addresses as links; everything else escaped."""
    text, out, last = text or "", [], 0
    for found in _URL.finditer(text):
        out.append(escape(text[last:found.start()]))
        url = found.group()
        out.append(Markup('<a href="{0}" rel="nofollow noopener ugc">{0}</a>').format(url))
        last = found.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


@bp.app_context_processor
def _governance_helpers():
    return {"planned_acquisitions": lambda: record.planned_acquisitions(db.session, visible_pool_ids(db.session, reader()))}
