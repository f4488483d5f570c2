"""Appends to the audit trail on PostgreSQL, where each is one statement that moves the chain
head only if no other append moved it since it was read (docs/decisions/0042): under
concurrent appends the chain stays whole and in the order of the ids, an append that lost
the race tries again, after a few lost races it takes the head's lock, and an append in a
transaction that rolls back leaves nothing. Each test runs outside the suite's transaction
(each thread has its own connection), on whatever trail the database holds."""

import contextlib
import functools
import io
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from backontrack.audit import services
from backontrack.audit.models import Action, AuditChainHead, AuditEvent, AuditEventSubject
from backontrack.audit.services import ChainProblem, record, recorded_together, verify_chain

pytestmark = [pytest.mark.postgresql_only, pytest.mark.django_db(transaction=True)]


def _record(detail: str) -> AuditEvent:
    return record(
        actor=None,
        username="(test)",
        action=Action.VIEW,
        object_type="mentees.mentee",
        object_id="1",
        detail=detail,
    )


def _head() -> tuple[int, str]:
    head = AuditChainHead.objects.filter(pk=1).values_list("last_event_id", "last_hash").first()
    return head or (0, services.GENESIS)


def _newest_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify-audit", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _assert_chained_in_id_order(after: int, previous_hash: str) -> list[AuditEvent]:
    """The events after `after`, in the order of their ids, each following the one before
    (the first following `previous_hash`), the head at the last; and the whole trail verifies."""
    events = list(AuditEvent.objects.filter(id__gt=after).order_by("id"))
    for event in events:
        assert event.previous_hash == previous_hash, f"event {event.pk} out of chain order"
        previous_hash = event.hash
    assert _head() == (events[-1].pk, events[-1].hash)
    assert not [step for step in verify_chain() if isinstance(step, ChainProblem)]
    return events


