"""Authenticated encryption of sensitive values, and blind indexes for exact search.

Stored form: ``enc2:<key id>:<base64(nonce + ciphertext + tag)>`` with AES-256-GCM. The
associated data is the field's name (``app.model.field``), so a value copied into another
field does not decrypt. The key id is the first 8 hex digits of the key's SHA-256, so a
value names the key it needs without revealing it.

The plaintext is padded (ISO/IEC 7816-4: 0x80, then zeros) to a multiple of a block, so the
ciphertext's length does not give the value away: with a block longer than every choice of a
choice field, all its values encrypt to the same length. ``enc1`` values (unpadded, from
before) still decrypt; `backontrack rotate-keys` rewrites them as ``enc2``."""

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .keys import field_keys, index_key

PREFIX = "enc2"
UNPADDED_PREFIX = "enc1"
BLOCK = 16


class DecryptionError(Exception):
    pass


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def _pad(data: bytes, block: int) -> bytes:
    padded_length = (len(data) // block + 1) * block
    return data + b"\x80" + b"\x00" * (padded_length - len(data) - 1)


def _unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise DecryptionError("the value's padding is damaged")
    return stripped[:-1]


def encrypt(plaintext: str, *, context: str, block: int = BLOCK) -> str:
    key = field_keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, _pad(plaintext.encode(), block), context.encode())
    return f"{PREFIX}:{key_id(key)}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str) -> str:
    try:
        prefix, wanted, payload = token.split(":", 2)
    except ValueError as error:
        raise DecryptionError("not an encrypted value") from error
    if prefix not in (PREFIX, UNPADDED_PREFIX):
        raise DecryptionError("not an encrypted value")
    key = next((k for k in field_keys() if key_id(k) == wanted), None)
    if key is None:
        raise DecryptionError(f"key {wanted} is not among BACKONTRACK_FIELD_KEYS")
    raw = base64.b64decode(payload)
    try:
        opened = AESGCM(key).decrypt(raw[:12], raw[12:], context.encode())
    except InvalidTag as error:
        raise DecryptionError("the value was altered or belongs to another field") from error
    return (_unpad(opened) if prefix == PREFIX else opened).decode()


def encrypted_with_newest_key(token: str) -> bool:
    return token.startswith(f"{PREFIX}:{key_id(field_keys()[0])}:")


def blind_index(value: str, *, context: str) -> str:
    """A keyed hash for exact-match search: equal values give equal indexes, but the index
    reveals nothing about the value without the index key."""
    message = f"{context}\n{value}".encode()
    return hmac.new(index_key(), message, hashlib.sha256).hexdigest()
