"""Writing and checking the audit trail. Every write of personal data records its event in
the same transaction as the write; every consultation records what was shown."""

import contextlib
import hmac
import json
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from django.db import connections, models, transaction
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backontrack.core.keys import audit_key

from . import checkpoints as checkpoint_log
from .checkpoints import Checkpoint
from .context import current
from .models import Action, AuditChainHead, AuditEvent, AuditEventSubject
from .people import people_concerned, relation_to

GENESIS = "0" * 64
# What json.dumps writes a string as (with its default ensure_ascii).
_encode_string = json.encoder.encode_basestring_ascii

# The content a hash covers, in this order. Changing it would break every existing chain.
HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_roles",
    "action",
    "object_type",
    "object_id",
    "object_ids",
    "fields",
    "justification",
    "recipient",
    "detail",
    "request_id",
    "address",
)

# Added later: hashed when not empty, so that every event written before them keeps its hash.
OPTIONAL_HASHED_FIELDS = ("people",)
CONTENT_FIELDS = HASHED_FIELDS + OPTIONAL_HASHED_FIELDS

# The canonical JSON sorts its keys: verification reads the columns in that order.
_CANONICAL_ORDER = tuple(sorted(CONTENT_FIELDS))


def _canonical(content: Sequence[Any]) -> bytes:
    """`content`: the values of CONTENT_FIELDS, in that order."""
    values = dict(zip(CONTENT_FIELDS, content, strict=True))
    for name in OPTIONAL_HASHED_FIELDS:
        if not values[name]:
            del values[name]
    values["occurred_at"] = values["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(values, sort_keys=True, separators=(",", ":"), default=str).encode()


def _hash(content: Sequence[Any], previous_hash: str) -> str:
    return _digest(previous_hash, _canonical(content))


def _digest(previous_hash: str, canonical: bytes, key: bytes | None = None) -> str:
    message = previous_hash.encode() + b"\n" + canonical
    return hmac.digest(key or audit_key(), message, "sha256").hex()


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


class _StoredCanonical:
    """The canonical JSON of an event as `_canonical` makes it, built from the columns as the
    database returns them (in `_CANONICAL_ORDER`) without Django's conversion of each value:
    verification reads a million events in seconds this way. Every value is read as Django
    reads it (JSON text parsed, or kept as text when it is not JSON; a naive time is UTC) and
    written as `json.dumps` writes it, so both give the same bytes for the same content
    (tests/test_audit_speed.py compares them)."""

    _MEMO_LIMIT = 100_000

    def __init__(self) -> None:
        # The same JSON texts recur (the fields of a page, an empty list): each is parsed once.
        self._memo: dict[Any, tuple[str, Any]] = {}

    def _json(self, value: Any) -> tuple[str, Any]:
        try:
            return self._memo[value]
        except (KeyError, TypeError):  # TypeError: a driver that parsed the JSON itself
            pass
        parsed = value
        if isinstance(value, str):
            # Not JSON: kept as the text, as Django's JSONField gives it.
            with contextlib.suppress(json.JSONDecodeError):
                parsed = json.loads(value)
        found = (_compact(parsed), parsed)
        if isinstance(value, str):
            if len(self._memo) >= self._MEMO_LIMIT:
                self._memo.clear()
            self._memo[value] = found
        return found

    @staticmethod
    def _text(value: Any) -> str:
        return _encode_string(value) if value.__class__ is str else _compact(value)

    @staticmethod
    def _time(value: Any) -> str:
        if isinstance(value, str):
            # As Django writes a time to SQLite (UTC, naive): only the separator and the zone
            # differ from the canonical form. Anything else is parsed as Django would.
            if len(value) == 26 and value[10] == " " and value[19] == ".":
                return f'"{value[:10]}T{value[11:]}+00:00"'
            if len(value) == 19 and value[10] == " ":
                return f'"{value[:10]}T{value[11:]}.000000+00:00"'
            value = parse_datetime(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return '"' + value.astimezone(UTC).isoformat(timespec="microseconds") + '"'

    def __call__(self, row: Sequence[Any]) -> tuple[bytes, tuple[Any, Any, Any, Any]]:
        """The canonical bytes of the row, and its object type, id, ids and people."""
        (
            action,
            actor_id,
            actor_roles,
            actor_username,
            address,
            detail,
            fields,
            justification,
            object_id,
            object_ids,
            object_type,
            occurred_at,
            people,
            recipient,
            request_id,
        ) = row
        fields_text = self._json(fields)[0]
        ids_text, ids = self._json(object_ids)
        people_text, people = self._json(people)
        plain = (
            action,
            actor_roles,
            actor_username,
            address,
            detail,
            justification,
            object_id,
            object_type,
            recipient,
            request_id,
        )
        try:  # the columns are text, as the application writes them
            strings = [_encode_string(value) for value in plain]
        except TypeError:
            strings = [self._text(value) for value in plain]
        canonical = (
            '{{"action":{},"actor_id":{},"actor_roles":{},"actor_username":{},"address":{},'
            '"detail":{},"fields":{},"justification":{},"object_id":{},"object_ids":{},'
            '"object_type":{},"occurred_at":{},{}"recipient":{},"request_id":{}}}'
        ).format(
            strings[0],
            "null"
            if actor_id is None
            else actor_id
            if actor_id.__class__ is int
            else _compact(actor_id),
            strings[1],
            strings[2],
            strings[3],
            strings[4],
            fields_text,
            strings[5],
            strings[6],
            ids_text,
            strings[7],
            self._time(occurred_at),
            f'"people":{people_text},' if people else "",
            strings[8],
            strings[9],
        )
        return canonical.encode(), (object_type, object_id, ids, people)


# The order the unrolled canonical form above writes the keys in.
if _CANONICAL_ORDER != (
    "action",
    "actor_id",
    "actor_roles",
    "actor_username",
    "address",
    "detail",
    "fields",
    "justification",
    "object_id",
    "object_ids",
    "object_type",
    "occurred_at",
    "people",
    "recipient",
    "request_id",
):
    raise RuntimeError(f"_StoredCanonical writes the keys out of order: {_CANONICAL_ORDER}")


def _raw_rows(queryset: models.QuerySet, batch_size: int) -> Iterator[tuple[Any, ...]]:
    """The rows of a `values_list` query as the database driver returns them, skipping
    Django's conversion of every value; a server-side cursor on PostgreSQL, as `iterator()`."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch_size):
            yield from rows


def event_hash(event: AuditEvent, previous_hash: str) -> str:
    return _hash([getattr(event, name) for name in CONTENT_FIELDS], previous_hash)


def _head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def describe(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


# The events of a `recorded_together` block, appended when it ends.
_together: ContextVar[list[AuditEvent] | None] = ContextVar("audit_together", default=None)


@contextmanager
def recorded_together() -> Iterator[None]:
    """The events recorded in the block are appended together when it ends: one insert, one
    lock of the chain head, however many kinds of records a page shows. If the block raises,
    none is appended (and nothing was shown)."""
    pending: list[AuditEvent] = []
    token = _together.set(pending)
    try:
        yield
    finally:
        _together.reset(token)
    _append(pending)


def record(
    *,
    actor: Any,
    action: Action,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_ids: Iterable[Any] = (),
    fields: Iterable[str] = (),
    justification: str = "",
    recipient: str = "",
    detail: str = "",
    username: str = "",
    people: Iterable[str] | None = None,
) -> AuditEvent:
    """Append one event. Pass the record (`obj`) or its type and id; never pass values of
    personal data in `detail` — name the fields instead. A caller that knows the people the
    record concerns (the register's import, writing thousands at once) passes their ids, so
    they are not looked up again; they must be exactly those `people_concerned` finds."""
    if obj is not None:
        object_type, object_id = describe(obj)
    object_ids = [str(i) for i in object_ids]
    context = current.get()
    concerned = (
        people_concerned(object_type, [object_id, *object_ids])
        if people is None
        else sorted(set(people), key=int)
    )
    if object_type == "mentees.mentee":
        people_looked_at = [i for i in {object_id, *object_ids} if i]
    else:
        people_looked_at = concerned
    if not justification and context.stated and people_looked_at:
        justification = context.stated  # what the person said when they opened the record
    if not justification and context.page and people_looked_at and actor is not None:
        # A routine look says why by itself: who the actor is to these people, on which page.
        justification = f"purpose:{relation_to(actor, people_looked_at)}:{context.page}"
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor=actor if signed_in else None,
        actor_username=actor.get_username() if signed_in else username,
        actor_roles=",".join(actor.roles) if signed_in else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_ids=object_ids,
        people=concerned,
        fields=sorted(fields),
        justification=justification,
        recipient=recipient,
        detail=detail,
        request_id=context.request_id,
        address=context.address,
    )
    pending = _together.get()
    if pending is not None:
        pending.append(event)
    else:
        _append([event])
    return event


@transaction.atomic
def _append(events: list[AuditEvent]) -> None:
    """Chain the events onto the trail. The head stays locked only from here to the end of
    the caller's transaction: the events are prepared (and their people looked up) before."""
    if not events:
        return
    head = _head()
    previous = head.last_hash
    for event in events:
        event.previous_hash = previous
        event.hash = previous = event_hash(event, previous)
    if len(events) == 1:
        events[0].save()
    else:
        AuditEvent.objects.bulk_create(events)  # ids in this order: the chain's order
    AuditEventSubject.objects.bulk_create(
        AuditEventSubject(event=event, object_type=kind, object_id=subject)
        for event in events
        for kind, subject in sorted(_subjects_of(event))
    )
    head.last_event_id = events[-1].pk
    head.last_hash = previous
    head.save(update_fields=["last_event_id", "last_hash"])


@dataclass(frozen=True)
class ChainProblem:
    event_id: int | None
    reason: str

    def message(self) -> str:
        where = (
            _("event %(id)s") % {"id": self.event_id}
            if self.event_id
            else _("the end of the chain")
        )
        return _("The audit trail is broken at %(where)s: %(reason)s. Report this at once.") % {
            "where": where,
            "reason": self.reason,
        }


def verify_chain(
    *,
    checkpoints: Iterable[Checkpoint] = (),
    since: Checkpoint | None = None,
    batch_size: int = 2000,
) -> Iterator[int | ChainProblem]:
    """Walk the chain from the start (or from the checkpoint `since`) up to the head as it is
    now (events written while the walk runs are left for the next one), streaming only the
    columns it hashes. Yields the number of events checked after each batch, and a
    ChainProblem (then stops) at the first event that does not fit — including an event
    whose list of records concerned (the "who looked at this person" index) was changed, and
    an event that does not match the checkpoints, or is missing from the chain although a
    checkpoint recorded it."""
    head_id, head_hash = AuditChainHead.objects.filter(pk=1).values_list(
        "last_event_id", "last_hash"
    ).first() or (0, GENESIS)
    previous_hash, last_id, checked = GENESIS, 0, 0
    sqlite = connections[AuditEvent.objects.db].vendor == "sqlite"
    if since is not None and since.last_event_id:
        stored = AuditEvent.objects.filter(pk=since.last_event_id).values_list("hash", flat=True)
        if list(stored) != [since.last_hash]:
            yield ChainProblem(since.last_event_id, _checkpoint_mismatch(since, stored.exists()))
            return
        previous_hash, last_id, checked = since.last_hash, since.last_event_id, since.events
    # The checkpoints still to meet on the walk, lowest event first.
    pending = deque(
        sorted(
            (c for c in checkpoints if c.last_event_id > last_id),
            key=lambda c: (c.last_event_id, c.at),
        )
    )
    events = _raw_rows(
        AuditEvent.objects.filter(id__gt=last_id, id__lte=head_id)
        .order_by("id")
        .annotate(occurred_at_text=Cast("occurred_at", models.TextField()))
        .values_list(
            "id",
            "previous_hash",
            "hash",
            *(
                # SQLite's times as the text stored, which the driver would parse slowly.
                "occurred_at_text" if name == "occurred_at" and sqlite else name
                for name in _CANONICAL_ORDER
            ),
        ),
        batch_size,
    )
    subjects = _raw_rows(
        AuditEventSubject.objects.filter(event_id__gt=last_id, event_id__lte=head_id)
        .order_by("event_id")
        .values_list("event_id", "object_type", "object_id"),
        batch_size,
    )
    canonical = _StoredCanonical()
    key = audit_key()
    subject = next(subjects, None)
    for event_id, event_previous_hash, stored_hash, *content in events:
        if event_previous_hash != previous_hash:
            yield ChainProblem(
                event_id,
                str(_("does not follow the event before it (an event was removed or inserted)")),
            )
            return
        if pending and pending[0].last_event_id < event_id:
            yield ChainProblem(pending[0].last_event_id, _checkpoint_mismatch(pending[0], False))
            return
        if subject is not None and subject[0] < event_id:
            yield ChainProblem(subject[0], str(_ORPHAN_SUBJECT))
            return
        message, (object_type, object_id, object_ids, people) = canonical(content)
        if _digest(previous_hash, message, key) != stored_hash:
            yield ChainProblem(event_id, str(_("its content was changed after it was written")))
            return
        indexed = []
        while subject is not None and subject[0] == event_id:
            indexed.append((subject[1], subject[2]))
            subject = next(subjects, None)
        expected = _subjects(object_type, object_id, object_ids, people)
        if len(indexed) != len(expected) or set(indexed) != expected:
            yield ChainProblem(
                event_id, str(_("the records it concerns were changed in the index of accesses"))
            )
            return
        previous_hash = stored_hash
        last_id = event_id
        checked += 1
        while pending and pending[0].last_event_id == event_id:
            checkpoint = pending.popleft()
            if checkpoint.last_hash != stored_hash:
                yield ChainProblem(event_id, _checkpoint_mismatch(checkpoint, True))
                return
            if checkpoint.events != checked:
                yield ChainProblem(
                    event_id,
                    str(
                        _(
                            "%(checkpoint)s counted %(expected)s events up to here, the trail "
                            "has %(actual)s"
                        )
                    )
                    % {
                        "checkpoint": checkpoint.describe(),
                        "expected": checkpoint.events,
                        "actual": checked,
                    },
                )
                return
        if checked % batch_size == 0:
            yield checked
    yield checked
    # Every append moves the head in its own transaction, so a committed event beyond the
    # head was not written by the application. (Newest id first, then the head: a write that
    # commits in between moves the head past it and raises no false alarm.)
    newest_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    head_now = AuditChainHead.objects.filter(pk=1).values_list("last_event_id", flat=True).first()
    if newest_id > (head_now or 0):
        yield ChainProblem(
            newest_id,
            str(_("it lies beyond the newest event the chain records (it was inserted)")),
        )
        return
    if head_hash != previous_hash or head_id != last_id:
        yield ChainProblem(
            None,
            str(
                _(
                    "the newest event should be %(expected)s, but the chain ends at "
                    "%(actual)s (events were removed from the end)"
                )
                % {"expected": head_id, "actual": last_id}
            ),
        )
        return
    if subject is not None:
        yield ChainProblem(subject[0], str(_ORPHAN_SUBJECT))
        return
    if pending:
        newest = pending[-1]
        if last_id == 0:
            reason = _(
                "the trail is empty, but %(checkpoint)s recorded events "
                "(the audit tables were emptied)"
            )
        else:
            reason = _(
                "the trail ends at event %(actual)s, but %(checkpoint)s recorded more (the "
                "newest events were deleted and the chain head wound back)"
            )
        yield ChainProblem(None, reason % {"checkpoint": newest.describe(), "actual": last_id})


_ORPHAN_SUBJECT = gettext_lazy(
    "the index of accesses names this event, which is not in the trail (it was removed, or "
    "the index was altered)"
)


def _checkpoint_mismatch(checkpoint: Checkpoint, exists: bool) -> str:
    if exists:
        reason = _(
            "it differs from the event %(checkpoint)s recorded (the trail was rewritten from "
            "here on)"
        )
    else:
        reason = _("it is missing, but %(checkpoint)s recorded it (events were deleted)")
    return reason % {"checkpoint": checkpoint.describe()}


class HeadMismatch(Exception):
    """The head does not fit the trail or the checkpoints: a checkpoint of it would vouch
    for a trail that was tampered with."""


def chain_checkpoint() -> Checkpoint:
    """The head as it is now. Every event up to the head is committed when the head is read
    (ids are drawn while the head row is locked), so the count is exact."""
    head_id, head_hash = AuditChainHead.objects.filter(pk=1).values_list(
        "last_event_id", "last_hash"
    ).first() or (0, GENESIS)
    if head_id and list(AuditEvent.objects.filter(pk=head_id).values_list("hash", flat=True)) != [
        head_hash
    ]:
        raise HeadMismatch(
            _(
                "The chain head names event %(id)s, which is not in the trail as recorded: "
                "no checkpoint written. Run backontrack verify-audit."
            )
            % {"id": head_id}
        )
    return Checkpoint(
        at=timezone.now(),
        last_event_id=head_id,
        last_hash=head_hash,
        events=AuditEvent.objects.filter(id__lte=head_id).count(),
    )


def checkpoint_write(*, file_path: str, syslog_address: str) -> Checkpoint | None:
    """Write a checkpoint of the head to the file and/or syslog; None when the file's last
    checkpoint already has this head (nothing was written since)."""
    checkpoint = chain_checkpoint()
    if file_path:
        path = Path(file_path)
        previous = checkpoint_log.latest(path)
        if checkpoint.same_head(previous):
            return None
        if previous is not None and previous.last_event_id > checkpoint.last_event_id:
            raise HeadMismatch(
                _(
                    "The chain head is at event %(id)s, before %(checkpoint)s: events were "
                    "cut off the trail. No checkpoint written; run backontrack verify-audit."
                )
                % {"id": checkpoint.last_event_id, "checkpoint": previous.describe()}
            )
        checkpoint_log.append(path, checkpoint)
    if syslog_address:
        checkpoint_log.send_to_syslog(syslog_address, checkpoint)
    return checkpoint


def _subjects_of(event: AuditEvent) -> set[tuple[str, str]]:
    return _subjects(event.object_type, event.object_id, event.object_ids, event.people)


def _subjects(
    object_type: str, object_id: str, object_ids: list[str], people: list[str] | None = None
) -> set[tuple[str, str]]:
    """The index of records concerned: the records named, and the people they concern."""
    named = {(object_type, i) for i in {object_id, *object_ids} - {""}} if object_type else set()
    return named | {("mentees.mentee", person) for person in people or ()}
