"""The layers of docs/architecture.md: fleet never imports flask; scheduling imports neither flask nor sqlalchemy."""
from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import fleet


def imported_after(module_names: list[str]) -> set[str]:
    code = ("import sys, importlib\n"
            f"for name in {module_names!r}: importlib.import_module(name)\n"
            "print('\\n'.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_fleet_does_not_import_flask():
    # With the prefix, subpackages are imported as fleet.x (without it, a tests/x folder could shadow them).
    names = ["fleet"] + [m.name for m in pkgutil.walk_packages(fleet.__path__, prefix="fleet.") if not m.ispkg]
    names += ["fleet.models"]
    modules = imported_after(names)
    assert not {m for m in modules if m == "flask" or m.startswith(("flask.", "flask_"))}
    assert "app" not in modules


def test_scheduling_imports_neither_flask_nor_sqlalchemy():
    pytest.importorskip("scheduling")
    modules = imported_after(["scheduling"])
    assert "flask" not in modules and "sqlalchemy" not in modules
