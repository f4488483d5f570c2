"""Secrets kept apart from SECRET_KEY and from the database: the audit-chain key, the
field-encryption keys, the blind-index key and the key of the evaluators' pseudonyms.

Each comes from the environment (or NAME_FILE). Without it, a key is generated once into
`var/` (mode 0600) so that demos, tests and developers need no set-up; the deploy checks
warn when a key comes from there, so production sets them explicitly."""

import base64
import os
import secrets
from functools import cache
from pathlib import Path

from django.conf import settings


def _from_var(name: str, make: str) -> str:
    var_dir = Path(settings.VAR_DIR)
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / name
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(make)
    return path.read_text().strip()


def _env(name: str) -> str | None:
    if value := os.environ.get(name):
        return value
    if path := os.environ.get(f"{name}_FILE"):
        return Path(path).read_text().strip()
    return None


def _new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def keys_from_environment() -> dict[str, bool]:
    return {
        name: _env(name) is not None
        for name in (
            "BACKONTRACK_AUDIT_KEY",
            "BACKONTRACK_FIELD_KEYS",
            "BACKONTRACK_INDEX_KEY",
            "BACKONTRACK_PSEUDONYM_KEY",
        )
    }


def _decode(value: str) -> bytes:
    key = base64.urlsafe_b64decode(value.encode())
    if len(key) != 32:
        raise ValueError("Each Back on Track key is 32 bytes, URL-safe base64 encoded.")
    return key


@cache
def audit_key() -> bytes:
    return _decode(_env("BACKONTRACK_AUDIT_KEY") or _from_var("audit-key", _new_key()))


@cache
def index_key() -> bytes:
    return _decode(_env("BACKONTRACK_INDEX_KEY") or _from_var("index-key", _new_key()))


@cache
def pseudonym_key() -> bytes:
    """Keys the pseudonyms of the evaluators' data set: apart from the blind index's, so that
    a pseudonym cannot be matched against a personal ID number's index."""
    return _decode(_env("BACKONTRACK_PSEUDONYM_KEY") or _from_var("pseudonym-key", _new_key()))


@cache
def field_keys() -> list[bytes]:
    """The field-encryption keys, newest first: new values use the first; the others are
    still read, until `backontrack rotate-keys` has moved every value to the newest."""
    raw = _env("BACKONTRACK_FIELD_KEYS") or _from_var("field-keys", _new_key())
    return [_decode(part.strip()) for part in raw.split(",") if part.strip()]


def clear_cache() -> None:
    audit_key.cache_clear()
    index_key.cache_clear()
    pseudonym_key.cache_clear()
    field_keys.cache_clear()
