"""End-to-end tests in real Chromium (Debian's package, never a downloaded browser) driven by Playwright.

A live server runs the real app (CSRF on) in a thread on a free loopback port, on its own SQLite database
with the demo community. Each step is saved as a screenshot at phone and desktop size under
`.e2e-screenshots/` (listed at the end of the run). Without Chromium the tests are skipped with the reason;
with CI=true Chromium is required.
"""
from __future__ import annotations

import os
import shutil
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).resolve().parents[2] / ".e2e-screenshots"
# The sizes members and coordinators were seen using: a common phone and a laptop screen.
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
PASSWORD = "commonpool-demo"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError("CI needs Chromium for the end-to-end tests: apt-get install chromium")
    skip = pytest.mark.skip(reason="Chromium is not installed here (apt-get install chromium); CI installs it")
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db
    from fleet.demo import load_demo

    path = tmp_path_factory.mktemp("e2e") / "e2e.sqlite"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "WTF_CSRF_ENABLED": True,
                                 "LOGIN_MAX_FAILURES_PER_ADDRESS": 1000})
    with app.app_context():
        upgrade()
        load_demo(db.session, datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0))
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    shutil.rmtree(SHOTS, ignore_errors=True)  # the folder holds the last run's screenshots, no stale ones
    with sync_playwright() as p:
        # The flags keep Chromium off the network: this machine allows no outside connections.
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()
    if SHOTS.exists():
        print(f"\n[e2e] {len(list(SHOTS.rglob('*.png')))} screenshots in {SHOTS}")
    if AXE_LOG:
        _write_axe_summary()


# Every axe-core run of the session: (test, viewport, page state, violations), written next to the screenshots.
AXE_LOG: list[dict] = []


def _write_axe_summary() -> None:
    import json

    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "axe-results.json").write_text(json.dumps(AXE_LOG, indent=1))
    lines = ["test | viewport | page state | critical | serious | moderate | minor | rules"]
    for run in AXE_LOG:
        counts = {level: sum(1 for v in run["violations"] if v["impact"] == level)
                  for level in ("critical", "serious", "moderate", "minor")}
        rules = ", ".join(sorted({v["id"] for v in run["violations"]})) or "-"
        lines.append(f"{run['test']} | {run['viewport']} | {run['state']} | {counts['critical']} | "
                     f"{counts['serious']} | {counts['moderate']} | {counts['minor']} | {rules}")
    (SHOTS / "axe-summary.txt").write_text("\n".join(lines) + "\n")
    print(f"[e2e] axe-core: {len(AXE_LOG)} page states checked; summary in {SHOTS / 'axe-summary.txt'}")


class Visit:
    """One user's browser at one viewport, with screenshots per step and an accessibility check."""

    def __init__(self, browser, base: str, viewport: str, test_name: str):
        self.base, self.viewport, self.test_name = base, viewport, test_name
        self.context = browser.new_context(viewport=VIEWPORTS[viewport], bypass_csp=False)
        self.page = self.context.new_page()
        self.step = 0
        self.axe_results: list[tuple[str, list]] = []

    def go(self, path: str):
        response = self.page.goto(self.base + path)
        assert response.status < 500, f"{path} answered {response.status}"
        return response

    def shot(self, name: str) -> None:
        self.step += 1
        folder = SHOTS / self.test_name
        folder.mkdir(parents=True, exist_ok=True)
        # The whole page, by making the viewport as tall as the document: Playwright's own full_page capture
        # leaves Chromium's input coordinates off on a narrow viewport (the next click misses its target).
        size = VIEWPORTS[self.viewport]
        height = self.page.evaluate("Math.ceil(document.documentElement.scrollHeight)")
        self.page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        try:
            self.page.screenshot(path=str(folder / f"{self.step:02d}-{name}-{self.viewport}.png"))
        finally:
            self.page.set_viewport_size(size)

    def login(self, who: str) -> None:
        self.go("/login")
        self.page.fill("#email", f"{who}@demo.commonpool.org")
        self.page.fill("#password", PASSWORD)
        self.page.click("form.card button[type=submit]")
        assert "/login" not in self.page.url

    def axe(self, label: str) -> list:
        """Run axe-core on the current page; returns serious and critical violations."""
        # The CSP forbids inline scripts (rightly), so axe runs in an isolated world through evaluate.
        self.page.evaluate(AXE.read_text())
        result = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        self.axe_results.append((label, result["violations"]))
        AXE_LOG.append({"test": self.test_name, "viewport": self.viewport, "state": label,
                        "violations": [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                                        "nodes": len(v["nodes"])} for v in result["violations"]]})
        return bad

    def close(self) -> None:
        self.context.close()


@pytest.fixture(params=list(VIEWPORTS))
def visit(request, browser, live_server):
    base, _app = live_server
    v = Visit(browser, base, request.param, request.node.originalname)
    yield v
    v.close()
