"""The plan and its goals: who keeps them, what a goal needs, and no silent overwrite."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from backontrack.mentorships import services
from backontrack.mentorships.models import Goal, Mentorship, MentorshipStatus, Plan

from .conftest import demo_mentorship, signed_in_client

pytestmark = pytest.mark.django_db


def active() -> Mentorship:
    return demo_mentorship(MentorshipStatus.ACTIVE)


def _goal(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "version": "0",
        "area": "re_entry",
        "title": "Start the welding course in the workshop",
        "steps": "Ask the workshop master; apply before the next intake.",
        "target_date": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "progress": "10",
        "status": "active",
    }
    data.update(overrides)
    return data


def test_the_mentor_adds_a_goal_and_it_shows_on_the_mentorship() -> None:
    mentorship = active()
    client = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    response = client.post(f"/mentorships/{mentorship.pk}/goals/new/", _goal())
    assert response.status_code == 302
    goal = mentorship.goals.latest("id")
    assert goal.title == "Start the welding course in the workshop"
    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM mentorships_goal WHERE id = %s", [goal.pk])
        assert cursor.fetchone()[0].startswith("enc3:")
    page = client.get(f"/mentorships/{mentorship.pk}/").content.decode()
    assert "Start the welding course" in page and "10%" in page
    assert "Fiktivt: et besøg af hans søster" in page
    coach = signed_in_client(mentorship.coach.user.username)  # type: ignore[union-attr]
    assert (
        "Start the welding course" in coach.get(f"/mentorships/{mentorship.pk}/").content.decode()
    )
    assert coach.get(f"/mentorships/{mentorship.pk}/goals/new/").status_code == 404
    assert coach.get(f"/mentorships/{mentorship.pk}/plan/").status_code == 404


def test_a_dropped_goal_needs_the_reason_and_an_achieved_one_is_complete() -> None:
    mentorship = active()
    client = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    client.post(f"/mentorships/{mentorship.pk}/goals/new/", _goal())
    goal = mentorship.goals.latest("id")
    url = f"/mentorships/{mentorship.pk}/goals/{goal.pk}/edit/"
    response = client.post(url, _goal(version=goal.version, status="dropped"))
    assert response.status_code == 200
    assert "Say why the goal was dropped." in response.content.decode()
    response = client.post(url, _goal(version=goal.version, status="achieved", progress="60"))
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.status, goal.progress) == ("achieved", 100)
    change = mentorship.changes.filter(kind="goal").last()
    assert change is not None and change.to_label() == "Achieved"
    timeline = client.get(f"/mentorships/{mentorship.pk}/timeline/?kind=plan").content.decode()
    assert "Achieved" in timeline and "Meeting:" not in timeline


def test_two_people_editing_the_same_plan_never_overwrite_each_other() -> None:
    mentorship = active()
    mentor = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    coordinator = signed_in_client("coordinator")
    url = f"/mentorships/{mentorship.pk}/plan/"
    plan = Plan.objects.get(mentorship=mentorship)
    # A form opened before the plan existed does not overwrite the one written meanwhile.
    blank = mentor.post(url, {"custody_constraints": "Visits on Tuesdays only."})
    assert "Someone else saved a change" in blank.content.decode()
    opened = plan.version
    first = coordinator.post(url, {"version": opened, "custody_constraints": "No leave yet."})
    assert first.status_code == 302
    second = mentor.post(url, {"version": opened, "custody_constraints": "Tuesdays and Fridays."})
    assert second.status_code == 200
    assert "Someone else saved a change" in second.content.decode()
    plan.refresh_from_db()
    assert plan.custody_constraints == "No leave yet."


def test_a_stale_goal_edit_is_refused() -> None:
    mentorship = active()
    client = signed_in_client("coordinator")
    client.post(f"/mentorships/{mentorship.pk}/goals/new/", _goal())
    goal = mentorship.goals.latest("id")
    url = f"/mentorships/{mentorship.pk}/goals/{goal.pk}/edit/"
    client.post(url, _goal(version=goal.version, progress="40"))
    client.post(url, _goal(version=goal.version, progress="20"))
    goal.refresh_from_db()
    assert goal.progress == 40


def test_goal_rules_hold_in_the_service_too() -> None:
    mentorship = active()
    actor = mentorship.mentor.user
    assert actor is not None
    before = Goal.objects.filter(mentorship=mentorship).count()
    for data, message in (
        (services.GoalData("re_entry", " ", "", None, 0, "active", ""), "Say what the goal is"),
        (services.GoalData("re_entry", "x", "", None, 120, "active", ""), "between 0 and 100"),
        (services.GoalData("nonsense", "x", "", None, 0, "active", ""), "options given"),
        (services.GoalData("re_entry", "x", "", None, 0, "dropped", ""), "dropped"),
    ):
        with pytest.raises(services.Refused, match=message):
            services.goal_create(actor=actor, mentorship=mentorship, data=data)
    assert Goal.objects.filter(mentorship=mentorship).count() == before


def test_a_meeting_records_the_goals_it_worked_on() -> None:
    mentorship = active()
    goal = mentorship.goals.filter(status="active").first()
    assert goal is not None
    client = signed_in_client(mentorship.mentor.user.username)  # type: ignore[union-attr]
    response = client.post(
        f"/mentorships/{mentorship.pk}/meetings/new/",
        {
            "version": "0",
            "occurred_on": timezone.localdate().isoformat(),
            "kind": "phone",
            "outcome": "held",
            "duration_minutes": "20",
            "goals": [goal.pk],
        },
    )
    assert response.status_code == 302
    meeting = mentorship.meetings.latest("id")
    assert list(meeting.goals.all()) == [goal]
    page = client.get(f"/mentorships/{mentorship.pk}/").content.decode()
    assert "Goals worked on" in page
    other = demo_mentorship(MentorshipStatus.PROPOSED)
    foreign = Goal(mentorship=other, area="family", title="x", created_by=mentorship.created_by)
    foreign.save()
    with pytest.raises(services.Refused):
        services.meeting_record(
            actor=mentorship.mentor.user,  # type: ignore[arg-type]
            mentorship=mentorship,
            data=services.MeetingData(
                timezone.localdate(), "phone", "held", "", 20, [], [], "", "", "", ""
            ),
            goals=[foreign],
        )
