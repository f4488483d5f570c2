"""Concerns: raising one (who to call in immediate danger shown before sending), who reads
it, its life-cycle through triage, escalation and an end, versions kept, the triage limits
on the home pages and by e-mail, and the timeline."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.audit.models import Action, AuditEvent
from backontrack.concerns import services
from backontrack.concerns.models import Concern, ConcernStatus, EscalationTarget
from backontrack.concerns.selectors import open_concerns_by_mentor
from backontrack.concerns.services import Observation
from backontrack.core.errors import Refused
from backontrack.mentorships.models import Mentorship, MentorshipStatus

from .conftest import demo_mentorship, signed_in_client

pytestmark = pytest.mark.django_db


def active() -> Mentorship:
    """The demo's six-week-old mentorship: mentor03, coached by mentor02."""
    return demo_mentorship(MentorshipStatus.ACTIVE)


def user(username: str) -> User:
    return User.objects.get(username=username)


def raised(
    severity: str = "high", *, by: str = "mentor03", ago: timedelta | None = None
) -> Concern:
    concern = services.concern_raise(
        actor=user(by),
        mentorship=active(),
        data=Observation(
            category="threat",
            severity=severity,
            observed_at=timezone.now() - timedelta(hours=1),
            facts="He named a fellow inmate and said he would deal with him.",
            assessment="He was angry; I take it seriously.",
        ),
    )
    if ago is not None:
        Concern.objects.filter(pk=concern.pk).update(raised_at=timezone.now() - ago)
        concern.refresh_from_db()
    return concern


def form(**changes: str) -> dict[str, str]:
    now = timezone.localtime()
    data = {
        "category": "radicalisation",
        "severity": "high",
        "on": now.date().isoformat(),
        "at": now.strftime("%H:%M"),
        "facts": "Showed me a video from a channel he had turned away from.",
        "assessment": "Unsure whether he provokes or means it.",
    }
    return {**data, **changes}


def test_the_mentor_raises_a_concern_stored_encrypted_with_its_history_and_audit() -> None:
    mentorship = active()
    response = signed_in_client("mentor03").post(
        f"/mentorships/{mentorship.pk}/concerns/new/", form()
    )
    concern = Concern.objects.filter(mentorship=mentorship).latest("id")
    assert response.status_code == 302
    assert response["Location"] == f"/concerns/{concern.pk}/"
    assert (concern.status, concern.severity, concern.category) == (
        "raised",
        "high",
        "radicalisation",
    )
    assert concern.facts.startswith("Showed me a video")
    with connection.cursor() as cursor:
        cursor.execute("SELECT facts, assessment FROM concerns_concern WHERE id = %s", [concern.pk])
        stored = cursor.fetchone()
    assert "video" not in stored[0] and "provokes" not in stored[1]
    assert [e.code for e in concern.events.all()] == ["raised"]
    event = AuditEvent.objects.filter(object_type="concerns.concern", object_id=str(concern.pk))
    assert set(event.get(action=Action.CREATE).fields) == {
        "category",
        "severity",
        "observed_at",
        "facts",
        "assessment",
    }


def test_the_raise_form_says_who_to_call_in_immediate_danger_without_javascript() -> None:
    page = signed_in_client("mentor03").get(f"/mentorships/{active().pk}/concerns/new/")
    html = page.content.decode()
    assert page.status_code == 200
    note = html.index('id="emergency-note"')
    # Beside the choice, inside the severity's fieldset, before the button.
    assert html.index('value="immediate"') < note < html.rindex('type="submit"')
    assert "112" in html and "not an emergency channel" in html
    assert 'aria-describedby="emergency-note"' in html


def test_the_emergency_numbers_are_the_installations(settings: object) -> None:
    settings.BACKONTRACK_EMERGENCY_CALLS = [("Vagtcentralen", "+45 7255 0000")]  # type: ignore[attr-defined]
    html = signed_in_client("mentor03").get(f"/mentorships/{active().pk}/concerns/new/").content
    assert b"Vagtcentralen" in html and b"+45 7255 0000" in html


