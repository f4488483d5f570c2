"""Writing and checking the audit trail. Every write of personal data records its event in
the same transaction as the write; every consultation records what was shown."""

import contextlib
import functools
import hashlib
import hmac
import json
import multiprocessing
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple, cast

from django.db import connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
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
OPTIONAL_HASHED_FIELDS = ("people", "via", "via_token")
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


class _Keyed:
    """HMAC-SHA256 under one key with the key's two padded blocks hashed once (RFC 2104's
    construction, written out): the same digest as `hmac.digest` at about half the cost for
    the short messages of the chain, which verification signs a million of."""

    _BLOCK = 64  # SHA-256's block size

    def __init__(self, key: bytes) -> None:
        if len(key) > self._BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(self._BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))

    def hexdigest(self, message: bytes) -> str:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


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
    # The canonical form with the ten text columns as JSON strings, and with them as text
    # that needs no escaping, quoted here; the API's two fields close it when not empty.
    _ESCAPED = (
        '{{"action":{},"actor_id":{},"actor_roles":{},"actor_username":{},"address":{},'
        '"detail":{},"fields":{},"justification":{},"object_id":{},"object_ids":{},'
        '"object_type":{},"occurred_at":{},{}"recipient":{},"request_id":{}{}}}'
    )
    _PLAIN = (
        '{{"action":"{}","actor_id":{},"actor_roles":"{}","actor_username":"{}","address":"{}",'
        '"detail":"{}","fields":{},"justification":"{}","object_id":"{}","object_ids":{},'
        '"object_type":"{}","occurred_at":{},{}"recipient":"{}","request_id":"{}"{}}}'
    )

    def __init__(self) -> None:
        # The same JSON texts recur (the fields of a page, an empty list): each is parsed once.
        self._memo: dict[Any, tuple[str, Any]] = {}
        self._concerned: dict[Any, tuple[tuple[str, ...], ...]] = {}

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
            if len(value) == 32 and value[10] == "T" and value.endswith("+00:00"):
                return f'"{value}"'  # as PostgreSQL formats it for the walk (_UTC_TEXT)
            value = parse_datetime(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return '"' + value.astimezone(UTC).isoformat(timespec="microseconds") + '"'

    def _optional_texts(self, via: Any, via_token: Any) -> str:
        """The API call's fields, written only when not empty (as `_canonical` does)."""
        written = ""
        if via:
            written += f',"via":{self._text(via)}'
        if via_token:
            written += f',"via_token":{self._text(via_token)}'
        return written

    def __call__(self, row: Sequence[Any]) -> tuple[bytes, tuple[Any, Any, Any, Any]]:
        """The canonical bytes of the row, and what `concerned` needs: its object type and id
        and its ids and people as stored."""
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
            via,
            via_token,
        ) = row
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
        people_text, people_parsed = self._json(people)
        try:  # the columns are text, as the application writes them
            joined = "".join(plain)
        except TypeError:
            joined = None
        if joined is not None and len(_encode_string(joined)) == len(joined) + 2:
            # Nothing in them to escape (the usual case): each is written as it is, quoted.
            template = self._PLAIN
            strings: Sequence[str] = plain
        else:
            template = self._ESCAPED
            strings = [self._text(value) for value in plain]
        canonical = template.format(
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
            self._json(fields)[0],
            strings[5],
            strings[6],
            self._json(object_ids)[0],
            strings[7],
            self._time(occurred_at),
            f'"people":{people_text},' if people_parsed else "",
            strings[8],
            strings[9],
            self._optional_texts(via, via_token),
        )
        return canonical.encode(), (object_type, object_id, object_ids, people)

    def concerned(self, about: tuple[Any, Any, Any, Any]) -> tuple[tuple[str, ...], ...]:
        """The rows of the index of records concerned that an event should have (`_subjects`),
        in order, as two columns (object types, object ids), from the second part of what
        `__call__` returns; the same records recur, and each is worked out once."""
        try:
            return self._concerned[about]
        except KeyError:
            pass
        except TypeError:  # a driver that parsed the JSON itself
            return self._subjects_of(about)
        if len(self._concerned) >= self._MEMO_LIMIT:
            self._concerned.clear()
        found = self._concerned[about] = self._subjects_of(about)
        return found

    def _subjects_of(self, about: tuple[Any, Any, Any, Any]) -> tuple[tuple[str, ...], ...]:
        object_type, object_id, object_ids, people = about
        rows = sorted(
            _subjects(object_type, object_id, self._json(object_ids)[1], self._json(people)[1])
        )
        return tuple(zip(*rows, strict=True)) if rows else ((), ())


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
    "via",
    "via_token",
):
    raise RuntimeError(f"_StoredCanonical writes the keys out of order: {_CANONICAL_ORDER}")


