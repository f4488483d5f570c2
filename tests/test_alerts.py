"""Alerts at their boundaries, on the home pages, and `send-alerts` (idempotent)."""

import io
from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.core import access
from backontrack.demo.referrals import mentee_data
from backontrack.mentees import services as mentee_services
from backontrack.mentees.models import Mentee
from backontrack.mentorships import alerts
from backontrack.mentorships.models import (
    AlertWindow,
    CheckIn,
    Meeting,
    Mentorship,
    MentorshipStatus,
    Phase,
    ReentryPlan,
    SentAlert,
)
from backontrack.programmes.models import SETTINGS, Programme

from .conftest import alerts_rederived, demo_mentorship, signed_in_client

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


def active() -> Mentorship:
    return demo_mentorship(MentorshipStatus.ACTIVE)


def kinds(mentorship: Mentorship, today: date = TODAY) -> set[str]:
    found = alerts.alerts(Mentorship.objects.filter(pk=mentorship.pk), today=today)
    return {alert.kind for alert in found}


def set_meetings(mentorship: Mentorship, *, last_held_days_ago: int) -> None:
    Meeting.objects.filter(mentorship=mentorship).update(
        occurred_on=TODAY - timedelta(days=last_held_days_ago)
    )
    alerts_rederived()


@pytest.mark.parametrize(
    ("phase", "days", "alert"),
    [
        (Phase.SENTENCE, 14, False),
        (Phase.SENTENCE, 15, True),
        (Phase.AFTERCARE, 7, False),
        (Phase.AFTERCARE, 8, True),
    ],
)
def test_no_meeting_alert_at_its_boundary_per_phase(phase: str, days: int, alert: bool) -> None:
    mentorship = active()
    Mentorship.objects.filter(pk=mentorship.pk).update(phase=phase)
    set_meetings(mentorship, last_held_days_ago=days)
    assert ("no_meeting" in kinds(mentorship)) is alert


def test_check_ins_follow_the_programmes_cadence() -> None:
    start = date(2026, 1, 1)
    cadence = Programme(check_in_first_days=14, check_in_second_days=30, check_in_every_days=30)
    assert alerts.check_ins_due(cadence, start, start + timedelta(days=13)) == []
    assert alerts.check_ins_due(cadence, start, start + timedelta(days=14)) == [date(2026, 1, 15)]
    assert len(alerts.check_ins_due(cadence, start, start + timedelta(days=59))) == 2
    assert len(alerts.check_ins_due(cadence, start, start + timedelta(days=60))) == 3
    mentorship = active()
    Mentorship.objects.filter(pk=mentorship.pk).update(
        initial_meeting_on=TODAY - timedelta(days=30)
    )
    CheckIn.objects.filter(mentorship=mentorship).delete()
    CheckIn.objects.create(
        mentorship=mentorship,
        occurred_on=TODAY - timedelta(days=20),
        how="phone",
        recorded_by=mentorship.created_by,
    )
    alerts_rederived()
    assert "check_in" in kinds(mentorship)  # the second (day 30) is due today
    assert "check_in" not in kinds(mentorship, TODAY - timedelta(days=1))


@pytest.mark.parametrize(("days", "alert"), [(-1, False), (0, True), (30, True), (31, False)])
def test_release_alert_within_30_days(days: int, alert: bool) -> None:
    mentorship = active()
    Mentee.objects.filter(pk=mentorship.mentee_id).update(
        expected_release_date=TODAY + timedelta(days=days)
    )
    alerts_rederived()
    assert ("release" in kinds(mentorship)) is alert


@pytest.mark.parametrize(("days", "alert"), [(7, False), (8, True)])
def test_a_proposed_mentorship_waiting_too_long(days: int, alert: bool) -> None:
    mentorship = demo_mentorship(MentorshipStatus.PROPOSED)
    Mentorship.objects.filter(pk=mentorship.pk).update(
        status_changed_at=timezone.make_aware(
            datetime.combine(TODAY - timedelta(days=days), time(12))
        )
    )
    alerts_rederived()
    assert ("activation" in kinds(mentorship)) is alert


