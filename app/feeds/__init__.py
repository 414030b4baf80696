"""Feeds other software reads: the iCalendar feeds (app.feeds.calendar) and the GBFS feed (app.feeds.gbfs) and
the Commons API documents (app.feeds.commons_api)."""
from flask import Blueprint

from app.feeds import calendar, commons_api, gbfs

bp = Blueprint("feeds", __name__)
bp.register_blueprint(calendar.bp)
bp.register_blueprint(gbfs.bp)
bp.register_blueprint(commons_api.bp)