def _raw_batches(queryset: models.QuerySet, batch_size: int) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of a `values_list` query as the database driver returns them, `batch_size` at
    a time, skipping Django's conversion of every value; a server-side cursor on PostgreSQL,
    as `iterator()`."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch_size):
            yield rows


def _raw_rows(queryset: models.QuerySet, batch_size: int) -> Iterator[tuple[Any, ...]]:
    for rows in _raw_batches(queryset, batch_size):
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
        via=context.via,
        via_token=context.via_token,
    )
    pending = _together.get()
    if pending is not None:
        pending.append(event)
    else:
        _append([event])
    return event


# On PostgreSQL an append is tried this many times as one statement that moves the head only
# if no other append moved it since it was read, then under the head's row lock, which always
# succeeds (docs/decisions/0042).
_ONE_STATEMENT_ATTEMPTS = 3
_process_turn = threading.Lock()


def _append(events: list[AuditEvent]) -> None:
    """Chain the events onto the trail. The events are prepared (and their people looked up)
    before: on PostgreSQL the head is locked only while the statement that moves it runs
    (or, in a transaction, from that statement to the transaction's end)."""
    if not events:
        return
    connection = connections[AuditEvent.objects.db]
    if connection.vendor == "postgresql":
        # Outside a transaction the threads of a process take turns, so that they lose no
        # race to one another; in one, an append may hold the head that the turn's holder
        # waits for, so it does not wait for its turn.
        with contextlib.nullcontext() if connection.in_atomic_block else _process_turn:
            for _attempt in range(_ONE_STATEMENT_ATTEMPTS):
                read = _head_and_ids(connection, len(events))
                if read is None:
                    break  # no head row yet: the lock's path makes it
                if _appended_in_one_statement(connection, events, *read):
                    return
    _append_under_lock(events)


def _chain(events: list[AuditEvent], previous: str) -> str:
    """Hash the events in order onto `previous`; the last one's hash."""
    for event in events:
        event.previous_hash = previous
        event.hash = previous = event_hash(event, previous)
    return previous


@transaction.atomic
def _append_under_lock(events: list[AuditEvent]) -> None:
    """Append under the head's row lock, held from here to the end of the caller's
    transaction. The ids come from the insert, drawn while the head is locked (any that a
    failed attempt of `_appended_in_one_statement` drew are dropped)."""
    for event in events:
        event.pk = None
    head = _head()
    last_hash = _chain(events, head.last_hash)
    if len(events) == 1:
        events[0].save()
    else:
        AuditEvent.objects.bulk_create(events)  # ids in this order: the chain's order
    _subjects_insert(_subject_rows_of(events))
    # An update of the locked row, without the model save's signals and checks.
    AuditChainHead.objects.filter(pk=head.pk).update(
        last_event_id=events[-1].pk, last_hash=last_hash
    )


def _subject_rows_of(events: list[AuditEvent]) -> list[tuple[int, str, str]]:
    return [
        (event.pk, kind, subject)
        for event in events
        for kind, subject in sorted(_subjects_of(event))
    ]


def _head_and_ids(connection: BaseDatabaseWrapper, count: int) -> tuple[str, list[int]] | None:
    """The head's hash as committed (or as this transaction moved it) and `count` new event
    ids, drawn from their sequence after the head was read, in one round trip; None when
    there is no head row yet."""
    with connection.cursor() as cursor:
        cursor.execute(_statements().head_and_ids, [AuditEvent._meta.db_table, count])
        row = cursor.fetchone()
    return None if row is None else (row[0], sorted(row[1]))


