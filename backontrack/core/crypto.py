"""Authenticated encryption of sensitive values, and blind indexes for exact search.

Stored form: ``enc3:<key id>:<base64(nonce + ciphertext + tag)>`` with AES-256-GCM. The
associated data is the field's name (``app.model.field``) and the row's own random key
(``row_key``), so a value copied into another field, or into the same field of another
row, does not decrypt. The key id is the first 8 hex digits of the key's SHA-256, so a
value names the key it needs without revealing it.

The plaintext is padded (ISO/IEC 7816-4: 0x80, then zeros) to a multiple of a block, so the
ciphertext's length does not give the value away: with a block longer than every choice of a
choice field, all its values encrypt to the same length. Values from before are read only
where no row is given (by the migrations and `backontrack rotate-keys`, which rewrite them
as ``enc3``): ``enc2`` (padded, bound to the field only) and ``enc1`` (unpadded)."""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .keys import field_keys, index_key

PREFIX = "enc3"
FIELD_ONLY_PREFIX = "enc2"
UNPADDED_PREFIX = "enc1"
LEGACY_PREFIXES = (FIELD_ONLY_PREFIX, UNPADDED_PREFIX)
BLOCK = 16


class DecryptionError(Exception):
    pass


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@lru_cache(maxsize=8)
def _ciphers(keys: tuple[bytes, ...]) -> dict[str, AESGCM]:
    """The cipher of each key by its id (the newest key wins an id two keys share), made
    once for a list of keys rather than for every value opened."""
    return {key_id(key): AESGCM(key) for key in reversed(keys)}


def _pad(data: bytes, block: int) -> bytes:
    padded_length = (len(data) // block + 1) * block
    return data + b"\x80" + b"\x00" * (padded_length - len(data) - 1)


def _unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise DecryptionError("the value's padding is damaged")
    return stripped[:-1]


def _associated_data(context: str, row: str) -> bytes:
    return f"{context}\x1f{row}".encode()


def encrypt(plaintext: str, *, context: str, row: str | None, block: int = BLOCK) -> str:
    """Seal a value of the field `context` in the row whose row key is `row`. Only the
    migrations that ran before rows had keys seal with `row=None` (as ``enc2``); a later
    migration binds those values to their rows, and a field never opens them."""
    key = field_keys()[0]
    nonce = os.urandom(12)
    padded = _pad(plaintext.encode(), block)
    if row is None:
        sealed = AESGCM(key).encrypt(nonce, padded, context.encode())
        return f"{FIELD_ONLY_PREFIX}:{key_id(key)}:{base64.b64encode(nonce + sealed).decode()}"
    sealed = AESGCM(key).encrypt(nonce, padded, _associated_data(context, row))
    return f"{PREFIX}:{key_id(key)}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str, row: str | None) -> str:
    """Open a value of the field `context` in the row `row`. Values from before row
    binding open only with `row=None`, which is for the tools that rewrite them."""
    try:
        prefix, wanted, payload = token.split(":", 2)
    except ValueError as error:
        raise DecryptionError("not an encrypted value") from error
    if prefix == PREFIX and not row:
        raise DecryptionError("the value is bound to a row, and no row was given")
    if prefix in LEGACY_PREFIXES and row:
        raise DecryptionError(
            "the value is not bound to its row yet: run `backontrack migrate`, then "
            "`backontrack rotate-keys`"
        )
    if prefix not in (PREFIX, *LEGACY_PREFIXES):
        raise DecryptionError("not an encrypted value")
    cipher = _ciphers(tuple(field_keys())).get(wanted)
    if cipher is None:
        raise DecryptionError(f"key {wanted} is not among BACKONTRACK_FIELD_KEYS")
    raw = base64.b64decode(payload)
    data = _associated_data(context, row) if row else context.encode()
    try:
        opened = cipher.decrypt(raw[:12], raw[12:], data)
    except InvalidTag as error:
        raise DecryptionError("the value was altered or belongs to another field or row") from error
    return (opened if prefix == UNPADDED_PREFIX else _unpad(opened)).decode()


def encrypted_with_newest_key(token: str) -> bool:
    return token.startswith(f"{PREFIX}:{key_id(field_keys()[0])}:")


def blind_index(value: str, *, context: str) -> str:
    """A keyed hash for exact-match search: equal values give equal indexes, but the index
    reveals nothing about the value without the index key."""
    message = f"{context}\n{value}".encode()
    return hmac.new(index_key(), message, hashlib.sha256).hexdigest()
