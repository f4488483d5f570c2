"""The auditor reads the trail in words, in their own language, finds a record in the lists
that showed it, and exports what they found with a reason."""

import csv
import io
import re

import pytest
from django.test import Client

from backontrack.audit.models import Action, AuditEvent
from backontrack.mentorships.models import MentorshipStatus

from .conftest import demo_mentorship, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor() -> Client:
    return signed_in_client("auditor")


def test_a_record_is_found_in_the_lists_that_showed_it(auditor: Client) -> None:
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    signed_in_client(mentor_name(mentorship)).get("/mentorships/")
    listed = (
        AuditEvent.objects.filter(
            action=Action.LIST,
            object_type="mentorships.mentorship",
            actor_username=mentor_name(mentorship),
        )
        .order_by("-id")
        .first()
    )
    assert listed is not None and str(mentorship.pk) in listed.object_ids
    found = auditor.get(
        "/audit/", {"object_type": "mentorships.mentorship", "object_id": str(mentorship.pk)}
    )
    assert listed in [item.event for item in found.context["events"]]
    # Every event found concerns that mentorship, alone or among others.
    for item in found.context["events"]:
        event = item.event
        assert event.object_id == str(mentorship.pk) or str(mentorship.pk) in event.object_ids


def mentor_name(mentorship: object) -> str:
    return mentorship.mentor.user.username  # type: ignore[attr-defined]


def _text(page: str) -> str:
    """The page without its attribute values (links and filters carry the codes)."""
    return re.sub(r'="[^"]*"', "", page)


def test_the_trail_reads_in_words_in_the_readers_language(auditor: Client) -> None:
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    signed_in_client(mentor_name(mentorship)).get(f"/mentorships/{mentorship.pk}/")
    english = auditor.get("/audit/", {"object_type": "mentorships.mentorship"}).content.decode()
    assert f"Mentorship #{mentorship.pk}" in english or f"mentorship #{mentorship.pk}" in english
    assert "mentorships.mentorship" not in _text(english)
    auditor.cookies["backontrack_language"] = "da"
    danish = auditor.get("/audit/", {"object_type": "mentorships.mentorship"}).content.decode()
    assert f"mentorforløb #{mentorship.pk}" in danish
    assert "mentorships.mentorship" not in _text(danish)
    assert "Mentor" in danish  # the role, in words


def test_a_person_in_the_trail_links_to_who_looked_at_them(auditor: Client) -> None:
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    signed_in_client("coordinator").get(f"/mentees/{mentorship.mentee_id}/")
    # Searching the trail by a person's number is their access history: the auditor says why.
    auditor.post(
        "/purpose/",
        {"key": f"mentee:{mentorship.mentee_id}", "next": "/audit/", "reason": "quality"},
    )
    page = auditor.get(
        "/audit/", {"object_type": "mentees.mentee", "object_id": str(mentorship.mentee_id)}
    ).content.decode()
    assert f'href="/audit/people/{mentorship.mentee_id}/"' in page


def test_an_export_asks_why_and_is_recorded_with_the_reason(auditor: Client) -> None:
    coordinator = signed_in_client("coordinator")
    for path in ["/", "/mentees/", "/referrals/"]:
        coordinator.get(path)
    search = "/audit/export/?username=coordinator&action=list"
    refused = auditor.post(search, {"purpose": ""})
    assert refused.status_code == 400
    assert b"Why you export these events" in refused.content
    assert b'aria-invalid="true"' in refused.content
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()

    response = auditor.post(search, {"purpose": "Periodic check of the coordinator's lists"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[0][:4] == ["Time", "User", "Roles", "Action"]
    listed = AuditEvent.objects.filter(actor_username="coordinator", action=Action.LIST)
    assert len(rows) - 1 == listed.count() > 0
    assert {row[1] for row in rows[1:]} == {"coordinator"}
    assert {row[3] for row in rows[1:]} == {"Listed"}
    assert {row[12] for row in rows[1:]} == {str(pk) for pk in listed.values_list("pk", flat=True)}
    export = AuditEvent.objects.get(action=Action.EXPORT)
    assert export.justification == "Periodic check of the coordinator's lists"
    assert export.fields == ["action", "username"]
    assert export.detail == f"csv:{listed.count()}"


def test_only_the_auditor_exports_the_trail() -> None:
    for username in ["admin", "coordinator", "mentor05", "evaluator"]:
        response = signed_in_client(username).post("/audit/export/", {"purpose": "curious"})
        assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()
