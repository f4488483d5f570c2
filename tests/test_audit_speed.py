"""verify-audit reads the columns as the database returns them, without Django's conversion
of each value (that is what makes it fast): these tests show that it computes the same bytes
as the hash was made of, and still notices a changed time, list or text."""

import hmac
from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from backontrack.accounts.models import User
from backontrack.audit.models import Action, AuditEvent
from backontrack.audit.services import (
    _CANONICAL_ORDER,
    CONTENT_FIELDS,
    ChainProblem,
    _canonical,
    _Keyed,
    _raw_rows,
    _StoredCanonical,
    record,
    verify_chain,
)

from .test_audit import _tamper

pytestmark = pytest.mark.django_db


def _record_varied_events() -> list[AuditEvent]:
    coordinator = User.objects.get(username="coordinator")
    return [
        record(actor=coordinator, action=Action.VIEW, object_type="mentees.mentee", object_id="1"),
        record(
            actor=None,
            action=Action.SIGN_IN_FAILED,
            username='Søren "Ø" Æbelø\\\n\t\u2028',
            detail="næste forsøg — 日本",
        ),
        record(
            actor=coordinator,
            action=Action.LIST,
            object_type="mentorships.mentorship",
            object_ids=[1, 2, 3],
            fields=["status", "mentor", "coach"],
            justification="stated:complaint:Klage fra pårørende",
        ),
    ]


def _stored_rows(ids: list[int]) -> list[tuple]:
    sqlite = connection.vendor == "sqlite"
    names = [
        "occurred_at_text" if name == "occurred_at" and sqlite else name
        for name in _CANONICAL_ORDER
    ]
    query = (
        AuditEvent.objects.filter(id__in=ids)
        .order_by("id")
        .annotate(occurred_at_text=Cast("occurred_at", TextField()))
        .values_list(*names)
    )
    return list(_raw_rows(query, 100))


def test_the_walk_makes_the_same_bytes_as_the_hash_was_made_of() -> None:
    events = _record_varied_events()
    rows = _stored_rows([event.pk for event in events])
    canonical = _StoredCanonical()
    for event, row in zip(events, rows, strict=True):
        read = AuditEvent.objects.get(pk=event.pk)
        expected = _canonical([getattr(read, name) for name in CONTENT_FIELDS])
        assert canonical(row)[0] == expected


def test_a_time_moved_by_a_microsecond_breaks_the_chain() -> None:
    event = _record_varied_events()[1]
    moved: object = event.occurred_at + timedelta(microseconds=1)
    if connection.vendor == "sqlite":  # as Django stores it there: UTC, without a zone
        moved = (event.occurred_at + timedelta(microseconds=1)).astimezone(UTC)
        moved = moved.replace(tzinfo=None).isoformat(" ")
    _tamper("UPDATE audit_auditevent SET occurred_at = %s WHERE id = %s", [moved, event.pk])
    problems = [step for step in verify_chain() if isinstance(step, ChainProblem)]
    assert [problem.event_id for problem in problems] == [event.pk]


def test_a_list_of_records_rewritten_in_another_spelling_still_verifies() -> None:
    """The same list written with other spacing is the same content: JSON is parsed, as
    Django parses it, not compared as text."""
    event = _record_varied_events()[2]
    _tamper(
        "UPDATE audit_auditevent SET fields = %s WHERE id = %s",
        ['[ "coach","mentor" ,  "status"]', event.pk],
    )
    assert not [step for step in verify_chain() if isinstance(step, ChainProblem)]


@pytest.mark.parametrize("length", [1, 32, 64, 65, 200])
def test_the_walks_hmac_is_the_writers(length: int) -> None:
    """The walk signs with the key's padded blocks hashed once; the writer with
    `hmac.digest`. Keys shorter and longer than SHA-256's block give the same digest."""
    key = bytes(range(256))[:length]
    message = "0" * 64 + '\n{"action":"view","detail":"Søren \\u00f8"}'
    assert (
        _Keyed(key).hexdigest(message.encode())
        == hmac.digest(key, message.encode(), "sha256").hex()
    )
    assert (
        _Keyed(key).hexdigest(message.encode() + b" ")
        != hmac.digest(key, message.encode(), "sha256").hex()
    )
