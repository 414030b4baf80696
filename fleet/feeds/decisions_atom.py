"""The Atom feed (RFC 4287) of the pool's decisions, built with the standard library: one entry per closed
vote, with its result, turnout and a link to its facts. No member is named unless the vote was public."""
from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from fleet.governance.record import decision_dict, iso
from fleet.models import Proposal

ATOM = "http://www.w3.org/2005/Atom"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def entry_summary(d: dict) -> str:
    line = "%s: %s yes, %s no, %s abstain; turnout %s of %s (%s); quorum %s%% %s." % (
        d["result"], d["yes"], d["no"], d["abstain"], d["turnout"], d["eligible"], d["method"],
        d["quorum_percent"], "met" if d["quorum_met"] else "not met")
    if d["votes"]:
        line += " Votes: " + ", ".join(f"{v['name']} {v['choice']}" for v in d["votes"]) + "."
    return line


def decisions_feed(decisions: list[tuple[Proposal, list | None]], root_url: str, feed_url: str,
                   now: datetime) -> bytes:
    """`decisions` are (proposal, public ballot or None), newest first; `root_url` is the site's public address
    and `feed_url` the feed's own."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", feed_url)
    _sub(feed, "title", "Commonpool: decisions of the pool")
    updated = max((p.closed_at for p, _ in decisions if p.closed_at), default=now)
    _sub(feed, "updated", iso(updated))
    _sub(_sub(feed, "author"), "name", "Commonpool")
    _sub(feed, "link", rel="self", href=feed_url, type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=f"{root_url}/pool/decisions", type="text/html")
    for proposal, ballot in decisions:
        d = decision_dict(proposal, ballot)
        entry = _sub(feed, "entry")
        link = f"{root_url}/pool/decisions/{proposal.id}"
        _sub(entry, "id", link)
        _sub(entry, "title", f"{d['result'].capitalize()}: {proposal.title}")
        _sub(entry, "updated", iso(proposal.applied_at or proposal.closed_at))
        _sub(entry, "published", iso(proposal.closed_at))
        _sub(entry, "link", rel="alternate", href=link, type="text/html")
        _sub(entry, "category", term=proposal.kind.value)
        _sub(entry, "summary", entry_summary(d), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
