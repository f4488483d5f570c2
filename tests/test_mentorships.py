"""Mentorships: activation, pause and resume, meetings with the 48-hour rule, who sees
what, and the pages' query counts."""

import json
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.audit.models import Action, AuditEvent
from backontrack.mentees import services as mentees
from backontrack.mentees.models import Mentee
from backontrack.mentors.models import Mentor
from backontrack.mentorships import services
from backontrack.mentorships.models import (
    Meeting,
    MeetingRevision,
    Mentorship,
    MentorshipChange,
    MentorshipStatus,
    Phase,
)
from backontrack.programmes.models import Programme
from backontrack.reviews.models import Instrument, Review

from .conftest import PERSONA_NAMES, alerts_rederived, demo_mentorship, signed_in_client

pytestmark = pytest.mark.django_db


def active() -> Mentorship:
    return demo_mentorship(MentorshipStatus.ACTIVE)


def proposed() -> Mentorship:
    return demo_mentorship(MentorshipStatus.PROPOSED)


def username(mentorship: Mentorship, who: str = "mentor") -> str:
    return str(getattr(mentorship, who).user.username)


def _activation(**overrides: object) -> dict[str, object]:
    today = timezone.localdate().isoformat()
    data: dict[str, object] = {
        "initial_meeting_on": today,
        "initial_meeting_with": "coach",
        "agreement_signed_on": today,
        "meeting_frequency": "weekly",
        "planned_months": "12",
        "roles_agreed": "Weekly visits; the coach follows up.",
        "safety_rules": "No private phone numbers.",
    }
    data.update(overrides)
    return data


def _meeting(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "version": "0",
        "occurred_on": timezone.localdate().isoformat(),
        "kind": "prison_visit",
        "outcome": "held",
        "duration_minutes": "45",
        "facts": "We talked about his work in the kitchen.",
    }
    # A value to work out when the test runs, not when it is collected (a run may cross midnight).
    data.update({key: value() if callable(value) else value for key, value in overrides.items()})
    return data


def test_activation_needs_the_initial_meeting_and_the_agreement() -> None:
    mentorship = proposed()
    coordinator = signed_in_client("coordinator")
    url = f"/mentorships/{mentorship.pk}/activate/"
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    data = _activation(initial_meeting_on=tomorrow, safety_rules="", version=mentorship.version)
    response = coordinator.post(url, data)
    assert response.status_code == 200
    assert "The initial meeting must have taken place." in response.content.decode()
    assert "This field is required" in response.content.decode()
    mentorship.refresh_from_db()
    assert mentorship.status == MentorshipStatus.PROPOSED
    response = coordinator.post(url, _activation(version=mentorship.version))
    assert response.status_code == 302
    mentorship.refresh_from_db()
    assert mentorship.status == MentorshipStatus.ACTIVE
    assert mentorship.phase == services.phase_for(mentorship)
    assert mentorship.safety_rules == "No private phone numbers."
    kinds = list(mentorship.changes.values_list("kind", "to_value"))
    assert kinds[-2:] == [("status", "active"), ("phase", mentorship.phase)]
    assert AuditEvent.objects.filter(
        action=Action.CHANGE, object_type="mentorships.mentorship", object_id=str(mentorship.pk)
    ).exists()


def test_only_the_coordinator_activates_pauses_and_resumes() -> None:
    mentorship = proposed()
    for name in (username(mentorship), username(mentorship, "coach")):
        client = signed_in_client(name)
        assert client.get(f"/mentorships/{mentorship.pk}/activate/").status_code == 404
    with pytest.raises(services.Refused):
        services.mentorship_activate(
            actor=User.objects.get(username=username(mentorship)),
            mentorship=mentorship,
            version=mentorship.version,
            agreement=services.Agreement(
                timezone.localdate(), "coach", timezone.localdate(), "weekly", 6, "r", "s"
            ),
        )


def test_pausing_needs_a_reason_and_resuming_returns_to_active() -> None:
    mentorship = active()
    coordinator = signed_in_client("coordinator")
    url = f"/mentorships/{mentorship.pk}/status/paused/"
    assert coordinator.post(url, {"version": mentorship.version, "reason": ""}).status_code == 200
    response = coordinator.post(url, {"version": mentorship.version, "reason": "Transferred."})
    assert response.status_code == 302
    mentorship.refresh_from_db()
    assert mentorship.status == MentorshipStatus.PAUSED
    assert mentorship.changes.last().reason == "Transferred."  # type: ignore[union-attr]
    # A paused mentorship takes no meetings.
    mentor = signed_in_client(username(mentorship))
    assert mentor.get(f"/mentorships/{mentorship.pk}/meetings/new/").status_code == 404
    response = coordinator.post(
        f"/mentorships/{mentorship.pk}/status/active/",
        {"version": mentorship.version, "reason": "Back in Copenhagen."},
    )
    mentorship.refresh_from_db()
    assert mentorship.status == MentorshipStatus.ACTIVE


