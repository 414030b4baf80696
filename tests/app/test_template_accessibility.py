"""Static checks on the templates for what axe-core reports as minor and is easy to miss on pages the
browser journeys do not visit."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


def test_no_table_header_cell_is_empty():
    """An empty <th> leaves a screen reader with a column of nothing (axe: empty-table-header); a column of
    buttons gets a visually hidden name instead."""
    empty = re.compile(r"<th\b[^>]*>\s*</th>")
    found = [f"{path.relative_to(TEMPLATES)}:{text.count(chr(10), 0, m.start()) + 1}"
             for path in TEMPLATES.rglob("*.html") for text in [path.read_text()] for m in empty.finditer(text)]
    assert not found, f"empty table header cells: {found}"
