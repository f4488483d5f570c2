"""Phases that follow custody events and dates, reallocation, closure and the timeline."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.mentees import services as mentee_services
from backontrack.mentees.models import Mentee
from backontrack.mentors.models import Mentor
from backontrack.mentors.readiness import readiness_for
from backontrack.mentorships import services
from backontrack.mentorships.models import (
    Mentorship,
    MentorshipChange,
    MentorshipStatus,
    Phase,
)
from backontrack.programmes.models import Programme

from .conftest import demo_mentorship, signed_in_client

pytestmark = pytest.mark.django_db


def active() -> Mentorship:
    return demo_mentorship(MentorshipStatus.ACTIVE)


def coordinator() -> User:
    return User.objects.get(username="coordinator")


def in_phase(phase: str, *, release_in_days: int | None = 400) -> Mentorship:
    mentorship = active()
    Mentorship.objects.filter(pk=mentorship.pk).update(phase=phase)
    Mentee.objects.filter(pk=mentorship.mentee_id).update(
        expected_release_date=None
        if release_in_days is None
        else timezone.localdate() + timedelta(days=release_in_days)
    )
    return active()


def custody(mentorship: Mentorship, kind: str) -> str:
    mentee_services.custody_event_record(
        actor=coordinator(),
        mentee=mentorship.mentee,
        kind=kind,
        occurred_on=timezone.localdate(),
        institution=None,
        note="",
    )
    mentorship.refresh_from_db()
    return mentorship.phase


@pytest.mark.parametrize(
    ("before", "event", "after"),
    [
        (Phase.REMAND, "sentencing", Phase.SENTENCE),
        (Phase.REMAND, "acquittal", Phase.RE_ENTRY),
        (Phase.SENTENCE, "release_on_licence", Phase.AFTERCARE),
        (Phase.RE_ENTRY, "release", Phase.AFTERCARE),
        (Phase.AFTERCARE, "recall", Phase.SENTENCE),
        (Phase.RE_ENTRY, "recall", Phase.SENTENCE),
        (Phase.AFTERCARE, "admission", Phase.REMAND),
        (Phase.SENTENCE, "transfer", Phase.SENTENCE),
        (Phase.SENTENCE, "sentencing", Phase.SENTENCE),
    ],
)
def test_the_phase_follows_each_custody_event(before: str, event: str, after: str) -> None:
    mentorship = in_phase(before)
    assert custody(mentorship, event) == after
    last = mentorship.changes.filter(kind="phase").last()
    if before != after:
        assert last is not None and last.to_value == after and "Custody event" in last.reason_text()


def test_sentencing_close_to_the_release_goes_straight_to_re_entry() -> None:
    mentorship = in_phase(Phase.REMAND, release_in_days=30)
    assert custody(mentorship, "sentencing") == Phase.RE_ENTRY


def test_re_entry_starts_the_configured_number_of_days_before_release(settings) -> None:
    Programme.objects.update(re_entry_days=90)
    mentorship = in_phase(Phase.SENTENCE, release_in_days=91)
    assert services.phases_due() == []
    Mentee.objects.filter(pk=mentorship.mentee_id).update(
        expected_release_date=timezone.localdate() + timedelta(days=90)
    )
    assert [m.pk for m in services.phases_due()] == [mentorship.pk]
    mentorship.refresh_from_db()
    assert mentorship.phase == Phase.RE_ENTRY
    assert services.phases_due() == []  # a second run the same day moves nothing


def test_a_paused_mentorship_follows_custody_too_but_a_closed_one_does_not() -> None:
    mentorship = in_phase(Phase.REMAND)
    Mentorship.objects.filter(pk=mentorship.pk).update(status=MentorshipStatus.PAUSED)
    assert custody(mentorship, "sentencing") == Phase.SENTENCE
    Mentorship.objects.filter(pk=mentorship.pk).update(status=MentorshipStatus.CLOSED)
    assert custody(mentorship, "release") == Phase.SENTENCE


def test_the_coordinator_changes_the_phase_by_hand_with_a_reason() -> None:
    mentorship = in_phase(Phase.SENTENCE)
    client = signed_in_client("coordinator")
    url = f"/mentorships/{mentorship.pk}/phase/"
    response = client.post(url, {"version": mentorship.version, "phase": "re_entry", "reason": ""})
    assert response.status_code == 200
    response = client.post(
        url,
        {
            "version": mentorship.version,
            "phase": "re_entry",
            "reason": "Release date brought forward.",
        },
    )
    assert response.status_code == 302
    mentorship.refresh_from_db()
    assert mentorship.phase == Phase.RE_ENTRY
    mentor = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    assert mentor.get(url).status_code == 404


def test_reallocation_keeps_the_history_and_moves_who_sees_it() -> None:
    mentorship = active()
    old = mentorship.mentor
    meetings = mentorship.meetings.count()
    sofie = Mentor.objects.get(user__username="mentor04")
    leyla = Mentor.objects.get(user__username="mentor08")
    client = signed_in_client("coordinator")
    url = f"/mentorships/{mentorship.pk}/reallocate/"
    page = client.get(url).content.decode()
    assert "Sofie Dahl" in page and "Leyla Demir" not in page  # not ready: never offered
    with pytest.raises(services.Refused, match="only active mentors"):
        services.mentorship_reallocate(
            actor=coordinator(),
            mentorship=mentorship,
            version=mentorship.version,
            mentor=leyla,
            reason="transfer",
            note="",
        )
    response = client.post(
        url,
        {"version": mentorship.version, "mentor": sofie.pk, "reason": "transfer", "note": "Moved."},
    )
    assert response.status_code == 302
    mentorship.refresh_from_db()
    assert mentorship.mentor == sofie and mentorship.meetings.count() == meetings
    change = mentorship.changes.get(kind=MentorshipChange.Kind.MENTOR)
    assert (change.from_value, change.to_value) == (str(old), "Sofie Dahl")
    assert (change.reason_code, change.params, change.reason) == (
        "reallocated",
        {"why": "transfer"},
        "Moved.",
    )
    assert change.reason_text() == "Transfer to a distant institution. Moved."
    detail = f"/mentorships/{mentorship.pk}/"
    assert signed_in_client("mentor04").get(detail).status_code == 200
    assert signed_in_client(old.user.username).get(detail).status_code == 404  # type: ignore[union-attr]


def test_closing_lists_everything_missing_at_once_then_closes() -> None:
    mentorship = active()
    mentor = mentorship.mentor
    load = readiness_for(mentor).load
    client = signed_in_client("coordinator")
    url = f"/mentorships/{mentorship.pk}/close/"
    response = client.post(
        url,
        {
            "version": mentorship.version,
            "closed_on": timezone.localdate().isoformat(),
            "closure_type": "ended_early",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    for missing in (
        "why it ended",
        "the exit interview with the mentee",
        "the exit interview with the mentor",
        "the rule for contact after closure",
        "whether the person may be matched again",
    ):
        assert missing in html
    mentorship.refresh_from_db()
    assert mentorship.status == MentorshipStatus.ACTIVE
    response = client.post(
        url,
        {
            "version": mentorship.version,
            "closed_on": timezone.localdate().isoformat(),
            "closure_type": "ended_early",
            "closure_reason": "Transferred abroad.",
            "exit_interview_mentee": "declined",
            "exit_interview_mentor": "held",
            "after_closure_contact": "none",
            "rematch_eligible": "yes",
        },
    )
    assert response.status_code == 302
    mentorship.refresh_from_db()
    assert mentorship.status == MentorshipStatus.CLOSED and mentorship.rematch_eligible
    assert readiness_for(mentor).load == load - 1  # the place is free again
    assert (
        "Close the mentorship" not in client.get(f"/mentorships/{mentorship.pk}/").content.decode()
    )


def test_a_proposed_mentorship_can_only_be_cancelled() -> None:
    mentorship = demo_mentorship(MentorshipStatus.PROPOSED)
    closure = services.Closure(timezone.localdate(), "completed", "", "", "", "", False)
    assert "a mentorship that never started can only be cancelled" in services.closure_missing(
        mentorship, closure
    )
    closure.closure_type = "cancelled"
    closure.closure_reason = "The mentee changed their mind."
    services.mentorship_close(
        actor=coordinator(), mentorship=mentorship, version=mentorship.version, closure=closure
    )
    assert mentorship.status == MentorshipStatus.CLOSED


def test_the_timeline_shows_everything_and_filters_by_kind() -> None:
    mentorship = in_phase(Phase.REMAND)
    custody(mentorship, "sentencing")
    client = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    url = f"/mentorships/{mentorship.pk}/timeline/"
    page = client.get(url).content.decode()
    assert "Custody: Sentenced" in page and "Meeting: Prison visit" in page
    assert "Phase: Sentence" in page
    only_meetings = client.get(url + "?kind=meeting").content.decode()
    assert "Meeting: Prison visit" in only_meetings and "Custody:" not in only_meetings
    only_custody = client.get(url + "?kind=custody").content.decode()
    assert "Custody: Sentenced" in only_custody and "Meeting:" not in only_custody


def test_the_timeline_query_count_does_not_grow() -> None:
    mentorship = active()
    client = signed_in_client("coordinator")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/mentorships/{mentorship.pk}/timeline/").status_code == 200
        return len(queries)

    custody(mentorship, "transfer")
    before = count()
    for kind in ("transfer", "transfer", "transfer"):
        custody(mentorship, kind)
    assert count() == before


def test_after_closure_only_the_coordinator_sees_the_mentorship() -> None:
    mentorship = active()
    people = [mentorship.mentor.user.username, mentorship.coach.user.username]  # type: ignore[union-attr]
    services.mentorship_close(
        actor=coordinator(),
        mentorship=mentorship,
        version=mentorship.version,
        closure=services.Closure(
            timezone.localdate(), "completed", "", "held", "held", "none", False
        ),
    )
    for name in people:
        client = signed_in_client(name)
        assert client.get(f"/mentorships/{mentorship.pk}/").status_code == 404
        assert client.get(f"/mentorships/{mentorship.pk}/timeline/").status_code == 404
    # The coordinator sees it once they have said why (tests/test_stated_purpose.py).
    coordinator_client = signed_in_client("coordinator")
    assert coordinator_client.get(f"/mentorships/{mentorship.pk}/").status_code == 403
    coordinator_client.post(
        "/purpose/",
        {"key": f"mentorship:{mentorship.pk}", "next": "/", "reason": "follow_up"},
    )
    assert coordinator_client.get(f"/mentorships/{mentorship.pk}/").status_code == 200


def test_a_mentor_who_left_no_longer_sees_their_mentorships() -> None:
    mentorship = active()
    Mentor.objects.filter(pk=mentorship.mentor_id).update(status="left")
    client = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    assert client.get(f"/mentorships/{mentorship.pk}/").status_code == 404


def test_an_automatic_phase_move_is_not_undone_by_a_form_opened_before_it() -> None:
    mentorship = in_phase(Phase.SENTENCE)
    stale_version = mentorship.version
    custody(mentorship, "release")
    response = signed_in_client("coordinator").post(
        f"/mentorships/{mentorship.pk}/status/paused/", {"version": stale_version, "reason": "x"}
    )
    assert response.status_code == 302
    mentorship.refresh_from_db()
    assert (mentorship.status, mentorship.phase) == (MentorshipStatus.ACTIVE, Phase.AFTERCARE)


def test_viewing_a_mentorship_is_recorded_against_the_person() -> None:
    from backontrack.audit.models import AuditEventSubject

    mentorship = active()
    signed_in_client(mentorship.mentor.user.username).get(f"/mentorships/{mentorship.pk}/")  # type: ignore[union-attr]
    assert AuditEventSubject.objects.filter(
        object_type="mentees.mentee", object_id=str(mentorship.mentee_id)
    ).exists()


def test_the_offered_mentors_are_exactly_those_the_reallocation_accepts() -> None:
    mentorship = active()
    offered = {m.pk for m in services.reallocation_candidates(mentorship)}
    assert offered, "the demo has ready mentors with places"
    for mentor in Mentor.objects.all():
        try:
            with transaction.atomic():
                services.mentorship_reallocate(
                    actor=coordinator(),
                    mentorship=Mentorship.objects.get(pk=mentorship.pk),
                    version=Mentorship.objects.get(pk=mentorship.pk).version,
                    mentor=mentor,
                    reason="other",
                    note="",
                )
                raise _Accepted
        except _Accepted:
            accepted = True
        except services.Refused:
            accepted = False
        assert accepted is (mentor.pk in offered), mentor


class _Accepted(Exception):
    """Rolls back a reallocation that the service accepted."""


def test_the_coordinator_changes_the_coach_and_the_previous_one_loses_sight() -> None:
    mentorship = active()
    old = mentorship.coach
    url = f"/mentorships/{mentorship.pk}/coach/"
    client = signed_in_client("coordinator")
    page = client.get(url).content.decode()
    henrik = Mentor.objects.get(user__username="mentor01")
    assert "Henrik Lund" in page and "Jonas Mikkelsen" not in page  # the mentor is no coach
    response = client.post(url, {"version": mentorship.version, "coach": henrik.pk, "reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = client.post(
        url,
        {"version": mentorship.version, "coach": henrik.pk, "reason": "Aisha is on leave."},
    )
    assert response.status_code == 302
    mentorship.refresh_from_db()
    assert mentorship.coach == henrik
    change = mentorship.changes.get(kind=MentorshipChange.Kind.COACH)
    assert (change.from_value, change.to_value, change.reason) == (
        str(old),
        "Henrik Lund",
        "Aisha is on leave.",
    )
    detail = f"/mentorships/{mentorship.pk}/"
    assert "new coach: Henrik Lund" in client.get(detail).content.decode()
    assert signed_in_client("mentor01").get(detail).status_code == 200
    assert signed_in_client(old.user.username).get(detail).status_code == 404  # type: ignore[union-attr]


def test_a_coach_who_may_not_supervise_is_refused() -> None:
    mentorship = active()
    henrik = Mentor.objects.get(user__username="mentor01")
    sofie = Mentor.objects.get(user__username="mentor04")
    for username in ("mentor03", "mentor01"):
        with pytest.raises(services.Refused):
            services.mentorship_change_coach(
                actor=User.objects.get(username=username),
                mentorship=mentorship,
                version=mentorship.version,
                coach=henrik,
                reason="Because.",
            )
    with pytest.raises(services.Refused, match="cannot take this mentorship"):
        services.mentorship_change_coach(
            actor=coordinator(),
            mentorship=mentorship,
            version=mentorship.version,
            coach=sofie,  # no coach training, no coaching places
            reason="Because.",
        )
    Mentor.objects.filter(pk=henrik.pk).update(coach_capacity=0)
    with pytest.raises(services.Refused, match="cannot take this mentorship"):
        services.mentorship_change_coach(
            actor=coordinator(),
            mentorship=mentorship,
            version=mentorship.version,
            coach=henrik,
            reason="Because.",
        )


def test_the_timeline_shows_check_ins_to_the_coordinator_only() -> None:
    mentorship = active()
    url = f"/mentorships/{mentorship.pk}/timeline/"
    coordinator_page = signed_in_client("coordinator").get(url + "?kind=check_in")
    assert "Coordinator check-in" in coordinator_page.content.decode()
    assert "begge siger, at besøgene går godt" in coordinator_page.content.decode()
    coach_page = signed_in_client(mentorship.coach.user.username).get(url).content.decode()  # type: ignore[union-attr]
    assert "Coordinator check-in" not in coach_page and 'value="check_in"' not in coach_page


def test_the_mentor_sees_that_the_coach_changed_but_not_why() -> None:
    mentorship = active()
    services.mentorship_change_coach(
        actor=coordinator(),
        mentorship=mentorship,
        version=mentorship.version,
        coach=Mentor.objects.get(user__username="mentor01"),
        reason="The previous coach is on sick leave.",
    )
    for page in ("", "timeline/"):
        url = f"/mentorships/{mentorship.pk}/{page}"
        mentor = signed_in_client(mentorship.mentor.user.username).get(url).content.decode()  # type: ignore[union-attr]
        assert "Henrik Lund" in mentor and "sick leave" not in mentor
        for who in ("coordinator", "mentor01"):
            assert "sick leave" in signed_in_client(who).get(url).content.decode(), who


def test_a_coach_without_the_coach_role_is_not_offered() -> None:
    mentorship = active()
    henrik = Mentor.objects.get(user__username="mentor01")
    assert henrik.pk in {c.pk for c in services.coach_candidates(mentorship)}
    henrik.user.role_grants.filter(role="coach").delete()  # type: ignore[union-attr]
    assert henrik.pk not in {c.pk for c in services.coach_candidates(mentorship)}