def test_the_mentorship_page_offers_raising_a_concern_to_its_people_only() -> None:
    path = f"/mentorships/{active().pk}/"
    for username in ("mentor03", "mentor02", "coordinator"):
        assert b"/concerns/new/" in signed_in_client(username).get(path).content
    assert signed_in_client("mentor06").get(path).status_code == 404


def test_a_form_sent_without_what_was_observed_is_shown_again_with_what_was_typed() -> None:
    mentorship = active()
    before = Concern.objects.count()
    response = signed_in_client("mentor03").post(
        f"/mentorships/{mentorship.pk}/concerns/new/",
        form(facts="", assessment="Keep this assessment"),
    )
    assert response.status_code == 200
    assert b"Keep this assessment" in response.content
    assert b"form-error-message" in response.content
    assert Concern.objects.count() == before


def test_a_concern_observed_in_the_future_is_refused_on_the_form() -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = signed_in_client("mentor03").post(
        f"/mentorships/{active().pk}/concerns/new/", form(on=tomorrow)
    )
    assert response.status_code == 200
    assert b"cannot be observed in the future" in response.content


@pytest.mark.parametrize(
    "username",
    [
        "mentor06",
        "trainer",
        "liaison-security",
        "evaluator",
        "admin",
        "auditor",
        "referrer",
        "coordinator-special",
    ],
)
def test_nobody_else_reads_a_concern_or_raises_one(username: str) -> None:
    concern = raised()
    client = signed_in_client(username)
    assert client.get(f"/concerns/{concern.pk}/").status_code == 404
    assert client.get(f"/mentorships/{active().pk}/concerns/new/").status_code == 404
    assert b"He named a fellow inmate" not in client.get("/concerns/").content


@pytest.mark.parametrize("username", ["mentor03", "mentor02", "coordinator"])
def test_the_mentor_the_coach_and_the_coordinator_read_what_was_observed(username: str) -> None:
    concern = raised(by="mentor02")
    page = signed_in_client(username).get(f"/concerns/{concern.pk}/")
    assert page.status_code == 200
    assert b"He named a fellow inmate" in page.content
    view = AuditEvent.objects.filter(
        action=Action.VIEW, object_type="concerns.concern", object_id=str(concern.pk)
    ).latest("id")
    assert view.actor_username == username and "facts" in view.fields


def test_a_coach_raising_nothing_cannot_triage_and_the_service_refuses_too() -> None:
    concern = raised()
    assert signed_in_client("mentor02").get(f"/concerns/{concern.pk}/triage/").status_code == 404
    with pytest.raises(Refused):
        services.concern_triage(
            actor=user("mentor02"),
            concern=concern,
            version=concern.version,
            severity="low",
            assessment="x",
            next_step="y",
        )