def test_each_person_sees_their_alerts_on_their_home_page() -> None:
    mentorship = active()
    Meeting.objects.filter(mentorship=mentorship).update(
        occurred_on=timezone.localdate() - timedelta(days=40)
    )
    Mentee.objects.filter(pk=mentorship.mentee_id).update(
        expected_release_date=timezone.localdate() + timedelta(days=10)
    )
    alerts_rederived()
    mentor = signed_in_client(mentorship.mentor.user.username).get("/").content.decode()  # type: ignore[union-attr]
    coach = signed_in_client(mentorship.coach.user.username).get("/").content.decode()  # type: ignore[union-attr]
    coordinator = signed_in_client("coordinator").get("/").content.decode()
    assert "No meeting since" in mentor and "Expected release" in mentor
    assert "No meeting since" in coach and "Expected release" not in coach
    assert "No meeting since" in coordinator and "check-in was due" in coordinator
    assert "check-in was due" not in mentor


def test_send_alerts_sends_each_alert_once_and_no_names() -> None:
    mentorship = active()
    Meeting.objects.filter(mentorship=mentorship).update(
        occurred_on=timezone.localdate() - timedelta(days=40)
    )
    alerts_rederived()
    out = io.StringIO()
    call_command("send-alerts", stdout=out)
    assert "new alerts sent" in out.getvalue()
    recipients = {address for message in mail.outbox for address in message.to}
    assert mentorship.mentor.user.email in recipients  # type: ignore[union-attr]
    assert mentorship.coach.user.email in recipients  # type: ignore[union-attr]
    assert "coordinator@example.org" in recipients
    for message in mail.outbox:
        assert mentorship.mentee.last_name not in message.body
        assert "No meeting since" not in message.body  # no dates either
    to_mentor = next(m for m in mail.outbox if mentorship.mentor.user.email in m.to)  # type: ignore[union-attr]
    assert f"/mentorships/{mentorship.pk}/" in to_mentor.body
    sent = SentAlert.objects.count()
    mail.outbox.clear()
    call_command("send-alerts", stdout=io.StringIO())
    assert mail.outbox == [] and SentAlert.objects.count() == sent


def test_send_alerts_moves_phases_that_are_due() -> None:
    mentorship = active()
    Mentorship.objects.filter(pk=mentorship.pk).update(phase=Phase.SENTENCE)
    Mentee.objects.filter(pk=mentorship.mentee_id).update(
        expected_release_date=timezone.localdate() + timedelta(days=60)
    )
    out = io.StringIO()
    call_command("send-alerts", stdout=out)
    mentorship.refresh_from_db()
    assert mentorship.phase == Phase.RE_ENTRY
    assert out.getvalue().startswith("1 phases moved")


def test_a_coordinator_records_a_check_in() -> None:
    mentorship = active()
    client = signed_in_client("coordinator")
    response = client.post(
        f"/mentorships/{mentorship.pk}/check-ins/new/",
        {"occurred_on": timezone.localdate().isoformat(), "how": "phone", "note": "All well."},
    )
    assert response.status_code == 302
    assert [c.note for c in mentorship.checkins.order_by("-id")[:1]] == ["All well."]
    mentor_page = signed_in_client(mentorship.mentor.user.username).get(  # type: ignore[union-attr]
        f"/mentorships/{mentorship.pk}/"
    )
    assert "All well." not in mentor_page.content.decode()


