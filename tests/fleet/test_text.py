"""The characters text people type may hold (fleet/core/text.py)."""
from __future__ import annotations

import pytest

from fleet.core.errors import ValidationFailed
from fleet.core.text import control_character, multi_line, shown, single_line


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f"])
def test_control_characters_are_refused_everywhere(char):
    for check in (single_line, multi_line):
        with pytest.raises(ValidationFailed) as refused:
            check(f"a{char}b", "note")
        assert refused.value.field == "note" and f"U+{ord(char):04X}" in refused.value.message


def test_tabs_and_line_breaks_only_in_multi_line_text():
    assert multi_line("  one\r\n\ttwo  ", "note") == "one\r\n\ttwo"
    for text in ("one\ntwo", "one\rtwo", "one\ttwo"):
        with pytest.raises(ValidationFailed, match="single line"):
            single_line(text, "name")
    assert single_line(" Mia \n", "name") == "Mia"  # surrounding space, a trailing newline included, is stripped
    assert single_line(None, "name") == multi_line(None, "note") == ""


def test_other_text_is_left_alone():
    text = "Ünïcödé — 漢字 🚲 \x7f \u200b"
    assert control_character(text) is None and single_line(text, "name") == text.strip()
    assert shown("a\x00b\nc") == "a\ufffdb\ufffdc"