def _in_another_thread(work: Callable[[], Any]) -> threading.Thread:
    """Start `work` in another thread, on its own connection (closed when it is done)."""

    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_appends_from_many_threads_at_once_make_one_chain_in_the_order_of_the_ids() -> None:
    _record("the head exists")
    before_id, before_hash = _head()
    threads, appends = 8, 15
    start = threading.Barrier(threads + 1)
    failures: list[BaseException] = []

    def append(thread: int) -> None:
        try:
            start.wait()
            for number in range(appends):
                # Half the threads append as write services do, each in a transaction (which
                # does not wait for the process's turn), half as pages, in turns.
                with transaction.atomic() if thread % 2 else contextlib.nullcontext():
                    if number % 3:
                        _record(f"{thread}:{number}")
                    else:  # a page's events, appended together
                        with recorded_together():
                            for part in ("a", "b", "c"):
                                _record(f"{thread}:{number}{part}")
        except BaseException as failure:
            failures.append(failure)
        finally:
            connection.close()

    workers = [threading.Thread(target=append, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    checkpoints = 0
    while any(worker.is_alive() for worker in workers):
        call_command("audit-checkpoint", stdout=io.StringIO())  # while the appends run
        checkpoints += 1
        time.sleep(0.05)
    for worker in workers:
        worker.join()
    assert failures == []

    events = _assert_chained_in_id_order(before_id, before_hash)
    expected = {
        f"{thread}:{number}{part}"
        for thread in range(threads)
        for number in range(appends)
        for part in (("a", "b", "c") if number % 3 == 0 else ("",))
    }
    assert sorted(event.detail for event in events) == sorted(expected)
    previous = list(AuditEvent.objects.values_list("previous_hash", flat=True))
    assert len(previous) == len(set(previous))
    indexed = AuditEventSubject.objects.filter(event_id__gt=before_id)
    assert sorted(indexed.values_list("event_id", flat=True)) == [event.pk for event in events]
    # The checkpoints written meanwhile counted exactly the events up to their heads.
    assert checkpoints >= 1
    assert "It reaches every checkpoint" in _verify()
    _record("after the checkpoints")
    call_command("audit-checkpoint", stdout=io.StringIO())
    _record("after the last checkpoint")
    assert "intact: 1 events checked after the checkpoint" in _verify("--since-checkpoint")


def test_the_threads_of_a_process_appending_outside_transactions_take_turns() -> None:
    _record("the head exists")
    before_id, before_hash = _head()
    start = threading.Barrier(4)

    def append(thread: int) -> None:
        start.wait()
        for number in range(10):
            _record(f"{thread}:{number}")

    workers = [_in_another_thread(functools.partial(append, n)) for n in range(4)]
    for worker in workers:
        worker.join()
    events = _assert_chained_in_id_order(before_id, before_hash)
    # No race lost, so no ids drawn in vain: they follow on one another.
    assert [event.pk for event in events] == list(range(events[0].pk, events[0].pk + 40))


def _in_a_transaction(detail: str) -> None:
    with transaction.atomic():
        _record(detail)


def _moving_the_head_after_reads(
    monkeypatch: pytest.MonkeyPatch, times: int
) -> list[tuple[str, list[int]]]:
    """After each of this thread's first `times` reads of the head, another connection
    appends an event (`moved:N`, in a transaction, which does not wait for the process's
    turn) before the reader writes: the reader's statement finds the head moved. The reads
    are returned as they are made."""
    read = services._head_and_ids
    reads: list[tuple[str, list[int]]] = []
    reader = threading.current_thread()

    def read_then_move(*args: Any) -> tuple[str, list[int]] | None:
        found = read(*args)
        if threading.current_thread() is reader and found is not None:
            reads.append(found)
            if len(reads) <= times:
                _in_another_thread(lambda: _in_a_transaction(f"moved:{len(reads)}")).join()
        return found

    monkeypatch.setattr(services, "_head_and_ids", read_then_move)
    return reads


@pytest.mark.parametrize("in_a_transaction", [False, True])
def test_an_append_whose_head_moved_after_it_was_read_tries_again_and_is_chained_after_it(
    monkeypatch: pytest.MonkeyPatch, in_a_transaction: bool
) -> None:
    _record("the head exists")
    before_id, before_hash = _head()
    reads = _moving_the_head_after_reads(monkeypatch, times=1)
    with transaction.atomic() if in_a_transaction else contextlib.nullcontext():
        appended = _record("appended")
    assert len(reads) == 2
    (stale_hash, stale_ids), (fresh_hash, fresh_ids) = reads
    assert stale_hash == before_hash
    moved = AuditEvent.objects.get(detail="moved:1")
    assert fresh_hash == moved.hash
    assert not AuditEvent.objects.filter(pk__in=stale_ids).exists()  # nothing of the lost try
    assert appended.pk == fresh_ids[0] > stale_ids[0] and appended.previous_hash == moved.hash
    events = _assert_chained_in_id_order(before_id, before_hash)
    assert [event.detail for event in events] == ["moved:1", "appended"]
    # The ids the lost try drew are a gap in the trail, which the checkpoints count past.
    call_command("audit-checkpoint", stdout=io.StringIO())
    _record("after the checkpoint")
    assert "It reaches every checkpoint" in _verify()
    assert "intact: 1 events checked after" in _verify("--since-checkpoint")


def test_after_repeated_lost_races_the_append_takes_the_heads_lock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _record("the head exists")
    before_id, before_hash = _head()
    attempts = services._ONE_STATEMENT_ATTEMPTS
    reads = _moving_the_head_after_reads(monkeypatch, times=attempts)
    with CaptureQueriesContext(connection) as queries, recorded_together():
        _record("appended:1")
        _record("appended:2")
    assert len(reads) == attempts
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1 and "audit_auditchainhead" in locks[0]
    events = _assert_chained_in_id_order(before_id, before_hash)
    assert [event.detail for event in events] == [
        *(f"moved:{n}" for n in range(1, attempts + 1)),
        "appended:1",
        "appended:2",
    ]
    drawn = {event_id for _hash, ids in reads for event_id in ids}
    assert not drawn & {event.pk for event in events}


def _waiting_on_a_lock(statement_start: str) -> bool:
    """Whether, within a few seconds, another backend waits on a lock in a statement that
    starts so."""
    for _ in range(100):
        with connection.cursor() as cursor:
            # In a transaction the activity is read once, unless its snapshot is cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE %s",
                [statement_start + "%"],
            )
            (waiting,) = cursor.fetchone()
        if waiting:
            return True
        time.sleep(0.05)
    return False


def test_an_append_in_a_transaction_that_rolls_back_leaves_no_event_and_the_head_as_it_was() -> (
    None
):
    _record("the head exists")
    before_id, before_hash = _head()
    with pytest.raises(RuntimeError), transaction.atomic():
        _record("rolled back")
        assert AuditEvent.objects.filter(detail="rolled back").exists()
        # The head stays locked to the transaction's end: another append waits for it.
        other = _in_another_thread(lambda: _record("other"))
        assert _waiting_on_a_lock('WITH moved AS (UPDATE "audit_auditchainhead"')
        assert other.is_alive()
        raise RuntimeError("the write failed after its event was recorded")
    other.join()
    assert not AuditEvent.objects.filter(detail="rolled back").exists()
    events = _assert_chained_in_id_order(before_id, before_hash)
    assert [event.detail for event in events] == ["other"]
    assert events[0].previous_hash == before_hash


def test_the_event_ids_are_drawn_in_order_across_connections() -> None:
    """The order argument of docs/decisions/0042 needs a sequence that hands out its values
    one at a time (a cache of more than one lets each connection draw from its own block)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seqcache FROM pg_sequence "
            "WHERE seqrelid = pg_get_serial_sequence('audit_auditevent', 'id')::regclass"
        )
        assert cursor.fetchone() == (1,)
