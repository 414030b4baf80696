"""This installation's Ed25519 key pair: made once, kept in the database (InstallationKey); the public key and
its id are published, the private key signs requests to partners and is never put in any document."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fleet.core.errors import ValidationFailed
from fleet.models import InstallationKey


KEY_ROW = 1


def key_id_for(public_raw: bytes) -> str:
    """A key's id: the start of its SHA-256, so that a new key gets a new id."""
    return "ed25519-" + hashlib.sha256(public_raw).hexdigest()[:24]


def installation_key(session: Session, now: datetime) -> InstallationKey:
    """The installation's key pair, made on first use. It is row 1: two processes making it at once both insert
    that row, one wins and the other reads the winner's, so the installation never has two keys."""
    key = session.get(InstallationKey, KEY_ROW)
    if key is not None:
        return key
    private = Ed25519PrivateKey.generate()
    public_raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    private_raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    try:
        with session.begin_nested():
            key = InstallationKey(id=KEY_ROW, key_id=key_id_for(public_raw),
                                  public_key=base64.b64encode(public_raw).decode(),
                                  private_key=base64.b64encode(private_raw).decode(), created_at=now)
            session.add(key)
    except IntegrityError:
        key = session.get(InstallationKey, KEY_ROW, populate_existing=True)
    return key


def private_key_of(key: InstallationKey) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(key.private_key))


def public_key_from(text: str) -> Ed25519PublicKey:
    """A public key given as base64 of its 32 raw bytes; a ValidationFailed when it is not one."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        if len(raw) != 32:
            raise ValueError
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise ValidationFailed("The public key must be an Ed25519 key: 32 bytes in base64.",
                               field="public_key") from None
