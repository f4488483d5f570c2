import io
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client

from backontrack.accounts.models import Role, User
from backontrack.audit.models import Action, AuditEvent

from .conftest import PASSWORD, current_code, signed_in_client

pytestmark = pytest.mark.django_db


def newest(**filters: object) -> AuditEvent:
    event = AuditEvent.objects.filter(**filters).order_by("-id").first()
    assert event is not None, f"no audit event with {filters}"
    return event


def verify() -> str:
    out = io.StringIO()
    call_command("verify-audit", stdout=out)
    return out.getvalue()


def test_sign_in_and_sign_out_are_audited_with_request_and_address(client: Client) -> None:
    client.post("/signin/", {"username": "coordinator", "password": PASSWORD})
    response = client.post(
        "/signin/code/", {"code": current_code("coordinator")}, REMOTE_ADDR="192.0.2.10"
    )
    event = newest(action=Action.SIGN_IN)
    assert event.actor_username == "coordinator"
    assert event.actor_roles == "coordinator"
    assert event.address == "192.0.2.10"
    assert event.request_id == response["X-Request-ID"]
    client.post("/signout/")
    assert newest(action=Action.SIGN_OUT).actor_username == "coordinator"


def test_failed_sign_ins_and_lockouts_are_audited(client: Client) -> None:
    for _ in range(5):
        client.post("/signin/", {"username": "trainer", "password": "wrong"})
    failed = newest(action=Action.SIGN_IN_FAILED)
    assert failed.actor is None
    assert failed.actor_username == "trainer"
    client.post("/signin/", {"username": "trainer", "password": PASSWORD})
    assert newest(action=Action.LOCKOUT).actor_username == "trainer"
    assert AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED).count() >= 4


def test_an_expired_session_is_audited_as_a_sign_out() -> None:
    import time

    client = signed_in_client("mentor05")
    session = client.session
    session["last_seen"] = time.time() - 3600
    session.save()
    client.get("/")
    event = newest(action=Action.SIGN_OUT)
    assert event.actor_username == "mentor05"
    assert event.detail == "session expired"


def test_admin_changes_are_audited_by_field_without_values() -> None:
    admin = signed_in_client("admin")
    mentor = User.objects.get(username="mentor02")
    admin.post(
        f"/admin/users/{mentor.pk}/edit/",
        {
            "first_name": mentor.first_name,
            "last_name": "Mikkelsen-Berg",
            "email": mentor.email,
            "organisation": mentor.organisation_id,
            "roles": [Role.MENTOR],
            "version": mentor.version,
        },
    )
    event = newest(action=Action.CHANGE, object_id=str(mentor.pk))
    assert event.object_type == "accounts.user"
    assert event.fields == ["last_name", "roles"]
    assert event.actor_username == "admin"
    assert "Mikkelsen-Berg" not in str(event.__dict__)

    admin.post(f"/admin/users/{mentor.pk}/reset-password/")
    token = str(mail.outbox[-1].body).split("/signin/link/")[1].split("/")[0]
    events = AuditEvent.objects.filter(object_id=str(mentor.pk)).order_by("-id")[:3]
    assert [event.fields for event in events] == [
        ["signin_link"],
        ["password"],
        ["last_name", "roles"],
    ]
    assert all(token not in str(event.__dict__) for event in events)


def test_looking_at_staff_accounts_is_audited_with_the_records_shown() -> None:
    admin = signed_in_client("admin")
    admin.get("/admin/users/?q=mentor0")
    search = newest(action=Action.SEARCH)
    shown = set(User.objects.filter(username__startswith="mentor0").values_list("pk", flat=True))
    assert set(map(int, search.object_ids)) == shown
    mentor = User.objects.get(username="mentor05")
    admin.get(f"/admin/users/{mentor.pk}/")
    assert newest(action=Action.VIEW).object_id == str(mentor.pk)


def _some_events() -> list[AuditEvent]:
    admin = signed_in_client("admin")
    for _ in range(3):
        admin.get("/admin/users/")
    return list(AuditEvent.objects.order_by("id"))


TABLES = ["audit_auditevent", "audit_auditeventsubject", "audit_auditchainhead"]


