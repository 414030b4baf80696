"""Signed requests between installations (RFC 9421 with Ed25519, Content-Digest of RFC 9530): a signed request
verifies; a changed body, method, address or header, an expired or future signature, an unknown key or a
signature over fewer components is refused; a replayed nonce is refused by the lending side."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fleet.federation.signatures import SignatureRefused, content_digest, sign_request, verify_request

URL = "http://127.0.0.1:5001/federation/v1/bookings"
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)
CREATED = int(NOW.timestamp())


@pytest.fixture
def key():
    return Ed25519PrivateKey.generate()


def signed(key, body=b'{"item_id": "7"}', created=CREATED, nonce="n-1"):
    return sign_request(key, "partner-key", "POST", URL, body, "application/json", created, nonce)


def verify(key, headers, body=b'{"item_id": "7"}', method="POST", url=URL, known=True, window=300):
    lookup = (lambda key_id: key.public_key() if key_id == "partner-key" else None) if known else (lambda key_id: None)
    return verify_request(method, url, headers, body, lookup, NOW, window)


def test_a_signed_request_verifies_and_names_its_key_and_nonce(key):
    verified = verify(key, signed(key))
    assert (verified.key_id, verified.nonce, verified.created) == ("partner-key", "n-1", CREATED)


def test_the_digest_is_rfc_9530_sha_256():
    # RFC 9530 appendix D.1's example body and value
    assert content_digest(b'{"hello": "world"}') == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"


def test_the_signature_input_covers_the_four_components_and_the_parameters(key):
    headers = signed(key)
    assert headers["Signature-Input"] == ('sig1=("@method" "@target-uri" "content-digest" "content-type")'
                                          f';created={CREATED};keyid="partner-key";nonce="n-1";alg="ed25519"')
    assert headers["Signature"].startswith("sig1=:") and headers["Signature"].endswith(":")


@pytest.mark.parametrize("change", ["body", "digest_and_body", "method", "url", "content_type"])
def test_a_tampered_request_is_refused(key, change):
    headers, body, method, url = signed(key), b'{"item_id": "7"}', "POST", URL
    if change == "body":
        body = b'{"item_id": "8"}'
    elif change == "digest_and_body":  # a consistent digest does not help: the signature covers it
        body = b'{"item_id": "8"}'
        headers["Content-Digest"] = content_digest(body)
    elif change == "method":
        method = "PUT"
    elif change == "url":
        url = URL.replace("5001", "5002")
    else:
        headers["Content-Type"] = "text/plain"
    with pytest.raises(SignatureRefused):
        verify(key, headers, body=body, method=method, url=url)


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_signature_outside_the_window_is_refused(key, offset):
    with pytest.raises(SignatureRefused, match="window"):
        verify(key, signed(key, created=CREATED + offset))
    verify(key, signed(key, created=CREATED + offset // 2))  # inside it: fine


def test_an_unknown_key_or_another_keys_signature_is_refused(key):
    with pytest.raises(SignatureRefused, match="active partner"):
        verify(key, signed(key), known=False)
    with pytest.raises(SignatureRefused, match="does not verify"):
        verify(key, signed(Ed25519PrivateKey.generate()))


def test_a_signature_over_fewer_components_is_refused(key):
    headers = signed(key)
    headers["Signature-Input"] = headers["Signature-Input"].replace(' "content-type"', "")
    with pytest.raises(SignatureRefused, match="cover"):
        verify(key, headers)


def test_missing_or_garbled_headers_are_refused(key):
    for name in ("Signature", "Signature-Input", "Content-Digest"):
        headers = signed(key)
        del headers[name]
        with pytest.raises(SignatureRefused):
            verify(key, headers)
    headers = signed(key)
    headers["Signature"] = "sig1=:" + base64.b64encode(b"x" * 64).decode() + ":"
    with pytest.raises(SignatureRefused):
        verify(key, headers)


def test_headers_are_read_whatever_their_case(key):
    headers = {k.lower(): v for k, v in signed(key).items()}
    assert verify(key, headers).nonce == "n-1"


def test_replays_are_refused_by_the_lending_side(session, make):
    """The nonce is the lending side's to remember: the same signed request twice is refused the second time."""
    from fleet.federation.keys import key_id_for
    from fleet.federation.partner_bookings import accept_signed
    from fleet.federation.partners import PartnerInput, register_partner
    from fleet.models import Role
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    partner_key = Ed25519PrivateKey.generate()
    raw = partner_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    coordinator = make.member(role=Role.admin)
    register_partner(session, coordinator, PartnerInput("Town B", "http://127.0.0.1:9", key_id_for(raw),
                                                        base64.b64encode(raw).decode()), NOW)
    body = json.dumps({"idempotency_key": "k" * 12}).encode()
    headers = sign_request(partner_key, key_id_for(raw), "POST", URL, body, "application/json", CREATED, "once")
    assert accept_signed(session, "POST", URL, headers, body, NOW, 300).name == "Town B"
    with pytest.raises(SignatureRefused, match="seen before"):
        accept_signed(session, "POST", URL, headers, body, NOW, 300)