def test_a_programmes_no_meeting_threshold_changes_its_alerts_only() -> None:
    """The special scheme's coordinator sets 23 days; its mentorship is flagged on day 24,
    not 23, while Back on Track keeps its own 14."""
    special = Programme.objects.get(name="Special mentoring scheme")
    ours, theirs = Mentorship.objects.filter(
        status=MentorshipStatus.ACTIVE, programme=Programme.objects.default()
    ).order_by("id")[:2]
    Mentorship.objects.filter(pk=theirs.pk).update(programme=special, phase=Phase.SENTENCE)
    Mentorship.objects.filter(pk=ours.pk).update(phase=Phase.SENTENCE)
    values: dict[str, object] = {name: getattr(special, name) for name in SETTINGS}
    values.update(no_meeting_days=23, version=special.version)
    coordinator = signed_in_client("coordinator")
    coordinator.post(f"/programmes/{special.pk}/settings/", values)
    today = timezone.localdate()

    def quiet_for(mentorship: Mentorship, days: int) -> None:
        Meeting.objects.filter(mentorship=mentorship).update(
            occurred_on=today - timedelta(days=days)
        )
        Mentorship.objects.filter(pk=mentorship.pk).update(
            initial_meeting_on=today - timedelta(days=days)
        )
        alerts_rederived()

    quiet_for(theirs, 23)
    quiet_for(ours, 23)
    scheme_page = signed_in_client("coordinator-special").get("/").content.decode()
    assert "(more than 23 days)" not in scheme_page
    assert "(more than 14 days)" in coordinator.get("/").content.decode()
    quiet_for(theirs, 24)
    scheme_page = signed_in_client("coordinator-special").get("/").content.decode()
    assert "(more than 23 days)" in scheme_page
    assert "(more than 14 days)" not in scheme_page


def every_alert_by_loading_each(today: date) -> list[alerts.Alert]:
    """The rules applied to every open mentorship in Python, one by one, as the alerts were
    found before the database picked the mentorships that have one."""
    found = []
    open_ones = Mentorship.objects.exclude(status=MentorshipStatus.CLOSED)
    for mentorship in alerts.annotated(open_ones).order_by("mentee__last_name", "id"):
        found += alerts.alerts_for(mentorship, today)
    return found


def test_the_database_finds_exactly_the_mentorships_with_alerts_and_counts_them() -> None:
    """Over a year of days, on the demo with some of its dates moved to the rules' edges, the
    mentorships the database picks give the same alerts as every open mentorship worded one by
    one, and the count of the first few is the count of them all."""
    mentorship = active()
    Mentorship.objects.filter(pk=mentorship.pk).update(phase=Phase.AFTERCARE)
    Mentee.objects.filter(pk=mentorship.mentee_id).update(
        expected_release_date=TODAY + timedelta(days=45)
    )
    ReentryPlan.objects.filter(mentorship=mentorship).delete()
    Programme.objects.filter(pk=mentorship.programme_id).update(
        check_in_first_days=20, check_in_second_days=10, check_in_every_days=7
    )
    alerts_rederived()
    kinds_seen: set[str] = set()
    for offset in range(-120, 400, 17):
        today = TODAY + timedelta(days=offset)
        expected = every_alert_by_loading_each(today)
        assert [(a.key, a.text) for a in alerts.alerts(Mentorship.objects.all(), today=today)] == [
            (a.key, a.text) for a in expected
        ], today
        first, total = alerts.first_alerts(Mentorship.objects.all(), limit=3, today=today)
        assert [a.key for a in first] == [a.key for a in expected[:3]]
        assert total == len(expected), today
        kinds_seen |= {a.kind for a in expected}
    assert kinds_seen >= {
        "no_meeting",
        "check_in",
        "release",
        "review",
        "reentry_plan",
        "activation",
    }


def windows() -> list[tuple[object, ...]]:
    return sorted(AlertWindow.objects.values_list("mentorship_id", "kind", "begins_on", "ends_on"))


def assert_as_derived_again() -> None:
    kept = windows()
    alerts_rederived()
    assert windows() == kept


def test_each_alert_window_keeps_its_mentorship_s_programme() -> None:
    """A coordinator's count reads the windows' own programme: the services, and a rebuild,
    write each window with its mentorship's, and the count is the one through the mentorships."""
    coordinator = User.objects.get(username="coordinator")
    assert AlertWindow.objects.exists()
    alerts_rederived()
    assert not AlertWindow.objects.exclude(programme_id=F("mentorship__programme_id")).exists()
    for today in (TODAY, TODAY + timedelta(days=40), TODAY + timedelta(days=200)):
        visible = access.mentorships_visible_to(coordinator)
        windows = access.alert_windows_visible_to(coordinator)
        assert alerts.first_alerts(visible, limit=1, today=today, windows=windows) == (
            alerts.first_alerts(visible, limit=1, today=today)
        )


