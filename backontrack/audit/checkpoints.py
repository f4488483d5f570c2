"""Checkpoints: signed copies of the audit chain's head kept outside the database.

The chain proves that no event was changed, inserted or removed in the middle, but someone
who can write to the database can cut the newest events off and wind the head row back (or
empty the tables), and the shorter chain is still consistent. A checkpoint written earlier
to a place the database's owner cannot rewrite says how far the chain reached, so
`verify-audit` notices the loss.

One checkpoint is one line of JSON, signed with a key derived from the audit key: the
signature shows it was written by Back on Track, not by whoever could edit the file. In a
syslog message the same JSON follows the tag, so a file of the collected messages can be
checked as it is."""

import hashlib
import hmac
import json
import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from logging.handlers import SysLogHandler
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.core.keys import audit_key

VERSION = 1
SYSLOG_TAG = "backontrack-audit-checkpoint"
# Domain separation: a checkpoint's signature can never stand in for an event's hash, which
# is an HMAC under the audit key itself.
_KEY_LABEL = b"backontrack audit checkpoint v1"


@dataclass(frozen=True)
class Checkpoint:
    at: datetime
    last_event_id: int
    last_hash: str
    events: int

    def payload(self) -> dict[str, object]:
        return {
            "v": VERSION,
            "at": self.at.astimezone(UTC).isoformat(timespec="seconds"),
            "last_event_id": self.last_event_id,
            "last_hash": self.last_hash,
            "events": self.events,
        }

    def line(self) -> str:
        payload = self.payload()
        return json.dumps({**payload, "sig": _signature(payload)}, separators=(",", ":"))

    def same_head(self, other: "Checkpoint | None") -> bool:
        return (
            other is not None
            and other.last_event_id == self.last_event_id
            and other.last_hash == self.last_hash
        )

    def describe(self) -> str:
        return _("the checkpoint of %(time)s (%(count)s events, up to event %(id)s)") % {
            "time": timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M:%S"),
            "count": self.events,
            "id": self.last_event_id,
        }


def configured_file() -> Path | None:
    path = settings.BACKONTRACK_AUDIT_CHECKPOINT_FILE
    return Path(path) if path else None


def _key() -> bytes:
    return hmac.new(audit_key(), _KEY_LABEL, hashlib.sha256).digest()


def _signature(payload: dict[str, object]) -> str:
    message = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def parse(text: str) -> Checkpoint:
    """One line of a checkpoint file or of a collected syslog file. Raises ValueError."""
    start = text.find("{")
    if start < 0:
        raise ValueError(_("it is not a checkpoint"))
    try:
        data = json.loads(text[start:].rstrip("\x00\r\n "))
        signature = data.pop("sig")
        if data.get("v") != VERSION:
            raise ValueError(_("it is not a checkpoint"))
        checkpoint = Checkpoint(
            at=datetime.fromisoformat(data["at"]),
            last_event_id=int(data["last_event_id"]),
            last_hash=str(data["last_hash"]),
            events=int(data["events"]),
        )
    except (json.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as error:
        raise ValueError(_("it is not a checkpoint")) from error
    if checkpoint.payload() != data or not hmac.compare_digest(
        str(signature), _signature(checkpoint.payload())
    ):
        raise ValueError(
            _("its signature is wrong (it was altered, or not written with this audit key)")
        )
    return checkpoint


def read(path: Path) -> tuple[list[Checkpoint], list[str]]:
    """The file's checkpoints in the order written, and a sentence for each line that is
    not a checkpoint with a good signature."""
    found: list[Checkpoint] = []
    problems: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                found.append(parse(text))
            except ValueError as error:
                problems.append(
                    _(
                        "The checkpoint file %(path)s is not as written: on line %(line)s, "
                        "%(reason)s. Report this at once."
                    )
                    % {"path": path, "line": number, "reason": error}
                )
    return found, problems


def latest(path: Path) -> Checkpoint | None:
    """The last checkpoint in the file, if it is readable: the file only grows, so reading
    its end is enough."""
    if not path.exists():
        return None
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 4096))
        lines = handle.read().decode("utf-8", errors="replace").splitlines()
    for text in reversed(lines):
        if text.strip():
            try:
                return parse(text)
            except ValueError:
                return None
    return None


def append(path: Path, checkpoint: Checkpoint) -> None:
    """Append one line and wait until it is on disk. Opened for appending only, so the file
    may be append-only (`chattr +a`)."""
    created = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        # One write() of one short line: never interleaved with another writer's line.
        os.write(fd, (checkpoint.line() + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


class _RaisingSysLogHandler(SysLogHandler):
    # SysLogHandler reports a failed send by printing it; a checkpoint that did not leave
    # must fail the command instead.
    def handleError(self, record: logging.LogRecord) -> None:
        raise  # re-raises: SysLogHandler.emit calls this from its except block


def send_to_syslog(address: str, checkpoint: Checkpoint) -> None:
    """`address` is a local socket path (`/dev/log`) or `udp://host:port` / `tcp://host:port`
    for a remote collector."""
    target: str | tuple[str, int] = address
    kind = socket.SOCK_DGRAM
    if "://" in address:
        scheme, _sep, rest = address.partition("://")
        host, _sep, port = rest.rpartition(":")
        target = (host, int(port))
        kind = socket.SOCK_STREAM if scheme == "tcp" else socket.SOCK_DGRAM
    handler = _RaisingSysLogHandler(
        address=target, facility=SysLogHandler.LOG_AUTHPRIV, socktype=kind
    )
    handler.ident = f"{SYSLOG_TAG}: "
    try:
        handler.emit(
            logging.LogRecord(SYSLOG_TAG, logging.INFO, __file__, 0, checkpoint.line(), None, None)
        )
    finally:
        handler.close()
