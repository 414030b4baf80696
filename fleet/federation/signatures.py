"""HTTP Message Signatures (RFC 9421) with Ed25519, and Content-Digest (RFC 9530), for requests between
installations.

What is signed, as the signature base of RFC 9421 section 2.5: the components `@method`, `@target-uri`,
`content-digest` and `content-type`, and the parameters `created` (Unix seconds), `keyid`, `nonce` and
`alg="ed25519"`. The label is `sig1`. A verifier refuses a request when the signature is missing or does not
cover those components, the key is unknown (`lookup` gives None: no ACTIVE partner has it), `created` is
outside the window (either way: a clock ahead is refused too), the Content-Digest does not match the body
(tampered), or the signature does not verify. The nonce is returned; refusing one seen before (a replay) is
the caller's, who keeps them (fleet.federation.partner_bookings).

Pure functions: no database, no HTTP library; headers are a case-insensitive mapping or a plain dict.
"""
from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

LABEL = "sig1"
COMPONENTS = ("@method", "@target-uri", "content-digest", "content-type")
ALGORITHM = "ed25519"


class SignatureRefused(Exception):
    """The request's signature cannot be accepted; the message says why (for logs and the 401 answer)."""


@dataclass(frozen=True)
class Verified:
    key_id: str
    nonce: str
    created: int


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def content_digest(body: bytes) -> str:
    """The Content-Digest field value (RFC 9530) of a body: SHA-256 as a structured byte sequence."""
    return f"sha-256=:{b64(hashlib.sha256(body).digest())}:"


def _params(created: int, key_id: str, nonce: str) -> str:
    components = " ".join(f'"{c}"' for c in COMPONENTS)
    return f'({components});created={created};keyid="{key_id}";nonce="{nonce}";alg="{ALGORITHM}"'


def signature_base(method: str, target_uri: str, digest: str, content_type: str, params: str) -> bytes:
    """The signature base (RFC 9421 section 2.5) over the four covered components."""
    values = {"@method": method.upper(), "@target-uri": target_uri, "content-digest": digest,
              "content-type": content_type}
    lines = [f'"{c}": {values[c]}' for c in COMPONENTS]
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines).encode()


def sign_request(private_key: Ed25519PrivateKey, key_id: str, method: str, target_uri: str, body: bytes,
                 content_type: str, created: int, nonce: str | None = None) -> dict[str, str]:
    """The headers that sign a request: Content-Digest, Content-Type, Signature-Input and Signature."""
    nonce = nonce or secrets.token_urlsafe(18)
    digest = content_digest(body)
    params = _params(created, key_id, nonce)
    signature = private_key.sign(signature_base(method, target_uri, digest, content_type, params))
    return {"Content-Digest": digest, "Content-Type": content_type,
            "Signature-Input": f"{LABEL}={params}", "Signature": f"{LABEL}=:{b64(signature)}:"}


_INPUT = re.compile(r'^\s*sig1=\((?P<components>[^)]*)\)(?P<params>(;[a-z]+=("[^"]*"|\d+))*)\s*$')
_PARAM = re.compile(r';([a-z]+)=("([^"]*)"|(\d+))')
_SIGNATURE = re.compile(r"^\s*sig1=:(?P<value>[A-Za-z0-9+/=]+):\s*$")


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    if value is None:
        raise SignatureRefused(f"The {name} header is missing.")
    return value


def verify_request(method: str, target_uri: str, headers: Mapping[str, str], body: bytes,
                   lookup: Callable[[str], Ed25519PublicKey | None], now: datetime, window_seconds: int) -> Verified:
    """Check a signed request (see the module's docstring); the key id, nonce and time it was made."""
    signature_input = _header(headers, "Signature-Input")
    matched = _INPUT.match(signature_input)
    if matched is None:
        raise SignatureRefused("The Signature-Input header is not one sig1 signature this installation reads.")
    components = tuple(c.strip('"') for c in matched["components"].split())
    if components != COMPONENTS:
        raise SignatureRefused("The signature must cover @method, @target-uri, content-digest and content-type.")
    params = {m[1]: (m[3] if m[3] is not None else int(m[4])) for m in _PARAM.finditer(matched["params"])}
    if params.get("alg") != ALGORITHM or not isinstance(params.get("created"), int) \
            or not params.get("keyid") or not params.get("nonce"):
        raise SignatureRefused("The signature needs alg=ed25519, created, keyid and nonce.")
    created, key_id, nonce = params["created"], params["keyid"], params["nonce"]
    if abs(now.timestamp() - created) > window_seconds:
        raise SignatureRefused("The signature was not made within the accepted window.")
    public_key = lookup(key_id)
    if public_key is None:
        raise SignatureRefused("The key is not an active partner's.")
    digest = _header(headers, "Content-Digest")
    if digest.strip() != content_digest(body):
        raise SignatureRefused("The Content-Digest does not match the body.")
    signature = _SIGNATURE.match(_header(headers, "Signature"))
    if signature is None:
        raise SignatureRefused("The Signature header is not one sig1 signature.")
    base = signature_base(method, target_uri, digest.strip(), _header(headers, "Content-Type"),
                          signature_input.split("=", 1)[1].strip())
    try:
        public_key.verify(base64.b64decode(signature["value"]), base)
    except (InvalidSignature, ValueError):
        raise SignatureRefused("The signature does not verify.") from None
    return Verified(key_id, nonce, created)