def _appended_in_one_statement(
    connection: BaseDatabaseWrapper, events: list[AuditEvent], expected_hash: str, ids: list[int]
) -> bool:
    """Chain the events onto the head read as `expected_hash`, with the ids drawn after it,
    and write them, their index rows and the head's move in one statement that moves the
    head only if it still has that hash and writes nothing if not: False then (an append
    committed in between), and the caller reads the head again."""
    for event, event_id in zip(events, ids, strict=True):
        event.pk = event_id
    last_hash = _chain(events, expected_hash)
    columns = [
        [field.get_db_prep_save(getattr(event, field.attname), connection) for event in events]
        for field in AuditEvent._meta.concrete_fields
    ]
    subjects = [list(column) for column in zip(*_subject_rows_of(events), strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(
            _statements().append,
            [events[-1].pk, last_hash, expected_hash, *columns, *(subjects or ([], [], []))],
        )
        (moved,) = cursor.fetchone()
    if not moved:
        return False
    for event in events:
        event._state.adding, event._state.db = False, connection.alias
    return True


class _Statements(NamedTuple):
    head_and_ids: str
    append: str


@functools.cache
def _statements() -> _Statements:
    """PostgreSQL's statements of the append in one statement. `append`: the head's update,
    and the inserts of the events (every column, one array a column) and of their index
    rows, which read the update's result and so insert nothing when it moved no head; it
    returns how many heads it moved (1 or 0)."""
    connection = connections[AuditEvent.objects.db]
    quote = connection.ops.quote_name
    head, events, subjects = (
        quote(model._meta.db_table) for model in (AuditChainHead, AuditEvent, AuditEventSubject)
    )
    fields = AuditEvent._meta.concrete_fields
    columns = ", ".join(quote(cast(str, field.column)) for field in fields)  # concrete: a column
    # Text, not varchar(n), which a cast would cut: the insert refuses a value too long.
    arrays = ", ".join(
        f"%s::{'text' if isinstance(field, models.CharField) else field.cast_db_type(connection)}[]"
        for field in fields
    )
    return _Statements(
        head_and_ids=(
            "SELECT last_hash, ARRAY(SELECT nextval(pg_get_serial_sequence(%s, 'id')) "  # noqa: S608
            f"FROM generate_series(1, %s)) FROM {head} WHERE id = 1"
        ),
        append=(
            f"WITH moved AS (UPDATE {head} SET last_event_id = %s, last_hash = %s "  # noqa: S608
            "WHERE id = 1 AND last_hash = %s RETURNING id), "
            f"inserted AS (INSERT INTO {events} ({columns}) "
            f"SELECT * FROM unnest({arrays}) WHERE EXISTS (SELECT FROM moved)), "
            f"indexed AS (INSERT INTO {subjects} (event_id, object_type, object_id) "
            "SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[]) "
            "WHERE EXISTS (SELECT FROM moved)) "
            "SELECT count(*) FROM moved"
        ),
    )


def _subjects_insert(rows: list[tuple[int, str, str]]) -> None:
    """The index rows (event, object type, object id) in one statement. Not model
    instances: the register's import writes a few thousand a chunk, and building and
    quoting each through the ORM cost more than the rest of its audit trail."""
    if not rows:
        return
    connection = connections[AuditEventSubject.objects.db]
    table = connection.ops.quote_name(AuditEventSubject._meta.db_table)
    columns = "event_id, object_type, object_id"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Three arrays: a statement of three parameters, however many rows.
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 - names from the model
                "SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[])",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            # Many rows a statement, as many as SQLite takes parameters.
            limit = connection.features.max_query_params or 999
            size = max(1, limit // 3)
            for start in range(0, len(rows), size):
                batch = rows[start : start + size]
                marks = ", ".join(["(%s, %s, %s)"] * len(batch))
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {marks}",  # noqa: S608
                    [value for row in batch for value in row],
                )


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
    workers: int = 1,
) -> Iterator[int | ChainProblem]:
    """Walk the chain from the start (or from the checkpoint `since`) up to the head as it is
    now (events written while the walk runs are left for the next one), streaming only the
    columns it hashes. Yields the number of events checked after each batch, and a
    ChainProblem (then stops) at the first event that does not fit — including an event
    whose list of records concerned (the "who looked at this person" index) was changed, and
    an event that does not match the checkpoints, or is missing from the chain although a
    checkpoint recorded it.

    With `workers` above 1, a long trail is split into chunks of `batch_size` times
    _CHUNK_BATCHES events that worker processes check side by side (see `_Walk.in_parallel`);
    the result, and the problem named, are the same as walking it in one process."""
    head_id, head_hash = AuditChainHead.objects.filter(pk=1).values_list(
        "last_event_id", "last_hash"
    ).first() or (0, GENESIS)
    walk = _Walk(previous_hash=GENESIS, last_id=0, checked=0, batch_size=batch_size)
    if since is not None and since.last_event_id:
        stored = AuditEvent.objects.filter(pk=since.last_event_id).values_list("hash", flat=True)
        if list(stored) != [since.last_hash]:
            yield ChainProblem(since.last_event_id, _checkpoint_mismatch(since, stored.exists()))
            return
        walk.previous_hash, walk.last_id, walk.checked = (
            since.last_hash,
            since.last_event_id,
            since.events,
        )
    # The checkpoints still to meet on the walk, lowest event first.
    walk.pending.extend(
        sorted(
            (c for c in checkpoints if c.last_event_id > walk.last_id),
            key=lambda c: (c.last_event_id, c.at),
        )
    )
    connection = connections[AuditEvent.objects.db]
    side_by_side = (
        workers > 1
        and head_id - walk.last_id > batch_size * _CHUNK_BATCHES
        # Worker processes see only what is committed, and have their own connections.
        and not connection.in_atomic_block
        and not (
            connection.vendor == "sqlite"
            and any(
                memory in str(connection.settings_dict["NAME"])
                for memory in (":memory:", "mode=memory")
            )
        )
    )
    for step in walk.in_parallel(head_id, workers) if side_by_side else walk.run(head_id):
        yield step
        if isinstance(step, ChainProblem):
            return
    previous_hash, last_id, pending = walk.previous_hash, walk.last_id, walk.pending
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
    orphan = (
        AuditEventSubject.objects.filter(event_id__gt=last_id, event_id__lte=head_id)
        .order_by("event_id")
        .values_list("event_id", flat=True)
        .first()
    )
    if orphan is not None:
        yield ChainProblem(orphan, str(_ORPHAN_SUBJECT))
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


# A chunk of the trail that one worker process checks is this many batches long.
_CHUNK_BATCHES = 10


class _UtcText(models.Func):
    """A time as the canonical form writes it, formatted by PostgreSQL (in its own process,
    and faster than the driver's parsing into a datetime)."""

    template = (
        "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
    )
    output_field = models.TextField()


def _event_rows(after: int, up_to: int) -> models.QuerySet:
    """The events after `after` up to `up_to`, as the walk reads them: id, previous hash,
    hash, and the hashed columns in `_CANONICAL_ORDER`, the time as text."""
    vendor = connections[AuditEvent.objects.db].vendor
    # SQLite's times as the text stored, which the driver would parse slowly.
    as_text = (
        _UtcText("occurred_at")
        if vendor == "postgresql"
        else Cast("occurred_at", models.TextField())
    )
    return (
        AuditEvent.objects.filter(id__gt=after, id__lte=up_to)
        .order_by("id")
        .annotate(occurred_at_text=as_text)
        .values_list(
            "id",
            "previous_hash",
            "hash",
            *("occurred_at_text" if name == "occurred_at" else name for name in _CANONICAL_ORDER),
        )
    )


def _subject_rows(after: int, up_to: int) -> list[tuple[int, str, str]]:
    """The rows of the index of records concerned of the events after `after` up to `up_to`,
    in the order of the events."""
    query = (
        AuditEventSubject.objects.filter(event_id__gt=after, event_id__lte=up_to)
        .order_by("event_id", "id")
        .values_list("event_id", "object_type", "object_id")
    )
    sql, params = query.query.get_compiler(using=query.db).as_sql()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _batch_holds(
    rows: Sequence[tuple[Any, ...]],
    subjects: list[tuple[int, str, str]],
    previous_hash: str | None,
    sign: Callable[[bytes], str],
    canonical: _StoredCanonical,
) -> bool:
    """Whether every event of `rows` follows the one before it (the first follows
    `previous_hash`; None: that link is checked by the caller), has the hash of its content,
    and `subjects` are exactly the index rows the events should have: the walk's checks, on a
    batch at once. When this says no, `_Walk.event_by_event` finds which event, and why."""
    expected: list[tuple[int, str, str]] = []
    add = expected.extend
    concerned = canonical.concerned
    for event_id, event_previous_hash, stored_hash, *content in rows:
        if previous_hash is not None and event_previous_hash != previous_hash:
            return False
        message, about = canonical(content)
        if sign(event_previous_hash.encode() + b"\n" + message) != stored_hash:
            return False
        kinds, ids = concerned(about)
        add(zip(repeat(event_id, len(ids)), kinds, ids, strict=True))
        previous_hash = stored_hash
    # The rows are written in this order; in any other, they must still be the same rows.
    return subjects == expected or (
        len(subjects) == len(expected) and set(subjects) == set(expected)
    )


@dataclass
class _Walk:
    """How far a walk up the chain has checked: the last event, its hash, the number of
    events up to it, and the checkpoints still to meet."""

    previous_hash: str
    last_id: int
    checked: int
    batch_size: int
    pending: deque[Checkpoint] = field(default_factory=deque)
    key: bytes = field(default_factory=audit_key)
    canonical: _StoredCanonical = field(default_factory=_StoredCanonical)
    sign: Callable[[bytes], str] = field(init=False)

    def __post_init__(self) -> None:
        self.sign = _Keyed(self.key).hexdigest

    def run(self, up_to: int) -> Iterator[int | ChainProblem]:
        """Check the events after the last one checked up to `up_to`, in this process."""
        for rows in _raw_batches(_event_rows(self.last_id, up_to), self.batch_size):
            newest = rows[-1][0]
            subjects = _subject_rows(self.last_id, newest)
            if not (self.pending and self.pending[0].last_event_id <= newest) and _batch_holds(
                rows, subjects, self.previous_hash, self.sign, self.canonical
            ):
                self.previous_hash, self.last_id = rows[-1][2], newest
                self.checked += len(rows)
            elif problem := self.event_by_event(rows, subjects):
                yield problem
                return
            yield self.checked

    def event_by_event(
        self, rows: Sequence[tuple[Any, ...]], subjects: list[tuple[int, str, str]]
    ) -> ChainProblem | None:
        """Check a batch one event at a time (and the checkpoints on the way), naming the
        first event that does not fit; `subjects`: the index rows after the last event
        checked up to the batch's last."""
        subject_rows = iter(subjects)
        subject = next(subject_rows, None)
        pending = self.pending
        for event_id, event_previous_hash, stored_hash, *content in rows:
            if event_previous_hash != self.previous_hash:
                return ChainProblem(
                    event_id,
                    str(
                        _("does not follow the event before it (an event was removed or inserted)")
                    ),
                )
            if pending and pending[0].last_event_id < event_id:
                return ChainProblem(
                    pending[0].last_event_id, _checkpoint_mismatch(pending[0], False)
                )
            if subject is not None and subject[0] < event_id:
                return ChainProblem(subject[0], str(_ORPHAN_SUBJECT))
            message, about = self.canonical(content)
            if self.sign(self.previous_hash.encode() + b"\n" + message) != stored_hash:
                return ChainProblem(
                    event_id, str(_("its content was changed after it was written"))
                )
            indexed = []
            while subject is not None and subject[0] == event_id:
                indexed.append((subject[1], subject[2]))
                subject = next(subject_rows, None)
            expected = set(zip(*self.canonical.concerned(about), strict=True))
            if len(indexed) != len(expected) or set(indexed) != expected:
                return ChainProblem(
                    event_id,
                    str(_("the records it concerns were changed in the index of accesses")),
                )
            self.previous_hash, self.last_id = stored_hash, event_id
            self.checked += 1
            while pending and pending[0].last_event_id == event_id:
                checkpoint = pending.popleft()
                if checkpoint.last_hash != stored_hash:
                    return ChainProblem(event_id, _checkpoint_mismatch(checkpoint, True))
                if checkpoint.events != self.checked:
                    return ChainProblem(
                        event_id,
                        str(
                            _(
                                "%(checkpoint)s counted %(expected)s events up to here, the "
                                "trail has %(actual)s"
                            )
                        )
                        % {
                            "checkpoint": checkpoint.describe(),
                            "expected": checkpoint.events,
                            "actual": self.checked,
                        },
                    )
        return None

    def in_parallel(self, up_to: int, workers: int) -> Iterator[int | ChainProblem]:
        """Check the events after the last one checked up to `up_to` in chunks, `workers`
        processes side by side. A worker checks every event of its chunk and the links inside
        it and the chunk's index rows (`_chunk_holds`); the walk, taking the chunks in order,
        checks that each chunk's first event follows the last of the chunk before, and the
        checkpoints against the number of events before them. At the first chunk where
        anything does not hold, the worker processes stop and the walk goes on from there in
        this process, event by event where needed, so it names the same problem as a walk
        from the start in one process would."""
        chunk = self.batch_size * _CHUNK_BATCHES
        bounds = [(after, min(after + chunk, up_to)) for after in range(self.last_id, up_to, chunk)]
        tasks = [
            (
                after,
                last,
                {c.last_event_id for c in self.pending if after < c.last_event_id <= last},
                self.batch_size,
                self.key,
            )
            for after, last in bounds
        ]
        connections.close_all()  # each worker opens its own; a forked one must not be shared
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for (_after, last), result in zip(bounds, pool.imap(_chunk_holds, tasks), strict=True):
                if result is None or not self._take(result, last):
                    pool.terminate()
                    yield from self.run(up_to)
                    return
                yield self.checked

    def _take(self, chunk: "_Chunk", last: int) -> bool:
        """Move the walk past a chunk that a worker found sound, if it fits onto the walk
        and the checkpoints; False (and the walk stays where it is) if not."""
        if chunk.events and chunk.first_previous_hash != self.previous_hash:
            return False
        reached = []
        for checkpoint in self.pending:
            if checkpoint.last_event_id > last:
                break
            position, stored_hash = chunk.checkpointed.get(checkpoint.last_event_id, (0, ""))
            if stored_hash != checkpoint.last_hash or self.checked + position != checkpoint.events:
                return False
            reached.append(checkpoint)
        for _checkpoint in reached:
            self.pending.popleft()
        if chunk.events:
            self.previous_hash, self.last_id = chunk.last_hash, chunk.last_id
            self.checked += chunk.events
        return True


@dataclass(frozen=True)
class _Chunk:
    """What a worker found in a sound chunk: the previous hash of its first event, its last
    event and that one's hash, the number of events, and for each checkpointed event in it
    its position in the chunk (1 = the first) and its hash."""

    first_previous_hash: str
    last_id: int
    last_hash: str
    events: int
    checkpointed: dict[int, tuple[int, str]]


def _chunk_holds(task: tuple[int, int, set[int], int, bytes]) -> _Chunk | None:
    """In a worker process: check the events after `after` up to `last` among themselves,
    and their index rows (any row in the chunk's range that no event of it should have is a
    problem); None if anything does not hold."""
    after, last, checkpoint_ids, batch_size, key = task
    canonical, sign = _StoredCanonical(), _Keyed(key).hexdigest
    first_previous_hash, previous_hash, last_id, events = "", None, after, 0
    checkpointed: dict[int, tuple[int, str]] = {}
    try:
        for rows in _raw_batches(_event_rows(after, last), batch_size):
            newest = rows[-1][0]
            subjects = _subject_rows(last_id, newest)
            if not _batch_holds(rows, subjects, previous_hash, sign, canonical):
                return None
            if not events:
                first_previous_hash = rows[0][1]
            if any(last_id < i <= newest for i in checkpoint_ids):
                for position, (event_id, _previous, stored_hash, *_content) in enumerate(
                    rows, events + 1
                ):
                    if event_id in checkpoint_ids:
                        checkpointed[event_id] = (position, stored_hash)
            previous_hash, last_id = rows[-1][2], newest
            events += len(rows)
        if _subject_rows(last_id, last):
            return None
    finally:
        connections.close_all()
    return _Chunk(first_previous_hash, last_id, previous_hash or "", events, checkpointed)


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
    (no append commits an event whose id is below the head's: docs/decisions/0042), so the
    count is exact."""
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