def test_the_coordinator_triages_escalates_and_resolves_each_move_in_the_history() -> None:
    concern = raised()
    client = signed_in_client("coordinator")
    response = client.post(
        f"/concerns/{concern.pk}/triage/",
        {"version": concern.version, "severity": "medium", "assessment": "A", "next_step": "B"},
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert (concern.status, concern.severity, concern.raised_severity) == (
        "triaged",
        "medium",
        "high",
    )
    response = client.post(
        f"/concerns/{concern.pk}/escalate/",
        {
            "version": concern.version,
            "target": "agency",
            "agency_route": "prison_security",
            "passed_on": "The statement and the time.",
            "on": timezone.localdate().isoformat(),
            "at": "00:00",
        },
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.ESCALATED
    assert concern.escalation_target == EscalationTarget.AGENCY
    disclosed = AuditEvent.objects.get(
        action=Action.DISCLOSE, object_type="concerns.concern", object_id=str(concern.pk)
    )
    assert disclosed.recipient == "prison_security"
    client.post(f"/concerns/{concern.pk}/resolve/", {"version": concern.version, "text": "Moved."})
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RESOLVED and concern.outcome == "Moved."
    page = client.get(f"/concerns/{concern.pk}/").content.decode()
    assert "Triaged: severity changed from High to Medium." in page
    assert "Escalated to The prison&#x27;s security department." in page
    danish = signed_in_client("coordinator")
    danish.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    page = danish.get(f"/concerns/{concern.pk}/").content.decode()
    assert "Vurderet: alvoren ændret fra Høj til Middel." in page


def test_escalating_to_an_agency_needs_the_agency_and_loses_nothing_typed() -> None:
    concern = raised()
    services.concern_triage(
        actor=user("coordinator"),
        concern=concern,
        version=0,
        severity="high",
        assessment="A",
        next_step="B",
    )
    concern.refresh_from_db()
    response = signed_in_client("coordinator").post(
        f"/concerns/{concern.pk}/escalate/",
        {
            "version": concern.version,
            "target": "agency",
            "agency_route": "",
            "passed_on": "What I told them",
            "on": timezone.localdate().isoformat(),
            "at": "00:00",
        },
    )
    assert response.status_code == 200
    assert b"Choose the agency" in response.content and b"What I told them" in response.content
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.TRIAGED


def test_a_stale_triage_is_not_saved() -> None:
    concern = raised()
    services.concern_correct(
        actor=user("mentor03"), concern=concern, version=0, facts="Corrected.", assessment=""
    )
    response = signed_in_client("coordinator").post(
        f"/concerns/{concern.pk}/triage/",
        {"version": 0, "severity": "low", "assessment": "A", "next_step": "B"},
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RAISED


def test_closing_with_no_action_needs_a_reason_and_an_escalated_concern_is_not_closed() -> None:
    concern = raised()
    client = signed_in_client("coordinator")
    response = client.post(f"/concerns/{concern.pk}/close/", {"version": 0, "text": ""})
    assert response.status_code == 200
    client.post(f"/concerns/{concern.pk}/close/", {"version": 0, "text": "A misunderstanding."})
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.CLOSED and concern.outcome == "A misunderstanding."
    assert client.get(f"/concerns/{concern.pk}/triage/").status_code == 404
    assert client.get(f"/concerns/{concern.pk}/close/").status_code == 404


def test_a_correction_keeps_the_earlier_text_for_those_who_read_the_concern() -> None:
    concern = raised()
    client = signed_in_client("mentor03")
    client.post(
        f"/concerns/{concern.pk}/correct/",
        {"version": 0, "facts": "He named someone, in the corridor.", "assessment": ""},
    )
    concern.refresh_from_db()
    assert concern.facts == "He named someone, in the corridor."
    assert concern.revisions.get().facts.startswith("He named a fellow inmate")
    page = signed_in_client("coordinator").get(f"/concerns/{concern.pk}/").content.decode()
    assert "He named a fellow inmate" in page and "in the corridor" in page
    # Only whoever raised it corrects it.
    assert signed_in_client("mentor02").get(f"/concerns/{concern.pk}/correct/").status_code == 404


def test_a_concern_is_not_raised_on_a_closed_mentorship() -> None:
    closed = (
        Mentorship.objects.filter(status=MentorshipStatus.CLOSED)
        .select_related("mentor__user")
        .first()
    )
    assert closed is not None
    with pytest.raises(Refused):
        services.concern_raise(
            actor=user("coordinator"),
            mentorship=closed,
            data=Observation("other", "low", timezone.now(), "x", ""),
        )


def test_the_coordinators_home_shows_untriaged_concerns_most_severe_first_overdue_flagged() -> None:
    Concern.objects.filter(status=ConcernStatus.RAISED).update(status=ConcernStatus.CLOSED)
    low = raised("low")
    fresh = raised("high")
    late = raised("immediate", ago=timedelta(minutes=61))
    page = signed_in_client("coordinator").get("/").content.decode()
    section = page[page.index("Concerns waiting for triage") :]
    order = [section.index(f"/concerns/{c.pk}/") for c in (late, fresh, low)]
    assert order == sorted(order)
    assert "1 concern is past its limit for triage" in section
    assert section.count("triage overdue") == 1


def test_the_home_page_queries_do_not_grow_with_the_concerns() -> None:
    client = signed_in_client("coordinator")
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for n in range(12):
        raised("high" if n % 2 else "immediate", ago=timedelta(days=2))
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)


def test_the_concern_list_filters_pages_and_its_queries_do_not_grow() -> None:
    client = signed_in_client("coordinator")
    with CaptureQueriesContext(connection) as few:
        client.get("/concerns/?severity=high")
    for _n in range(30):
        raised("high")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/concerns/?severity=high")
    assert len(many) == len(few)
    assert b"Page 1 of 2" in page.content
    assert b"<td>Low</td>" not in page.content and b"<td>High</td>" in page.content
    closed = client.get("/concerns/?status=closed").content.decode()
    assert "Mentor safety" in closed


def test_the_mentor_and_the_coach_see_the_state_of_their_own_concerns_at_home() -> None:
    concern = raised(ago=timedelta(hours=25))
    for username in ("mentor03", "mentor02"):
        page = signed_in_client(username).get("/").content.decode()
        assert f"/concerns/{concern.pk}/" in page
        assert "triage overdue" in page
    assert f"/concerns/{concern.pk}/".encode() not in signed_in_client("mentor05").get("/").content


def test_send_alerts_mails_the_coordinators_an_overdue_concern_once_without_names() -> None:
    concern = raised(ago=timedelta(hours=25))
    mail.outbox.clear()
    call_command("send-alerts", stdout=io.StringIO())
    to_coordinator = [m for m in mail.outbox if "coordinator@example.org" in m.to]
    assert to_coordinator and f"/concerns/{concern.pk}/" in to_coordinator[0].body
    assert "Concern waiting for triage" in to_coordinator[0].body
    not_for = {"coordinator-special@example.org", "mentor05@example.org"}
    assert not any(f"/concerns/{concern.pk}/" in m.body for m in mail.outbox if set(m.to) & not_for)
    for message in mail.outbox:
        assert active().mentee.last_name not in message.body
    mail.outbox.clear()
    call_command("send-alerts", stdout=io.StringIO())
    assert not any(f"/concerns/{concern.pk}/" in m.body for m in mail.outbox)


def test_a_concern_within_its_limit_is_not_mailed() -> None:
    concern = raised(ago=timedelta(hours=23))
    mail.outbox.clear()
    call_command("send-alerts", stdout=io.StringIO())
    assert not any(f"/concerns/{concern.pk}/" in m.body for m in mail.outbox)


def test_the_timeline_shows_the_concerns_to_the_mentorships_people() -> None:
    concern = raised()
    path = f"/mentorships/{active().pk}/timeline/?kind=concern"
    for username in ("mentor03", "mentor02", "coordinator"):
        assert f"/concerns/{concern.pk}/".encode() in signed_in_client(username).get(path).content


def test_open_concerns_by_mentor_reads_the_coachs_supervised_concerns_in_one_query() -> None:
    concern = raised()
    coach = user("mentor02")
    with CaptureQueriesContext(connection) as queries:
        by_mentor = open_concerns_by_mentor(coach)
    # The read itself; the audit trail asks which people the concerns are about.
    reads = [q for q in queries if '"concerns_concern"."status" IN' in q["sql"]]
    assert len(reads) == 1
    assert concern in by_mentor[active().mentor_id]
    assert all(
        c.mentorship.coach.user_id == coach.pk for concerns in by_mentor.values() for c in concerns
    )
    assert open_concerns_by_mentor(user("mentor03")) == {}
