"""Looks that are not routine open only with a stated purpose, which every event of the
look carries: a coordinator opening a closed case, the auditor opening a person's access
history (issue: why, in words)."""

import time

import pytest
from django.test import Client

from backontrack.audit import purposes
from backontrack.audit.models import AuditEvent, AuditEventSubject
from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Mentorship, MentorshipStatus

from .conftest import signed_in_client

pytestmark = pytest.mark.django_db


def _closed() -> Mentorship:
    closed = (
        Mentorship.objects.select_related("mentee", "mentor__user")
        .filter(status=MentorshipStatus.CLOSED)
        .order_by("mentee__last_name", "mentee__first_name", "id")  # the list's first
        .first()
    )
    assert closed is not None
    return closed


def _state(client: Client, key: str, next_url: str, **answer: str):
    return client.post("/purpose/", {"key": key, "next": next_url, **answer})


def _filed(mentee_id: int, response) -> list[str]:
    return list(
        AuditEventSubject.objects.filter(
            object_type="mentees.mentee",
            object_id=str(mentee_id),
            event__request_id=response["X-Request-ID"],
        ).values_list("event__justification", flat=True)
    )


def test_a_closed_case_asks_the_coordinator_why_before_it_opens() -> None:
    closed = _closed()
    name = f"{closed.mentee.first_name} {closed.mentee.last_name}"
    coordinator = signed_in_client("coordinator")
    url = f"/mentorships/{closed.pk}/"

    asked = coordinator.get(url)
    assert asked.status_code == 403
    page = asked.content.decode()
    assert "Why do you open this closed case?" in page
    assert name not in page and closed.mentee.last_name not in page
    assert _filed(closed.mentee_id, asked) == []  # nothing of the person was shown

    stated = _state(
        coordinator, f"mentorship:{closed.pk}", url, reason="complaint", details="Complaint 2026-14"
    )
    assert stated.status_code == 302 and stated["Location"] == url
    opened = coordinator.get(url)
    assert opened.status_code == 200 and name in opened.content.decode()
    assert set(_filed(closed.mentee_id, opened)) == {"stated:complaint:Complaint 2026-14"}
    # The case's other pages open on the same purpose, and it is read back in words.
    timeline = coordinator.get(f"{url}timeline/")
    assert timeline.status_code == 200
    assert set(_filed(closed.mentee_id, timeline)) == {"stated:complaint:Complaint 2026-14"}

    auditor = signed_in_client("auditor")
    _state(auditor, f"mentee:{closed.mentee_id}", "/", reason="quality")
    history = auditor.get(f"/audit/people/{closed.mentee_id}/").content.decode()
    assert "A complaint or an inquiry: Complaint 2026-14" in history


def test_a_purpose_opens_only_the_case_it_was_given_for_and_only_for_an_hour() -> None:
    first, second = Mentorship.objects.filter(status=MentorshipStatus.CLOSED).order_by("id")[:2]
    coordinator = signed_in_client("coordinator")
    _state(coordinator, f"mentorship:{first.pk}", "/", reason="follow_up")
    assert coordinator.get(f"/mentorships/{first.pk}/").status_code == 200
    assert coordinator.get(f"/mentorships/{second.pk}/").status_code == 403
    session = coordinator.session
    (text, until) = session[purposes.SESSION_KEY][f"mentorship:{first.pk}"]
    assert until - time.time() == pytest.approx(purposes.LIFETIME_SECONDS, abs=60)
    session[purposes.SESSION_KEY] = {f"mentorship:{first.pk}": [text, time.time() - 1]}
    session.save()
    assert coordinator.get(f"/mentorships/{first.pk}/").status_code == 403


def test_other_reason_needs_words_and_the_answer_is_kept_on_the_form() -> None:
    closed = _closed()
    coordinator = signed_in_client("coordinator")
    url = f"/mentorships/{closed.pk}/"
    refused = _state(coordinator, f"mentorship:{closed.pk}", url, reason="other", details=" ")
    assert refused.status_code == 400
    assert "Say in a few words why you open it." in refused.content.decode()
    assert coordinator.get(url).status_code == 403