def test_a_mentor_records_a_meeting_in_one_form() -> None:
    mentorship = active()
    mentor = signed_in_client(username(mentorship))
    before = mentorship.meetings.count()
    response = mentor.post(f"/mentorships/{mentorship.pk}/meetings/new/", _meeting())
    assert response.status_code == 302
    assert mentorship.meetings.count() == before + 1
    meeting = mentorship.meetings.latest("id")
    assert meeting.facts == "We talked about his work in the kitchen."
    with connection.cursor() as cursor:
        cursor.execute("SELECT facts FROM mentorships_meeting WHERE id = %s", [meeting.pk])
        assert cursor.fetchone()[0].startswith("enc3:")
    page = mentor.get(f"/mentorships/{mentorship.pk}/").content.decode()
    assert "his work in the kitchen" in page
    event = AuditEvent.objects.filter(
        object_type="mentorships.meeting", object_id=str(meeting.pk), action=Action.CREATE
    ).get()
    assert "facts" in event.fields and "kitchen" not in event.detail
    shown = AuditEvent.objects.filter(object_type="mentorships.meeting").latest("id")
    assert shown.action == Action.LIST and str(meeting.pk) in shown.object_ids


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"duration_minutes": ""}, "Say how long the meeting lasted."),
        (
            {"outcome": "cancelled", "duration_minutes": ""},
            "Say why the meeting did not take place.",
        ),
        (
            {"occurred_on": lambda: (timezone.localdate() + timedelta(days=1)).isoformat()},
            "A meeting cannot be recorded before it has taken place.",
        ),
    ],
)
def test_an_incomplete_meeting_is_refused_and_nothing_is_lost(
    overrides: dict[str, object], message: str
) -> None:
    mentorship = active()
    mentor = signed_in_client(username(mentorship))
    before = mentorship.meetings.count()
    response = mentor.post(f"/mentorships/{mentorship.pk}/meetings/new/", _meeting(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "his work in the kitchen" in html
    assert mentorship.meetings.count() == before


def test_a_cancelled_meeting_keeps_only_why() -> None:
    mentorship = active()
    mentor = User.objects.get(username=username(mentorship))
    meeting = services.meeting_record(
        actor=mentor,
        mentorship=mentorship,
        data=services.MeetingData(
            occurred_on=timezone.localdate(),
            kind="prison_visit",
            outcome="cancelled",
            not_held_reason="lockdown",
            duration_minutes=60,
            participants=[],
            topics=["family"],
            engagement="high",
            facts="",
            assessment="",
            follow_up="",
        ),
    )
    assert (meeting.duration_minutes, meeting.topics, meeting.engagement) == (None, [], "")


def test_a_change_after_48_hours_keeps_the_earlier_version_and_asks_why() -> None:
    mentorship = active()
    mentor = signed_in_client(username(mentorship))
    meeting = mentorship.meetings.filter(outcome="held").latest("occurred_on")
    Meeting.objects.filter(pk=meeting.pk).update(recorded_at=timezone.now() - timedelta(hours=49))
    url = f"/mentorships/{mentorship.pk}/meetings/{meeting.pk}/edit/"
    data = _meeting(
        version=meeting.version,
        occurred_on=meeting.occurred_on.isoformat(),
        facts="Corrected: he talked about the welding course.",
    )
    response = mentor.post(url, data)
    assert "This field is required" in response.content.decode()
    assert not MeetingRevision.objects.filter(meeting=meeting).exists()
    response = mentor.post(url, {**data, "reason": "I mixed up two visits."})
    assert response.status_code == 302
    revision = MeetingRevision.objects.get(meeting=meeting)
    assert json.loads(revision.earlier)["facts"].startswith("Fiktivt:")
    assert revision.reason == "I mixed up two visits."
    meeting.refresh_from_db()
    assert meeting.facts.startswith("Corrected")
    # A stale form does not overwrite the newer change.
    response = mentor.post(url, {**data, "version": 0, "reason": "again", "facts": "Old."})
    meeting.refresh_from_db()
    assert meeting.facts.startswith("Corrected")


def test_a_stale_edit_shows_the_latest_meeting_and_files_that_read() -> None:
    """Someone else saved meanwhile: the form comes back with the latest notes, and showing
    them is a read of the meeting like opening the form."""
    mentorship = active()
    mentor = signed_in_client(username(mentorship))
    mentor.post(f"/mentorships/{mentorship.pk}/meetings/new/", _meeting())
    meeting = mentorship.meetings.latest("id")
    edit = f"/mentorships/{mentorship.pk}/meetings/{meeting.pk}/edit/"
    assert mentor.post(edit, _meeting(version=meeting.version, facts="Newer.")).status_code == 302
    last = AuditEvent.objects.latest("id").pk
    stale = mentor.post(edit, _meeting(version=meeting.version, facts="Older."))
    assert stale.status_code == 200 and "Newer." in stale.content.decode()
    shown = AuditEvent.objects.filter(pk__gt=last, action=Action.VIEW, object_id=str(meeting.pk))
    assert shown.filter(object_type="mentorships.meeting").exists()


def test_a_change_within_48_hours_needs_no_reason_and_keeps_no_copy() -> None:
    mentorship = active()
    client = signed_in_client(username(mentorship))
    client.post(f"/mentorships/{mentorship.pk}/meetings/new/", _meeting())
    meeting = mentorship.meetings.latest("id")
    response = client.post(
        f"/mentorships/{mentorship.pk}/meetings/{meeting.pk}/edit/",
        _meeting(version=meeting.version, duration_minutes="50"),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.duration_minutes == 50
    assert not meeting.revisions.exists()


def test_only_the_recorder_changes_a_meeting_and_the_coordinator_must_say_why() -> None:
    mentorship = active()
    mentor_client = signed_in_client(username(mentorship))
    mentor_client.post(f"/mentorships/{mentorship.pk}/meetings/new/", _meeting())
    meeting = mentorship.meetings.latest("id")
    edit = f"/mentorships/{mentorship.pk}/meetings/{meeting.pk}/edit/"
    # The next mentor after a reallocation reads the meeting but does not rewrite it.
    sofie = User.objects.get(username="mentor04")
    services.mentorship_reallocate(
        actor=User.objects.get(username="coordinator"),
        mentorship=mentorship,
        version=mentorship.version,
        mentor=Mentor.objects.get(user=sofie),
        reason="other",
        note="",
    )
    next_mentor = signed_in_client("mentor04")
    detail = next_mentor.get(f"/mentorships/{mentorship.pk}/").content.decode()
    assert "Record a meeting" in detail and edit not in detail
    assert next_mentor.get(edit).status_code == 404
    with pytest.raises(services.Refused, match="mentor who recorded it"):
        services.meeting_edit(
            actor=sofie,
            meeting=meeting,
            version=meeting.version,
            data=_data(meeting),
            reason="",
        )
    # The coordinator may, within 48 hours too, but keeps the earlier version and says why.
    coordinator = signed_in_client("coordinator")
    page = coordinator.get(edit).content.decode()
    assert "This meeting was recorded by" in page
    response = coordinator.post(edit, _meeting(version=meeting.version, duration_minutes="50"))
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.duration_minutes == 45
    response = coordinator.post(
        edit, _meeting(version=meeting.version, duration_minutes="50", reason="Wrong length.")
    )
    assert response.status_code == 302
    revision = meeting.revisions.get()
    assert revision.reason == "Wrong length." and json.loads(revision.earlier)["duration_minutes"]


def _data(meeting: Meeting) -> services.MeetingData:
    return services.MeetingData(
        **{f: getattr(meeting, f) for f in services.MeetingData.__dataclass_fields__}
    )


def test_each_person_sees_only_the_mentorships_that_are_theirs() -> None:
    mentorship = active()
    mentor, coach = username(mentorship), username(mentorship, "coach")
    url = f"/mentorships/{mentorship.pk}/"
    for name in PERSONA_NAMES:
        expected = 200 if name in {"coordinator", "coordinator2", mentor, coach} else 404
        assert signed_in_client(name).get(url).status_code == expected, name
    # The coach reads but does not record.
    coach_client = signed_in_client(coach)
    assert coach_client.get(f"/mentorships/{mentorship.pk}/meetings/new/").status_code == 404
    assert "Record a meeting" not in coach_client.get(url).content.decode()
    others = [f"mentor{n:02d}" for n in range(1, 11) if f"mentor{n:02d}" not in {mentor, coach}]
    page = signed_in_client(others[0]).get("/mentorships/").content.decode()
    assert str(mentorship.mentee) not in page


def test_the_phase_starts_from_the_custody_status_and_the_programmes_lead_days() -> None:
    today = date(2026, 6, 1)
    programme = Programme(re_entry_days=90)

    def phase(person: Mentee) -> str:
        return services.phase_for(Mentorship(mentee=person, programme=programme), today=today)

    assert phase(Mentee(custody_status="remand")) == Phase.REMAND
    person = Mentee(custody_status="sentenced", expected_release_date=today + timedelta(days=91))
    assert phase(person) == Phase.SENTENCE
    person.expected_release_date = today + timedelta(days=90)
    assert phase(person) == Phase.RE_ENTRY
    # Another programme begins re-entry later: the same person is still in the sentence.
    programme.re_entry_days = 60
    assert phase(person) == Phase.SENTENCE
    for status in ("on_licence", "released"):
        assert phase(Mentee(custody_status=status)) == Phase.AFTERCARE


def test_the_mentors_home_page_lists_their_mentee_with_the_next_step() -> None:
    mentorship = active()
    page = signed_in_client(username(mentorship)).get("/").content.decode()
    assert str(mentorship.mentee) in page and "Last meeting" in page
    Meeting.objects.filter(mentorship=mentorship).update(
        occurred_on=timezone.localdate() - timedelta(days=30)
    )
    alerts_rederived()
    page = signed_in_client(username(mentorship)).get("/").content.decode()
    assert "No meeting since" in page
    coach_page = signed_in_client(username(mentorship, "coach")).get("/").content.decode()
    assert str(mentorship.mentee) in coach_page


def test_the_mentorship_page_query_count_does_not_grow_with_months_of_meetings() -> None:
    mentorship = active()
    client = signed_in_client("coordinator")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/mentorships/{mentorship.pk}/").status_code == 200
        return len(queries)

    before = count()
    mentor = User.objects.get(username=username(mentorship))
    Meeting.objects.bulk_create(
        Meeting(
            mentorship=mentorship,
            occurred_on=timezone.localdate() - timedelta(days=n),
            kind="phone",
            duration_minutes=20,
            recorded_by=mentor,
            topics=["everyday"],
            participants=["mentee", "mentor"],
        )
        for n in range(40)
    )
    MentorshipChange.objects.bulk_create(
        MentorshipChange(
            mentorship=mentorship, kind="phase", to_value="sentence", occurred_at=timezone.now()
        )
        for _ in range(5)
    )
    assert count() == before


def test_months_of_history_cost_no_more_queries_than_six_weeks() -> None:
    """The demo's six-week-old mentorship and its eleven-month one under the same coach
    cost the same queries on the mentorship page and the timeline, for each person."""
    short = active()
    long = (
        Mentorship.objects.filter(status=MentorshipStatus.ACTIVE, coach=short.coach)
        .annotate(meeting_count=Count("meetings"))
        .order_by("-meeting_count")
        .select_related("mentor__user")
        .first()
    )
    assert long is not None and long.meeting_count >= 4 * short.meetings.count()
    assert long.changes.count() > short.changes.count()
    # Both show every kind of entry (a custody event, a review: one audit record each).
    Review.objects.create(
        mentorship=short,
        instrument=Instrument.objects.get(code="bot-desistance", version=1),
        occasion="intake",
        held_on=timezone.localdate(),
        recorded_by=User.objects.get(username="coordinator"),
    )
    mentees.custody_event_record(
        actor=User.objects.get(username="coordinator"),
        mentee=short.mentee,
        kind="transfer",
        occurred_on=timezone.localdate(),
        institution=None,
        note="",
    )

    def count(who: str, mentorship: Mentorship, page: str) -> int:
        client = signed_in_client(who)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/mentorships/{mentorship.pk}/{page}").status_code == 200
        return len(queries)

    for page in ("", "timeline/"):
        for who in ("coordinator", username(short, "coach")):
            assert count(who, short, page) == count(who, long, page), (who, page)
        assert count(username(short), short, page) == count(username(long), long, page), page


def test_the_mentorship_list_query_count_does_not_grow() -> None:
    client = signed_in_client("coordinator")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/mentorships/").status_code == 200
        return len(queries)

    before = count()
    template = active()
    coordinator = User.objects.get(username="coordinator")
    taken = set(Mentorship.objects.values_list("mentee_id", flat=True))
    programmes = list(Programme.objects.all())
    Mentorship.objects.bulk_create(
        Mentorship(
            # Both programmes full of data: the coordinator sees the two.
            programme=programmes[n % 2],
            mentee=mentee,
            mentor=template.mentor,
            coach=template.coach,
            status=MentorshipStatus.ACTIVE,
            created_by=coordinator,
        )
        for n, mentee in enumerate(Mentee.objects.exclude(pk__in=taken)[:10])
    )
    assert count() == before


def test_a_second_meeting_of_the_same_kind_on_the_same_day_asks_for_confirmation() -> None:
    mentorship = active()
    mentor = signed_in_client(username(mentorship))
    url = f"/mentorships/{mentorship.pk}/meetings/new/"
    assert mentor.post(url, _meeting()).status_code == 302
    before = mentorship.meetings.count()
    page = mentor.get(url).content.decode()
    assert "Yes, record a second meeting" not in page
    # The same again (a second tab, a form sent twice by hand): a warning and a box to tick.
    again = mentor.post(url, _meeting(facts="Second visit: the afternoon one."))
    assert again.status_code == 200
    html = again.content.decode()
    assert "is already recorded for this mentorship" in html
    assert "Prison visit" in html
    assert 'name="second_meeting"' in html and "Yes, record a second meeting" in html
    assert "Second visit: the afternoon one." in html
    assert mentorship.meetings.count() == before
    # Sent again without ticking: still asked.
    unticked = mentor.post(url, _meeting(second_meeting=""))
    assert "Yes, record a second meeting" in unticked.content.decode()
    assert mentorship.meetings.count() == before
    # Ticked: recorded. Another kind on the same day is never asked about.
    assert mentor.post(url, _meeting(second_meeting="on")).status_code == 302
    assert mentor.post(url, _meeting(kind="phone")).status_code == 302
    assert mentorship.meetings.count() == before + 2


def test_a_meeting_changed_onto_another_meetings_day_and_kind_asks_too() -> None:
    mentorship = active()
    mentor = signed_in_client(username(mentorship))
    new = f"/mentorships/{mentorship.pk}/meetings/new/"
    assert mentor.post(new, _meeting()).status_code == 302
    assert mentor.post(new, _meeting(kind="phone", facts="A call.")).status_code == 302
    call = mentorship.meetings.filter(kind="phone").latest("recorded_at", "id")
    edit = f"/mentorships/{mentorship.pk}/meetings/{call.pk}/edit/"
    # The call was a visit after all: that day already has a visit, so the mentor is asked.
    asked = mentor.post(edit, _meeting(version=call.version, facts="A call."))
    assert asked.status_code == 200
    assert "is already recorded for this mentorship" in asked.content.decode()
    call.refresh_from_db()
    assert call.kind == "phone"
    # Other changes that leave the day and kind as they are ask nothing.
    changed = _meeting(kind="phone", version=call.version, facts="A call, about work.")
    assert mentor.post(edit, changed).status_code == 302
    call.refresh_from_db()
    assert call.facts == "A call, about work."
    # Ticked: there really were two visits.
    ticked = _meeting(version=call.version, facts="A call.", second_meeting="on")
    assert mentor.post(edit, ticked).status_code == 302
    call.refresh_from_db()
    assert call.kind == "prison_visit"


def test_a_meeting_too_long_gets_one_clear_message() -> None:
    mentorship = active()
    mentor = signed_in_client(username(mentorship))
    response = mentor.post(
        f"/mentorships/{mentorship.pk}/meetings/new/", _meeting(duration_minutes="6000")
    )
    errors = response.context["form"].errors["duration_minutes"]
    assert errors == [
        "Give the length in minutes, from 5 to 600 (10 hours); for example 90 for an hour "
        "and a half."
    ]
    assert "Say how long the meeting lasted." not in response.content.decode()


def test_the_meeting_form_labels_say_when_a_field_is_required() -> None:
    mentorship = active()
    page = (
        signed_in_client(username(mentorship))
        .get(f"/mentorships/{mentorship.pk}/meetings/new/")
        .content.decode()
    )
    for field, when in [
        ("duration_minutes", "Required when the meeting took place."),
        ("not_held_reason", "Required when the meeting did not take place."),
    ]:
        label = page.split(f'for="id_{field}">')[1].split("</label>")[0]
        assert "optional" not in label, field
        hint = page.split(f'id="id_{field}-hint">')[1].split("</span>")[0]
        assert hint == when, field


def test_the_pause_page_asks_and_says_what_will_happen() -> None:
    mentorship = active()
    page = (
        signed_in_client("coordinator")
        .get(f"/mentorships/{mentorship.pk}/status/paused/")
        .content.decode()
    )
    assert f"<h1>Pause the mentorship with {mentorship.mentee}?</h1>" in page
    assert "no meetings can be recorded" in page
    assert ">Pause the mentorship</button>" in page
