"""Feeds other software reads: the iCalendar feeds (app.feeds.calendar) and the GBFS feed (app.feeds.gbfs)."""
from flask import Blueprint

from app.feeds import calendar, gbfs

bp = Blueprint("feeds", __name__)
bp.register_blueprint(calendar.bp)
bp.register_blueprint(gbfs.bp)