@pytest.mark.parametrize(
    ("key", "next_url"),
    [
        ("mentorship:1", "https://evil.example/"),
        ("mentorship:1", "//evil.example/"),
        ("referral:1", "/"),
        ("mentorship:0", "/"),
        ("mentorship:1\nx", "/"),
    ],
)
def test_a_purpose_for_something_else_or_a_foreign_address_is_refused(
    key: str, next_url: str
) -> None:
    coordinator = signed_in_client("coordinator")
    response = _state(coordinator, key, next_url, reason="follow_up")
    assert response.status_code == 302 and response["Location"] == "/"
    assert coordinator.session.get(purposes.SESSION_KEY) is None


def test_a_purpose_does_not_widen_access() -> None:
    """A mentor may not see a closed case, whatever they say."""
    closed = _closed()
    mentor = signed_in_client(closed.mentor.user.username)  # type: ignore[union-attr]
    _state(mentor, f"mentorship:{closed.pk}", "/", reason="follow_up")
    assert mentor.get(f"/mentorships/{closed.pk}/").status_code == 404


def test_the_auditor_says_why_when_looking_a_person_up() -> None:
    mentee = Mentee.objects.earliest("id")
    auditor = signed_in_client("auditor")
    direct = auditor.get(f"/audit/people/{mentee.pk}/")
    assert direct.status_code == 403
    assert "Why do you look at this person's access history?" in direct.content.decode()
    assert mentee.last_name not in direct.content.decode()

    without = auditor.post("/audit/people/", {"id-personal_id": mentee.personal_id})
    assert without.status_code == 200
    assert "This field is required." in without.content.decode()

    found = auditor.post(
        "/audit/people/",
        {
            "id-personal_id": mentee.personal_id,
            "id-reason": "access_request",
            "id-details": "DSR 7",
        },
    )
    assert found.status_code == 302 and found["Location"] == f"/audit/people/{mentee.pk}/"
    search = AuditEvent.objects.filter(action="search").latest("id")
    assert search.justification == "stated:access_request:DSR 7"
    page = auditor.get(found["Location"])
    assert page.status_code == 200
    assert set(_filed(mentee.pk, page)) == {"stated:access_request:DSR 7"}


def test_the_referral_of_a_closed_case_opens_as_the_case_does() -> None:
    closed = _closed()
    assert closed.referral_id is not None
    coordinator = signed_in_client("coordinator")
    url = f"/referrals/{closed.referral_id}/"
    asked = coordinator.get(url)
    assert asked.status_code == 403
    assert closed.mentee.last_name not in asked.content.decode()
    _state(coordinator, f"mentorship:{closed.pk}", url, reason="complaint", details="C-9")
    opened = coordinator.get(url)
    assert opened.status_code == 200
    assert set(_filed(closed.mentee_id, opened)) == {"stated:complaint:C-9"}


def test_the_list_of_closed_cases_asks_why_first() -> None:
    closed = _closed()
    coordinator = signed_in_client("coordinator")
    asked = coordinator.get("/mentorships/", {"status": "closed"})
    assert asked.status_code == 403
    assert "Why do you list the closed cases?" in asked.content.decode()
    assert closed.mentee.last_name not in asked.content.decode()
    assert coordinator.get("/mentorships/").status_code == 200  # the open ones stay routine
    _state(coordinator, "mentorships:closed", "/mentorships/?status=closed", reason="quality")
    listed = coordinator.get("/mentorships/", {"status": "closed"})
    assert listed.status_code == 200 and closed.mentee.last_name in listed.content.decode()
    assert set(_filed(closed.mentee_id, listed)) == {"stated:quality:"}


def test_the_auditor_cannot_skip_the_question_through_the_trail_search() -> None:
    mentee = Mentee.objects.earliest("id")
    auditor = signed_in_client("auditor")
    for query in (
        {"object_type": "mentees.mentee", "object_id": str(mentee.pk)},
        {"object_id": str(mentee.pk)},
    ):
        assert auditor.get("/audit/", query).status_code == 403
    exported = auditor.post(
        "/audit/export/?" + f"object_id={mentee.pk}", {"purpose": "periodic check"}
    )
    assert exported.status_code == 403
    _state(auditor, f"mentee:{mentee.pk}", "/audit/", reason="quality")
    assert auditor.get("/audit/", {"object_id": str(mentee.pk)}).status_code == 200
    # Other records by number stay a routine search.
    assert (
        auditor.get("/audit/", {"object_type": "accounts.user", "object_id": "1"}).status_code
        == 200
    )
