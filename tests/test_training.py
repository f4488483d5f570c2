"""Training: courses, sessions, attendance and sign-off, and what they do to readiness."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.mentors import services
from backontrack.mentors.models import (
    Attendance,
    Course,
    CourseSession,
    Mentor,
    ModuleSignOff,
    TrainingModule,
)
from backontrack.mentors.readiness import readiness_for
from backontrack.programmes.models import Programme

from .conftest import signed_in_client

pytestmark = pytest.mark.django_db


def _trainer() -> User:
    return User.objects.get(username="trainer")


def _course(code: str = "custody_planning", trainer_name: str = "Ane Holt") -> Course:
    return services.course_create(
        actor=_trainer(),
        data=services.CourseData(
            module=TrainingModule.objects.get(code=code),
            title="Test course",
            trainer_name=trainer_name,
            trainer_organisation="Consult A/S",
            trainer_kind="consultancy",
            location="",
        ),
    )


def _at(days: int, hour: int) -> datetime:
    return datetime.combine(
        timezone.localdate() + timedelta(days=days),
        time(hour),
        tzinfo=timezone.get_current_timezone(),
    )


def test_the_curriculum_is_seeded_with_the_schemes_modules() -> None:
    page = signed_in_client("trainer").get("/training/").content.decode()
    for name in (
        "Dialogue techniques",
        "Coaching",
        "Conflict management",
        "Extremism and radicalisation",
        "Involving family and network",
        "Planning a mentorship in custody",
        "Coach supervision",
    ):
        assert name in page


def test_hours_are_written_as_people_write_them_in_either_language() -> None:
    """14 hours, not "14.0"; three and a half as "3.5" in English and "3,5" in Danish."""
    client = signed_in_client("trainer")
    english = client.get("/training/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<td>14</td>" in english and "14.0" not in english
    assert "Every 24 months, 3.5 hours" in english
    client.cookies["django_language"] = "da"
    danish = client.get("/training/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "<td>14</td>" in danish and "14,0" not in danish
    assert "3,5" in danish


def test_the_trainer_plans_a_course_and_its_sessions_through_the_pages() -> None:
    client = signed_in_client("trainer")
    module = TrainingModule.objects.get(code="conflict")
    response = client.post(
        "/training/courses/new/",
        {
            # The demo trainer trains for both programmes, so the course says whose it is.
            "programme": Programme.objects.default().pk,
            "module": module.pk,
            "title": "Conflict management, spring",
            "trainer_name": "Karen Vinther",
            "trainer_organisation": "Prison and Probation Service",
            "trainer_kind": "prison_service",
        },
    )
    assert response.status_code == 302
    course = Course.objects.get(title="Conflict management, spring")
    day = (timezone.localdate() + timedelta(days=30)).isoformat()
    url = f"/training/courses/{course.pk}/sessions/new/"
    assert client.post(url, {"day": day, "starts": "09:00", "ends": "16:00"}).status_code == 302
    # The trainer already teaches elsewhere at that time: refused, with where.
    response = client.post(url, {"day": day, "starts": "13:00", "ends": "15:00"})
    assert "This overlaps the session of" in response.content.decode()
    response = client.post(url, {"day": day, "starts": "15:00", "ends": "10:00"})
    assert "must end after it starts" in response.content.decode()
    assert course.sessions.count() == 1


def test_a_session_of_another_trainer_may_overlap() -> None:
    first, second = _course(trainer_name="Ane Holt"), _course(trainer_name="Bo Lind")
    services.session_add(actor=_trainer(), course=first, starts_at=_at(5, 9), ends_at=_at(5, 12))
    services.session_add(actor=_trainer(), course=second, starts_at=_at(5, 10), ends_at=_at(5, 13))
    with pytest.raises(services.Refused, match="overlaps"):
        services.session_add(
            actor=_trainer(), course=first, starts_at=_at(5, 11), ends_at=_at(5, 14)
        )


def test_attendance_is_refused_for_a_future_session_too_many_hours_or_a_double_booking() -> None:
    leyla = Mentor.objects.get(user__username="mentor08")
    course = _course()
    future = services.session_add(
        actor=_trainer(), course=course, starts_at=_at(3, 9), ends_at=_at(3, 12)
    )
    with pytest.raises(services.Refused, match="once the session has started"):
        services.attendance_record(
            actor=_trainer(), session=future, hours_by_mentor={leyla: Decimal(3)}
        )
    past = services.session_add(
        actor=_trainer(), course=course, starts_at=_at(-2, 9), ends_at=_at(-2, 12)
    )
    with pytest.raises(services.Refused, match=r"at most 3\.0"):
        services.attendance_record(
            actor=_trainer(), session=past, hours_by_mentor={leyla: Decimal(4)}
        )
    other = services.session_add(
        actor=_trainer(),
        course=_course(trainer_name="Bo Lind"),
        starts_at=_at(-2, 10),
        ends_at=_at(-2, 11),
    )
    services.attendance_record(actor=_trainer(), session=past, hours_by_mentor={leyla: Decimal(3)})
    with pytest.raises(services.Refused, match="at the same time"):
        services.attendance_record(
            actor=_trainer(), session=other, hours_by_mentor={leyla: Decimal(1)}
        )
    assert not Attendance.objects.filter(session=other).exists()


def test_saving_attendance_again_keeps_the_record_of_a_mentor_who_has_left() -> None:
    leyla, kasper = (Mentor.objects.get(user__username=u) for u in ("mentor08", "mentor07"))
    # An evening: the demo's course days run from 9 to 16, and a run that starts before a
    # Copenhagen midnight and reaches this test after it sees them a day off.
    session = services.session_add(
        actor=_trainer(), course=_course(), starts_at=_at(-4, 17), ends_at=_at(-4, 20)
    )
    services.attendance_record(
        actor=_trainer(), session=session, hours_by_mentor={leyla: Decimal(3), kasper: Decimal(3)}
    )
    Mentor.objects.filter(pk=kasper.pk).update(status="left")
    client = signed_in_client("trainer")
    page = client.get(f"/training/sessions/{session.pk}/attendance/").content.decode()
    assert "Kasper Nørgaard" in page
    response = client.post(
        f"/training/sessions/{session.pk}/attendance/",
        {
            f"present_{leyla.pk}": "on",
            f"hours_{leyla.pk}": "2.5",
            f"present_{kasper.pk}": "on",
            f"hours_{kasper.pk}": "3",
        },
    )
    assert response.status_code == 302
    assert dict(session.attendance.values_list("mentor_id", "hours")) == {
        leyla.pk: Decimal("2.5"),
        kasper.pk: Decimal("3.0"),
    }


def test_a_sign_off_without_the_hours_attended_is_refused_clearly() -> None:
    ida = Mentor.objects.get(user__username="mentor10")
    course = _course("dialogue")
    client = signed_in_client("trainer")
    response = client.post(
        f"/training/courses/{course.pk}/sign-off/",
        {"mentor": ida.pk, "signed_off_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert "has attended 0 of the 14.0 hours" in response.content.decode()
    assert not ModuleSignOff.objects.filter(mentor=ida).exists()


def test_signing_off_the_last_module_makes_the_mentor_ready_once_active() -> None:
    leyla = Mentor.objects.get(user__username="mentor08")
    course = Course.objects.get(module__code="custody_planning", title__endswith="vinterhold")
    client = signed_in_client("trainer")
    page = client.get(f"/training/courses/{course.pk}/").content.decode()
    assert "Leyla Demir" in page
    response = client.post(
        f"/training/courses/{course.pk}/sign-off/",
        {"mentor": leyla.pk, "signed_off_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert readiness_for(leyla).trained
    coordinator = signed_in_client("coordinator")
    response = coordinator.post(
        f"/mentors/{leyla.pk}/status/active/", {"version": leyla.version, "reason": ""}
    )
    assert response.status_code == 302
    leyla.refresh_from_db()
    assert readiness_for(leyla).ready


def test_a_refresher_falls_due_and_then_counts_only_new_hours() -> None:
    kasper = Mentor.objects.get(user__username="mentor07")
    module = TrainingModule.objects.get(code="extremism")
    last = ModuleSignOff.objects.filter(mentor=kasper, module=module).latest("signed_off_on")
    assert last.expires_on is not None
    assert last.expires_on.year * 12 + last.expires_on.month == (
        last.signed_off_on.year * 12 + last.signed_off_on.month + 12
    )
    later = readiness_for(kasper, today=last.expires_on + timedelta(days=1))
    assert not later.ready
    assert any("refresher overdue" in gap.text for gap in later.missing)
    # The hours of the first course do not count again for the refresher.
    with pytest.raises(services.Refused, match="attended 0"):
        services.module_sign_off(
            actor=_trainer(),
            mentor=kasper,
            module=module,
            signed_off_on=timezone.localdate(),
            note="",
        )
    course = _course("extremism")
    session = services.session_add(
        actor=_trainer(), course=course, starts_at=_at(-1, 9), ends_at=_at(-1, 13)
    )
    services.attendance_record(
        actor=_trainer(), session=session, hours_by_mentor={kasper: Decimal(4)}
    )
    renewed = services.module_sign_off(
        actor=_trainer(), mentor=kasper, module=module, signed_off_on=timezone.localdate(), note=""
    )
    assert renewed.expires_on and renewed.expires_on > last.expires_on


def test_only_the_trainer_writes_training_records() -> None:
    course = Course.objects.order_by("id").first()
    assert course is not None
    session = CourseSession.objects.filter(course=course).first()
    assert session is not None
    coordinator = User.objects.get(username="coordinator")
    with pytest.raises(services.Refused):
        services.session_add(
            actor=coordinator, course=course, starts_at=_at(9, 9), ends_at=_at(9, 10)
        )
    with pytest.raises(services.Refused):
        services.attendance_record(actor=coordinator, session=session, hours_by_mentor={})
    page = signed_in_client("coordinator").get(f"/training/courses/{course.pk}/").content.decode()
    assert "Add a session" not in page