def _tamper(sql: str, params: list[Any]) -> None:
    """What someone with direct database access could do. On PostgreSQL the triggers must be
    switched off first, as only the tables' owner could."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            for table in TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_verify_audit_passes_on_an_intact_trail() -> None:
    events = _some_events()
    assert f"intact: {len(events)} events checked" in verify()


def test_verify_audit_names_an_event_whose_content_was_changed() -> None:
    events = _some_events()
    target = events[1]
    _tamper("UPDATE audit_auditevent SET actor_username = %s WHERE id = %s", ["x", target.pk])
    with pytest.raises(CommandError, match=f"broken at event {target.pk}: its content was changed"):
        verify()


def test_verify_audit_notices_a_removed_event() -> None:
    events = _some_events()
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match=f"broken at event {events[2].pk}.*removed or inserted"):
        verify()


def test_verify_audit_notices_events_cut_off_the_end() -> None:
    events = _some_events()
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    with pytest.raises(CommandError, match="end of the chain"):
        verify()


def test_verify_audit_notices_an_inserted_event() -> None:
    events = _some_events()
    forged = events[1]
    _tamper(
        "INSERT INTO audit_auditevent (occurred_at, actor_username, actor_roles, action,"
        " object_type, object_id, object_ids, fields, justification, recipient, detail,"
        " request_id, address, previous_hash, hash)"
        " VALUES (%s, 'ghost', '', 'view', '', '', '[]', '[]', '', '', '', '', '', %s, %s)",
        [forged.occurred_at, forged.hash, "f" * 64],
    )
    with pytest.raises(CommandError, match="broken at event"):
        verify()


def test_verify_audit_notices_a_hidden_access_to_a_person() -> None:
    from backontrack.mentees.models import Mentee

    mentee = Mentee.objects.order_by("id").first()
    assert mentee is not None
    signed_in_client("coordinator").get(f"/mentees/{mentee.pk}/")
    view = newest(action=Action.VIEW, object_type="mentees.mentee")
    _tamper("DELETE FROM audit_auditeventsubject WHERE event_id = %s", [view.pk])
    with pytest.raises(CommandError, match=f"broken at event {view.pk}.*index of accesses"):
        verify()


def test_verify_audit_ignores_events_written_after_it_started() -> None:
    from backontrack.audit.services import ChainProblem, verify_chain

    _some_events()
    walk = verify_chain(batch_size=1)
    first = next(walk)
    signed_in_client("admin").get("/admin/users/")  # written while the walk runs
    assert not any(isinstance(step, ChainProblem) for step in [first, *walk])


@pytest.mark.postgresql_only
def test_postgresql_refuses_update_and_delete_on_the_audit_trail() -> None:
    event = _some_events()[0]
    for sql in (
        "UPDATE audit_auditevent SET detail = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
        "DELETE FROM audit_auditeventsubject WHERE event_id = %s",
        "UPDATE audit_auditchainhead SET last_event_id = 0 WHERE %s > 0",
        "DELETE FROM audit_auditchainhead WHERE %s > 0",
    ):
        with (
            pytest.raises(DatabaseError, match=r"append-only|only moves forward"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])


def test_only_the_auditor_reads_the_audit_trail() -> None:
    for username in ("coordinator", "admin", "mentor01", "liaison-security"):
        assert signed_in_client(username).get("/audit/").status_code == 404
        assert signed_in_client(username).post("/audit/verify/").status_code == 404


def test_the_auditor_finds_who_did_what_and_is_recorded_doing_so() -> None:
    admin = signed_in_client("admin")
    mentor = User.objects.get(username="mentor05")
    admin.get(f"/admin/users/{mentor.pk}/")
    auditor = signed_in_client("auditor")
    response = auditor.get(
        "/audit/",
        {
            "username": "admin",
            "action": "view",
            "object_type": "accounts.user",
            "object_id": str(mentor.pk),
        },
    )
    page = response.context["page"]
    assert [event.actor_username for event in page.object_list] == ["admin"]
    own = newest(actor__username="auditor", action=Action.SEARCH)
    assert own.object_type == "audit.auditevent"
    assert own.object_ids == [str(page.object_list[0].pk)]
    assert own.fields == ["action", "object_id", "object_type", "username"]


def test_a_backwards_period_is_a_clear_error() -> None:
    response = signed_in_client("auditor").get(
        "/audit/", {"date_from": "2026-05-01", "date_to": "2026-04-01"}
    )
    assert b"The end of the period is before its start" in response.content


def test_the_auditor_verifies_the_chain_from_the_page() -> None:
    _some_events()
    response = signed_in_client("auditor").post("/audit/verify/", follow=True)
    assert b"The audit trail is intact" in response.content
    target = AuditEvent.objects.order_by("id").first()
    assert target is not None
    _tamper("UPDATE audit_auditevent SET detail = %s WHERE id = %s", ["x", target.pk])
    response = signed_in_client("auditor").post("/audit/verify/", follow=True)
    assert f"broken at event {target.pk}".encode() in response.content


def test_the_audit_trail_page_query_count_does_not_grow() -> None:
    from django.test.utils import CaptureQueriesContext

    auditor = signed_in_client("auditor")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert auditor.get("/audit/").status_code == 200
        return len(queries)

    _some_events()
    before = count()
    _some_events()
    _some_events()
    assert count() == before


def test_the_auditor_sees_who_looked_at_one_person() -> None:
    from backontrack.mentees.models import Mentee

    mentee = Mentee.objects.order_by("id").first()
    assert mentee is not None
    coordinator = signed_in_client("coordinator")
    coordinator.get(f"/mentees/{mentee.pk}/")
    coordinator.get("/mentees/")  # the first page of the register shows this person too
    auditor = signed_in_client("auditor")
    found = auditor.post("/audit/people/", {"id-personal_id": mentee.personal_id})
    assert found["Location"] == f"/audit/people/{mentee.pk}/"
    page = auditor.get(found["Location"])
    actions = [(e.actor_username, e.action) for e in page.context["page"].object_list]
    assert ("coordinator", Action.VIEW) in actions
    assert ("coordinator", Action.LIST) in actions
    assert mentee.personal_id not in page.content.decode()
    # The auditor's own look is recorded, and then shows up in the history itself.
    assert newest(actor__username="auditor", action=Action.VIEW).object_id == str(mentee.pk)
    again = auditor.get(found["Location"])
    assert ("auditor", Action.VIEW) in [
        (e.actor_username, e.action) for e in again.context["page"].object_list
    ]
    missing = auditor.post("/audit/people/", {"id-personal_id": "010101-0001"})
    assert b"No mentee has this personal identification number" in missing.content
