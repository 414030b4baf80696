"""The password policy refuses common passwords, keyboard patterns, repeats and passwords built from the member's
own email, name or the site's name, offline, and says why."""
from __future__ import annotations

import pytest

from fleet.core.errors import ValidationFailed
from fleet.demo import DEMO_PASSWORD
from fleet.members.passwords import check_password_strength

MEMBER = {"email": "ada.lovelace@example.org", "name": "Ada Lovelace", "site_names": ("Utrecht Deelpool",)}


@pytest.mark.parametrize("password,why", [
    ("password12", "most common passwords"),
    ("1234567890", "most common passwords"),
    ("qwertyuiop", "most common passwords"),
    ("aaaaaaaaaa", "Repeated characters"),
    ("ada.lovelace@example.org", "name, your email address or the site's name"),
    ("lovelace1815", "name, your email address or the site's name"),
    ("commonpool2026", "name, your email address or the site's name"),
    ("deelpool-utrecht", "name, your email address or the site's name"),
    ("abcdefghijk", "Repeated characters, sequences"),
    ("zxcvbnmasdf", "most common passwords"),
    ("short", "at least 10 characters"),
    ("x" * 1025, "too long"),
    ("a" * 1000, "Repeated characters"),
])
def test_weak_passwords_are_refused_with_the_reason(password, why):
    with pytest.raises(ValidationFailed) as refused:
        check_password_strength(password, **MEMBER)
    assert refused.value.field == "password"
    assert why in refused.value.message


@pytest.mark.parametrize("password", ["correct horse battery", "purple tractor lends wool", "Kq8#vT2m!pLz",
                                      "hazelnut orbit kettle 49", "ada likes orbit kettles"])
def test_strong_passwords_pass(password):
    check_password_strength(password, **MEMBER)


def test_the_demo_password_would_fail_the_policy_so_the_loader_bypasses_it():
    with pytest.raises(ValidationFailed):
        check_password_strength(DEMO_PASSWORD, email="admin@demo.commonpool.org", name="Admin")


def test_estimating_is_offline(monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the password policy must not use the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    check_password_strength("purple tractor lends wool", **MEMBER)
