"""Text that people type (names, emails, notes, reasons) and the characters it may hold.

It arrives from forms, the API and CSV files. Control characters have no place in it: PostgreSQL cannot store
NUL in a text column at all, and the others (escape sequences, form feeds, backspaces) garble pages, exports,
calendars and logs. Multi-line text (notes, descriptions) may hold tabs and line breaks; a single line (a
name, an email, an address) holds none. Services check their text arguments before anything else, so a
refused value never reaches a query, and the message names the field.
"""
from __future__ import annotations

import re

from fleet.core.errors import ValidationFailed

# C0 controls except tab, line feed and carriage return (a browser sends a textarea's line breaks as CR LF).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_LINE_BREAK_OR_TAB = re.compile("[\t\n\r]")


def control_character(text: str) -> str | None:
    """The first control character in `text` that no text may hold, or None."""
    found = _CONTROL.search(text)
    return found.group() if found else None


def describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def shown(text: str) -> str:
    """`text` fit to repeat in a message: each control character replaced by U+FFFD."""
    return re.sub("[\x00-\x1f]", "\ufffd", text)


def _refuse_control(text: str, field: str | None) -> None:
    char = control_character(text)
    if char is not None:
        raise ValidationFailed("This text contains a control character (%(code)s), which is not allowed. "
                               "Remove it and try again.", field=field, code=describe(char))


def multi_line(text: str | None, field: str | None) -> str:
    """Multi-line text, stripped ('' for None); refused when it holds a control character other than tab and
    line breaks."""
    text = text or ""
    _refuse_control(text, field)
    return text.strip()


def single_line(text: str | None, field: str | None) -> str:
    """Single-line text, stripped: as `multi_line`, and a tab or line break inside it is refused too."""
    text = multi_line(text, field)
    if _LINE_BREAK_OR_TAB.search(text):
        raise ValidationFailed("Keep this to a single line: remove the line break or tab.", field=field)
    return text
