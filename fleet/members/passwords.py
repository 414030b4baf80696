"""The password policy: long enough, and not easy to guess.

Guessability is estimated offline by zxcvbn (Dropbox's estimator: frequency lists of common passwords, words and
names, keyboard patterns, sequences, repeats, dates), with the member's own email and name and the site's name as
extra words, so "password12", "qwertyuiop", "aaaaaaaaaa" or one's own address are refused. The message says
why, in words a member can act on.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from zxcvbn import zxcvbn

from fleet.core.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 1024
# zxcvbn's score: 3 is "safely unguessable", about 10^8 guesses or more. Below that an offline attack on a
# stolen hash, or a slow online one, is expected to find it.
MIN_SCORE = 3
# zxcvbn refuses to estimate beyond 72 characters (its cost grows with length); a longer password is judged by
# its start, which is where a weak one gives itself away.
ESTIMATED_PREFIX = 64
SITE_NAME = "Commonpool"


def _words(values: Iterable[str]) -> list[str]:
    """Each value whole and split at non-letters ("ada.l@example.org" -> also "ada", "example"); very short
    parts would match inside every password, so they are left out."""
    words: set[str] = set()
    for value in values:
        value = (value or "").strip().lower()
        if not value:
            continue
        words.add(value)
        words.update(part for part in re.split(r"[^\w]+|_", value) if len(part) >= 3)
        if "@" in value:
            words.add(value.split("@", 1)[0])
    return sorted(words)


def check_password_strength(password: str, *, email: str = "", name: str = "",
                            site_names: Iterable[str] = ()) -> None:
    """Raise ValidationFailed (field "password") unless the password is long enough and hard to guess for
    someone who knows the member's email, name and the site it is for."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed("Use at least %(count)s characters for the password.", field="password",
                               count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise ValidationFailed("That password is too long.", field="password")
    inputs = _words([email, name, SITE_NAME, *site_names])
    estimated = password[:ESTIMATED_PREFIX]
    result = zxcvbn(estimated, user_inputs=inputs)
    matches = result.get("sequence") or []
    personal = sum(len(m["token"]) for m in matches if m.get("dictionary_name") == "user_inputs")
    # Mostly the member's own data ("utrecht-deelpool" for a pool of that name) is refused even when the
    # estimate is high: whoever targets this account starts from exactly those words.
    if result["score"] >= MIN_SCORE and personal * 2 <= len(estimated):
        return
    if personal:
        raise ValidationFailed("The password must not be built from your name, your email address or the "
                               "site's name.", field="password")
    if any(m.get("dictionary_name") == "passwords" for m in matches):
        raise ValidationFailed("That is one of the most common passwords. Choose one nobody else would.",
                               field="password")
    if any(m.get("pattern") in ("repeat", "sequence", "spatial") for m in matches):
        raise ValidationFailed("Repeated characters, sequences like 12345 and keyboard rows like qwerty are easy "
                               "to guess. Choose something else.", field="password")
    raise ValidationFailed("That password is easy to guess. A few unrelated words make a strong one.",
                           field="password")
