"""Template helpers: local-time formatting in a hub's zone, durations, labels."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app

from fleet.localtime import to_local


def init_templating(app: Flask) -> None:
    @app.context_processor
    def _helpers():
        return {"has_endpoint": lambda name: name in app.view_functions}

    @app.template_filter("local")
    def _local(instant: datetime | None, zone_name: str | None = None, fmt: str = "%a %d %b %Y %H:%M") -> str:
        if instant is None:
            return ""
        local = to_local(instant, zone_name or current_app.config["DEFAULT_TIMEZONE"])
        return local.strftime(fmt)

    @app.template_filter("input_local")
    def _input_local(instant: datetime | None, zone_name: str | None = None) -> str:
        if instant is None:
            return ""
        return to_local(instant, zone_name or current_app.config["DEFAULT_TIMEZONE"]).strftime("%Y-%m-%dT%H:%M")

    @app.template_filter("duration")
    def _duration(minutes: float) -> str:
        minutes = int(minutes)
        days, rest = divmod(minutes, 1440)
        hours, mins = divmod(rest, 60)
        parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins else ""]
        return " ".join(p for p in parts if p) or "0 min"

    @app.template_filter("km")
    def _km(value: float | None) -> str:
        return "" if value is None else (f"{value:.1f} km" if value < 100 else f"{value:.0f} km")

    @app.template_filter("money")
    def _money(minor: int | None, currency: str = "EUR") -> str:
        return "" if minor is None else f"{currency} {minor // 100:,}.{minor % 100:02d}"

    @app.template_filter("status_label")
    def _status_label(value) -> str:
        return str(getattr(value, "value", value)).replace("_", " ")
