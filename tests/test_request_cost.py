"""What a signed-in page costs the database, and that the savings keep the guarantees: the
session is written only when something in it changed (the idle timeout still ends a session),
and the page's audit events still name every person shown."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.accounts.middleware import LAST_SEEN_RESOLUTION_SECONDS
from backontrack.accounts.models import Institution, User
from backontrack.audit.models import Action, AuditChainHead, AuditEvent
from backontrack.audit.services import ChainProblem, record, recorded_together, verify_chain
from backontrack.mentees import services as mentee_services
from backontrack.mentees.models import Consent, Mentee
from backontrack.mentorships.models import MentorshipStatus

from .conftest import signed_in_client

pytestmark = pytest.mark.django_db


def _session_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]


def _last_seen_ago(client: Client, seconds: float) -> None:
    session = client.session
    session["last_seen"] = time.time() - seconds
    session.save()


def _a_mentee() -> Mentee:
    return Mentee.objects.filter(mentorships__status=MentorshipStatus.ACTIVE).earliest("id")


def test_a_page_within_a_minute_of_the_last_write_does_not_write_the_session() -> None:
    client = signed_in_client("coordinator")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
        assert client.get(f"/mentees/{_a_mentee().pk}/").status_code == 200
    assert _session_writes(queries) == []


def test_the_time_of_the_last_activity_is_written_once_a_minute() -> None:
    client = signed_in_client("coordinator")
    _last_seen_ago(client, LAST_SEEN_RESOLUTION_SECONDS + 1)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert len(_session_writes(queries)) == 1
    assert time.time() - client.session["last_seen"] < 5


def test_activity_keeps_a_session_open_past_the_idle_limit_counted_from_sign_in() -> None:
    client = signed_in_client("coordinator")
    _last_seen_ago(client, 14 * 60)
    assert client.get("/").status_code == 200
    _last_seen_ago(client, 14 * 60)  # another 14 minutes later: active all along
    assert client.get("/").status_code == 200


def test_the_idle_limit_still_ends_a_session_whose_activity_was_not_written() -> None:
    client = signed_in_client("coordinator")
    assert client.get("/").status_code == 200  # within the minute: nothing written
    _last_seen_ago(client, 15 * 60 + 1)
    response = client.get("/account/", follow=True)
    assert response.redirect_chain[0][0] == "/signin/?next=%2Faccount%2F"
    assert b"without activity" in response.content


def test_the_mentee_page_still_names_every_person_shown_and_the_trail_verifies() -> None:
    client = signed_in_client("coordinator")
    mentee = _a_mentee()
    newest = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    assert client.get(f"/mentees/{mentee.pk}/").status_code == 200
    events = list(AuditEvent.objects.filter(id__gt=newest).order_by("id"))
    assert events[0].action == Action.VIEW
    assert events[0].object_type == "mentees.mentee"
    assert events[0].object_id == str(mentee.pk)
    listed = {e.object_type: set(e.object_ids) for e in events[1:]}
    assert listed["mentorships.mentorship"] == {str(m.pk) for m in mentee.mentorships.all()}
    assert {str(mentee.pk)} == {person for e in events[1:] for person in e.people}
    steps = list(verify_chain())
    assert steps[-1] == AuditEvent.objects.count()


def test_the_mentee_page_reads_the_user_and_the_session_once() -> None:
    client = signed_in_client("coordinator")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/mentees/{_a_mentee().pk}/").status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum('FROM "django_session"' in q for q in sql) == 1
    assert sum('FROM "accounts_user"' in q and '"accounts_user"."id" =' in q for q in sql) == 1
    assert sum('FROM "accounts_rolegrant"' in q for q in sql) == 1


def test_the_mentee_page_appends_its_events_in_one_insert_and_one_move_of_the_head() -> None:
    client = signed_in_client("coordinator")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/mentees/{_a_mentee().pk}/").status_code == 200
    sql = [q["sql"].lstrip().upper() for q in queries.captured_queries]
    audit_writes = [q for q in sql if 'INTO "AUDIT_' in q or 'UPDATE "AUDIT_' in q]
    if connection.vendor == "postgresql":
        # One statement moves the head and inserts the events and their index rows, and
        # nothing locks the head before it (docs/decisions/0042).
        assert len(audit_writes) == 1
        assert audit_writes[0].startswith('WITH MOVED AS (UPDATE "AUDIT_AUDITCHAINHEAD"')
        assert 'INSERT INTO "AUDIT_AUDITEVENT" ' in audit_writes[0]
        assert 'INSERT INTO "AUDIT_AUDITEVENTSUBJECT" ' in audit_writes[0]
        assert not [q for q in sql if "FOR UPDATE" in q]
    else:
        assert sum(q.startswith('INSERT INTO "AUDIT_AUDITEVENT"') for q in sql) == 1
        assert sum(q.startswith('INSERT INTO "AUDIT_AUDITEVENTSUBJECT"') for q in sql) == 1
        assert sum(q.startswith('UPDATE "AUDIT_AUDITCHAINHEAD"') for q in sql) == 1
        assert len(audit_writes) == 3


# The mentee page's queries: the session, the user and their roles, their programmes, the
# person, the custody history, the consents, the referrals, the mentorships, the disclosures,
# the demo banner, and the audit append. On SQLite the append is six (begin, lock the head,
# the events, their subjects, move the head, commit: section "The mentee page's cost, cut"
# of docs/performance.md); on PostgreSQL two (read the head and draw the ids, then one
# statement for the rest: section 21 and docs/decisions/0042).
MENTEE_PAGE_QUERIES = {"sqlite": 17, "postgresql": 13}


def _mentee_page_queries(client: Client, mentee: Mentee) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/mentees/{mentee.pk}/")
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_mentee_page_asks_a_fixed_number_of_queries_however_long_the_record() -> None:
    client = signed_in_client("coordinator")
    mentee = _a_mentee()
    assert len(_mentee_page_queries(client, mentee)) == MENTEE_PAGE_QUERIES[connection.vendor]
    coordinator = User.objects.get(username="coordinator")
    institution = Institution.objects.order_by("id").first()
    for days in range(1, 6):
        mentee_services.custody_event_record(
            actor=coordinator,
            mentee=mentee,
            kind="transfer",
            occurred_on=timezone.localdate() - timedelta(days=days),
            institution=institution,
            note=f"moved on day {days}",
        )
        Consent.objects.create(
            mentee=mentee,
            given_on=timezone.localdate() - timedelta(days=days),
            how="written",
            participation=True,
            recorded_by=coordinator,
        )
    mentee.refresh_from_db()
    sql = _mentee_page_queries(client, mentee)
    assert len(sql) == MENTEE_PAGE_QUERIES[connection.vendor]
    # What the page shows of the new rows (institution, note, recorder) came in those
    # queries, not in one more a row; the note opens with the row's key.
    assert "moved on day 5" in client.get(f"/mentees/{mentee.pk}/").content.decode()


def test_events_recorded_together_are_appended_in_order_and_none_if_the_block_fails() -> None:
    user = User.objects.get(username="coordinator")
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), recorded_together():
        record(actor=user, action=Action.VIEW, object_type="mentees.mentee", object_id="1")
        raise RuntimeError("the page failed before anything was shown")
    assert AuditEvent.objects.count() == before
    with recorded_together():
        first = record(actor=user, action=Action.VIEW, object_type="mentees.mentee", object_id="1")
        second = record(
            actor=user, action=Action.LIST, object_type="mentees.mentee", object_ids=[2]
        )
    assert second.pk == first.pk + 1
    assert second.previous_hash == first.hash
    assert AuditChainHead.objects.get(pk=1).last_hash == second.hash
    assert not [step for step in verify_chain() if isinstance(step, ChainProblem)]
