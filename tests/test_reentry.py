"""The re-entry plan: made when the mentorship reaches re-entry (or by hand), due dates
that follow the release date, the readiness summary, the alerts at their boundaries, and
who may see and change it."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.audit.models import AuditEvent
from backontrack.demo.referrals import mentee_data
from backontrack.mentees import services as mentees
from backontrack.mentees.models import Mentee
from backontrack.mentorships import alerts, services
from backontrack.mentorships.models import (
    Mentorship,
    MentorshipChange,
    MentorshipStatus,
    Phase,
    ReentryNeed,
    ReentryPlan,
)

from .conftest import alerts_rederived, demo_mentorship, signed_in_client

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


def without_plan() -> Mentorship:
    mentorship = (
        Mentorship.objects.filter(status=MentorshipStatus.ACTIVE, reentry_plan__isnull=True)
        .select_related("mentee", "mentor__user", "coach__user")
        .order_by("id")
        .first()
    )
    assert mentorship is not None
    return mentorship


def coordinator() -> User:
    return User.objects.get(username="coordinator")


def test_reaching_re_entry_makes_the_plan_with_a_need_per_domain() -> None:
    mentorship = without_plan()
    Mentorship.objects.filter(pk=mentorship.pk).update(phase=Phase.SENTENCE)
    release = timezone.localdate() + timedelta(days=80)
    Mentee.objects.filter(pk=mentorship.mentee_id).update(expected_release_date=release)
    services.phases_due()
    plan = ReentryPlan.objects.get(mentorship=mentorship)
    assert plan.release_date == release
    assert plan.needs.count() == 7 and not plan.needs.exclude(status="not_started").exists()
    assert mentorship.changes.filter(kind=MentorshipChange.Kind.REENTRY).count() == 1
    # Moving back and forth never makes a second plan.
    mentorship.refresh_from_db()
    services.phase_set(
        actor=coordinator(),
        mentorship=mentorship,
        version=mentorship.version,
        to=Phase.SENTENCE,
        reason="Recalled.",
    )
    mentorship.refresh_from_db()
    services.phase_set(
        actor=coordinator(),
        mentorship=mentorship,
        version=mentorship.version,
        to=Phase.RE_ENTRY,
        reason="Release date again.",
    )
    assert ReentryPlan.objects.filter(mentorship=mentorship).count() == 1


def test_the_mentor_starts_the_plan_early_by_hand() -> None:
    mentorship = without_plan()
    client = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    url = f"/mentorships/{mentorship.pk}/re-entry/"
    assert "Start the re-entry plan now" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert ReentryPlan.objects.filter(mentorship=mentorship).exists()
    response = client.post(url, follow=True)
    assert "has a re-entry plan already" in response.content.decode()


def test_the_due_dates_follow_the_release_date() -> None:
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    plan = ReentryPlan.objects.get(mentorship=mentorship)
    housing = plan.needs.get(domain="housing")
    client = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    new = timezone.localdate() + timedelta(days=100)
    response = client.post(
        f"/mentorships/{mentorship.pk}/re-entry/release/",
        {"version": plan.version, "release_date": new.isoformat()},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert housing.due_on(plan.release_date) == new - timedelta(days=housing.due_days_before)
    page = client.get(f"/mentorships/{mentorship.pk}/re-entry/").content.decode()
    assert "100 days to release" in page
    due = (new - timedelta(days=45)).strftime("%d %b %Y").lstrip("0")
    assert due in page
    # A new expected release on the person's record moves the plan too.
    mentee = Mentee.objects.get(pk=mentorship.mentee_id)
    later = new + timedelta(days=30)
    mentees.mentee_update(
        actor=coordinator(),
        mentee=mentee,
        version=mentee.version,
        data=mentee_data(mentee, expected_release_date=later),
    )
    plan.refresh_from_db()
    assert plan.release_date == later
    # The form opened before that change is now stale: it cannot undo it.
    response = client.post(
        f"/mentorships/{mentorship.pk}/re-entry/release/",
        {"version": plan.version - 1, "release_date": new.isoformat()},
    )
    plan.refresh_from_db()
    assert plan.release_date == later


def test_a_need_is_changed_and_the_summary_says_what_is_not_settled() -> None:
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    need = ReentryNeed.objects.get(plan__mentorship=mentorship, domain="housing")
    client = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    page = client.get(f"/mentorships/{mentorship.pk}/re-entry/").content.decode()
    assert "Not yet settled:" in page and "housing" in page
    response = client.post(
        f"/mentorships/{mentorship.pk}/re-entry/{need.pk}/edit/",
        {
            "version": need.version,
            "status": "secured",
            "owner": "municipality",
            "due_days_before": "45",
            "notes": "A room from the municipality.",
        },
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == "secured" and need.notes == "A room from the municipality."
    change = mentorship.changes.filter(kind=MentorshipChange.Kind.REENTRY).latest("id")
    assert (change.to_value, change.params) == (
        "need_status",
        {"domain": "housing", "status": "secured"},
    )
    assert change.to_label() == "Housing: Secured"
    response = client.post(
        f"/mentorships/{mentorship.pk}/re-entry/{need.pk}/edit/",
        {"version": need.version, "status": "secured", "owner": "mentor", "due_days_before": "400"},
    )
    assert response.status_code == 200 and "less than or equal to 365" in response.content.decode()


def _kinds(mentorship: Mentorship) -> set[str]:
    found = alerts.alerts(Mentorship.objects.filter(pk=mentorship.pk), today=TODAY)
    return {alert.kind for alert in found}


@pytest.mark.parametrize(("days", "alert"), [(-1, False), (0, True), (90, True), (91, False)])
def test_a_release_within_90_days_without_a_plan_is_flagged(days: int, alert: bool) -> None:
    mentorship = without_plan()
    Mentee.objects.filter(pk=mentorship.mentee_id).update(
        expected_release_date=TODAY + timedelta(days=days)
    )
    alerts_rederived()
    assert ("reentry_plan" in _kinds(mentorship)) is alert
    ReentryPlan.objects.create(mentorship=mentorship, release_date=TODAY + timedelta(days=days))
    alerts_rederived()
    assert "reentry_plan" not in _kinds(mentorship)


@pytest.mark.parametrize(
    ("days", "status", "alert"),
    [
        (30, "in_progress", True),
        (0, "not_started", True),
        (31, "in_progress", False),
        (30, "secured", False),
        (30, "not_needed", False),
        (-1, "not_started", False),
    ],
)
def test_housing_not_secured_within_30_days_is_flagged(days: int, status: str, alert: bool) -> None:
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    ReentryPlan.objects.filter(mentorship=mentorship).update(
        release_date=TODAY + timedelta(days=days)
    )
    ReentryNeed.objects.filter(plan__mentorship=mentorship, domain="housing").update(status=status)
    alerts_rederived()
    assert ("housing" in _kinds(mentorship)) is alert


def test_the_housing_alert_reaches_mentor_coach_and_coordinator_home_pages() -> None:
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    ReentryPlan.objects.filter(mentorship=mentorship).update(
        release_date=timezone.localdate() + timedelta(days=10)
    )
    alerts_rederived()
    for who in (
        mentorship.mentor.user.username,  # type: ignore[union-attr]
        mentorship.coach.user.username,  # type: ignore[union-attr]
        "coordinator",
    ):
        assert "10 days to release: housing not secured" in (
            signed_in_client(who).get("/").content.decode()
        ), who


def test_the_coach_reads_the_plan_and_changes_nothing() -> None:
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    need = ReentryNeed.objects.filter(plan__mentorship=mentorship).first()
    assert need is not None
    coach = signed_in_client(mentorship.coach.user.username)  # type: ignore[union-attr]
    page = coach.get(f"/mentorships/{mentorship.pk}/re-entry/")
    assert page.status_code == 200 and "Change the release date" not in page.content.decode()
    assert coach.get(f"/mentorships/{mentorship.pk}/re-entry/{need.pk}/edit/").status_code == 404
    assert coach.post(f"/mentorships/{mentorship.pk}/re-entry/").status_code == 404


def test_a_release_date_from_the_record_is_in_the_history_and_the_audit() -> None:
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    mentee = Mentee.objects.get(pk=mentorship.mentee_id)
    new = timezone.localdate() + timedelta(days=200)
    mentees.mentee_update(
        actor=coordinator(),
        mentee=mentee,
        version=mentee.version,
        data=mentee_data(mentee, expected_release_date=new),
    )
    change = mentorship.changes.filter(kind=MentorshipChange.Kind.REENTRY).latest("id")
    assert (change.to_value, change.reason_code) == ("release_date", "release_from_record")
    assert change.params["date"] == new.isoformat()
    assert "From the person's record" in change.reason_text()
    event = AuditEvent.objects.filter(object_type="mentorships.reentryplan").latest("id")
    assert event.fields == ["release_date"] and event.actor_username.startswith("(backontrack")