def test_a_day_passing_needs_no_write() -> None:
    """The windows keep the days an alert begins and ends, not whether it holds: the quiet
    spell's alert begins on day 15 and the release's ends after the release, with nothing
    written in between."""
    mentorship = active()
    Mentorship.objects.filter(pk=mentorship.pk).update(phase=Phase.SENTENCE)
    Mentee.objects.filter(pk=mentorship.mentee_id).update(
        expected_release_date=TODAY + timedelta(days=40)
    )
    set_meetings(mentorship, last_held_days_ago=0)
    kept = windows()
    assert "no_meeting" not in kinds(mentorship, TODAY + timedelta(days=14))
    assert "no_meeting" in kinds(mentorship, TODAY + timedelta(days=15))
    assert "release" not in kinds(mentorship, TODAY + timedelta(days=9))
    assert "release" in kinds(mentorship, TODAY + timedelta(days=10))
    assert "release" in kinds(mentorship, TODAY + timedelta(days=40))
    assert "release" not in kinds(mentorship, TODAY + timedelta(days=41))
    assert windows() == kept


def test_rebuilds_in_a_deferred_block_happen_once_at_its_end() -> None:
    """The demo writes its stories in an `alert_windows_deferred` block: the services'
    rebuilds wait for the end of the outermost block and then leave the windows as deriving
    them again would. A block that raises leaves nothing deferred behind: the next service
    rebuilds at once."""
    mentorship = active()
    coordinator = User.objects.get(username="coordinator")
    today = timezone.localdate()

    def release_in(days: int) -> None:
        mentee = Mentee.objects.get(pk=mentorship.mentee_id)
        mentee_services.mentee_update(
            actor=coordinator,
            mentee=mentee,
            version=mentee.version,
            data=mentee_data(mentee, expected_release_date=today + timedelta(days=days)),
        )

    assert_as_derived_again()
    before = windows()
    with alerts.alert_windows_deferred():
        with alerts.alert_windows_deferred():
            release_in(20)
        assert windows() == before  # an inner block's wait for the outer one's end
    assert windows() != before
    assert_as_derived_again()
    with pytest.raises(RuntimeError), alerts.alert_windows_deferred():
        raise RuntimeError
    before = windows()
    release_in(200)
    assert windows() != before
    assert_as_derived_again()


def test_the_services_keep_the_alert_windows_up_to_date() -> None:
    """A meeting, a check-in, a new release on the person's record and a programme's new
    thresholds each leave the windows as deriving them again would."""
    mentorship = active()
    today = timezone.localdate()
    assert_as_derived_again()
    mentor = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    response = mentor.post(
        f"/mentorships/{mentorship.pk}/meetings/new/",
        {
            "version": "0",
            "occurred_on": today.isoformat(),
            "kind": "phone",
            "outcome": "held",
            "duration_minutes": "30",
            "facts": "A call about the week.",
        },
    )
    assert response.status_code == 302
    assert_as_derived_again()
    coordinator = signed_in_client("coordinator")
    response = coordinator.post(
        f"/mentorships/{mentorship.pk}/check-ins/new/",
        {"occurred_on": today.isoformat(), "how": "phone", "note": ""},
    )
    assert response.status_code == 302
    assert_as_derived_again()
    mentee = Mentee.objects.get(pk=mentorship.mentee_id)
    mentee_services.mentee_update(
        actor=User.objects.get(username="coordinator"),
        mentee=mentee,
        version=mentee.version,
        data=mentee_data(mentee, expected_release_date=today + timedelta(days=20)),
    )
    assert_as_derived_again()
    programme = Programme.objects.get(pk=mentorship.programme_id)
    values: dict[str, object] = {name: getattr(programme, name) for name in SETTINGS}
    values.update(release_alert_days=10, no_meeting_days=3, version=programme.version)
    coordinator.post(f"/programmes/{programme.pk}/settings/", values)
    assert Programme.objects.get(pk=programme.pk).release_alert_days == 10
    assert_as_derived_again()
