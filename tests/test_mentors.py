"""The mentor corps: profiles, screening checks, status, readiness and who sees what."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.audit.models import Action, AuditEvent
from backontrack.mentors import services
from backontrack.mentors.models import Mentor, MentorStatus, ScreeningCheck
from backontrack.mentors.readiness import Gap, readiness_for

from .conftest import signed_in_client

pytestmark = pytest.mark.django_db


def mentor(username: str) -> Mentor:
    return Mentor.objects.get(user__username=username)


def _profile(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": "Birgit",
        "last_name": "Lauridsen",
        "gender": "female",
        "recruited_from": "external",
        "languages": ["da", "en"],
        "regions": ["hovedstaden"],
        "competences": ["right_wing"],
        "prior_experience": "Probation officer for ten years.",
        "capacity": "2",
        "coach_capacity": "0",
    }
    data.update(overrides)
    return data


def test_the_pilot_mentors_are_at_different_stages() -> None:
    ready = {
        m.user.username: readiness_for(m)  # type: ignore[union-attr]
        for m in Mentor.objects.select_related("user")
    }
    assert len(ready) == 10
    assert ready["mentor01"].ready and ready["mentor01"].coach_ready
    assert ready["mentor03"].ready and not ready["mentor03"].coach_ready
    expired = [gap.text for gap in ready["mentor06"].missing]
    assert len(expired) == 1 and expired[0].startswith("Criminal-record check: expired on")
    assert any("refresher due by" in item for item in ready["mentor07"].expiring)
    assert [gap.text for gap in ready["mentor08"].training_missing] == [
        "Planning a mentorship in custody: not signed off"
    ]
    assert {gap.kind for gap in ready["mentor10"].missing} >= {
        Gap.STATUS,
        Gap.SCREENING,
        Gap.TRAINING,
    }


def test_a_coordinator_registers_a_mentor_as_an_applicant() -> None:
    coordinator = signed_in_client("coordinator")
    response = coordinator.post("/mentors/new/", _profile())
    assert response.status_code == 302
    created = Mentor.objects.get(last_name="Lauridsen")
    assert created.status == MentorStatus.APPLICANT
    assert created.prior_experience == "Probation officer for ten years."
    assert response["Location"] == f"/mentors/{created.pk}/"
    assert AuditEvent.objects.filter(
        action=Action.CREATE, object_type="mentors.mentor", object_id=str(created.pk)
    ).exists()
    page = coordinator.get(response["Location"]).content.decode()
    assert "Not ready to be matched" in page
    assert "Criminal-record check: not done" in page


@pytest.mark.parametrize("capacity", ["0", "-1", "11", ""])
def test_a_capacity_outside_1_to_10_is_refused_and_nothing_is_saved(capacity: str) -> None:
    coordinator = signed_in_client("coordinator")
    before = Mentor.objects.count()
    response = coordinator.post("/mentors/new/", _profile(capacity=capacity))
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert Mentor.objects.count() == before
    with pytest.raises(services.Refused):
        services.mentor_create(
            actor=User.objects.get(username="coordinator"),
            data=services.MentorData(
                first_name="A",
                last_name="B",
                gender="male",
                languages=[],
                regions=[],
                competences=[],
                recruited_from="external",
                prior_experience="",
                capacity=0,
                coach_capacity=0,
                user=None,
            ),
            institutions=[],
        )


def test_a_mentor_cannot_become_active_before_being_screened_and_trained() -> None:
    leyla = mentor("mentor08")
    coordinator = signed_in_client("coordinator")
    response = coordinator.post(
        f"/mentors/{leyla.pk}/status/active/", {"version": leyla.version, "reason": ""}
    )
    assert response.status_code == 200
    assert "Planning a mentorship in custody: not signed off" in response.content.decode()
    leyla.refresh_from_db()
    assert leyla.status == MentorStatus.IN_TRAINING


def test_pausing_needs_a_reason_and_is_kept_in_the_history() -> None:
    sofie = mentor("mentor04")
    coordinator = signed_in_client("coordinator")
    url = f"/mentors/{sofie.pk}/status/paused/"
    # The page asks, and says what will happen, before anything is done.
    page = coordinator.get(url).content.decode()
    assert f"<h1>Pause {sofie}?</h1>" in page
    assert "current mentorships go on" in page and ">Pause the mentor</button>" in page
    assert coordinator.post(url, {"version": sofie.version, "reason": " "}).status_code == 200
    sofie.refresh_from_db()
    assert sofie.status == MentorStatus.ACTIVE
    response = coordinator.post(url, {"version": sofie.version, "reason": "Parental leave."})
    assert response.status_code == 302
    sofie.refresh_from_db()
    assert sofie.status == MentorStatus.PAUSED
    assert sofie.status_changes.last().reason == "Parental leave."  # type: ignore[union-attr]
    assert not readiness_for(sofie).ready
    # A stale form does not overwrite the newer status.
    response = coordinator.post(
        f"/mentors/{sofie.pk}/status/active/", {"version": sofie.version - 1, "reason": ""}
    )
    sofie.refresh_from_db()
    assert sofie.status == MentorStatus.PAUSED


def test_a_mentor_updates_their_own_profile_but_not_their_status_or_name() -> None:
    omar = mentor("mentor05")
    client = signed_in_client("mentor05")
    page = client.get(f"/mentors/{omar.pk}/edit/").content.decode()
    assert 'name="first_name"' not in page and 'name="coach_capacity"' not in page
    response = client.post(
        f"/mentors/{omar.pk}/edit/",
        {
            "version": omar.version,
            "languages": ["da", "ar"],
            "regions": ["hovedstaden"],
            "competences": ["religious"],
            "prior_experience": "Imam.",
            "capacity": "1",
            "first_name": "Changed",
            "coach_capacity": "9",
        },
    )
    assert response.status_code == 302
    omar.refresh_from_db()
    assert omar.languages == ["ar", "da"] and omar.capacity == 1
    assert omar.first_name == "Omar" and omar.coach_capacity == 0


def test_a_mentor_sees_their_own_screening_but_never_another_mentors() -> None:
    own, other = mentor("mentor05"), mentor("mentor06")
    client = signed_in_client("mentor05")
    page = client.get(f"/mentors/{own.pk}/").content.decode()
    assert "Screening checks" in page and "Criminal-record check" in page
    assert client.get(f"/mentors/{other.pk}/").status_code == 404
    assert client.get(f"/mentors/{other.pk}/edit/").status_code == 404
    assert client.get("/mentors/").status_code == 404


def test_the_trainer_sees_training_but_not_screening_results_or_conflicts() -> None:
    mette = mentor("mentor06")
    page = signed_in_client("trainer").get(f"/mentors/{mette.pk}/").content.decode()
    assert "Training" in page
    assert "Criminal-record check" not in page
    assert "Screening is not complete" in page
    assert "Conflicts of interest" not in page
    omar = mentor("mentor05")
    page = signed_in_client("trainer").get(f"/mentors/{omar.pk}/").content.decode()
    assert "neighbour" not in page


def test_the_trainer_does_not_learn_when_a_screening_check_runs_out() -> None:
    sofie = mentor("mentor04")
    services.check_record(
        actor=User.objects.get(username="coordinator"),
        mentor=sofie,
        kind="security_vetting",
        result="passed",
        checked_on=timezone.localdate(),
        expires_on=timezone.localdate() + timedelta(days=20),
        note="",
    )
    for url in (f"/mentors/{sofie.pk}/", "/mentors/"):
        assert "Security vetting" not in signed_in_client("trainer").get(url).content.decode()
        assert (
            "Security vetting runs out" in signed_in_client("coordinator").get(url).content.decode()
        )
    ida = mentor("mentor10")
    page = signed_in_client("trainer").get("/mentors/?status=applicant").content.decode()
    assert "things missing" not in page and "Not ready" in page
    page = signed_in_client("trainer").get(f"/mentors/{ida.pk}/").content.decode()
    assert "Interview" not in page and "Screening is not complete" in page


def test_viewing_conflicts_is_recorded_against_the_people_named() -> None:
    from backontrack.audit.models import AuditEventSubject

    omar = mentor("mentor05")
    conflict = omar.conflicts.get()
    signed_in_client("coordinator").get(f"/mentors/{omar.pk}/")
    event = AuditEvent.objects.filter(object_type="mentees.mentee").latest("id")
    assert event.object_ids == [str(conflict.mentee_id)]
    subjects = set(
        AuditEventSubject.objects.filter(event=event).values_list("object_type", "object_id")
    )
    assert subjects == {("mentees.mentee", str(conflict.mentee_id))}


def test_a_criminal_record_check_that_passed_needs_its_expiry() -> None:
    with pytest.raises(services.Refused, match="until when"):
        services.check_record(
            actor=User.objects.get(username="coordinator"),
            mentor=mentor("mentor10"),
            kind="criminal_record",
            result="passed",
            checked_on=timezone.localdate(),
            expires_on=None,
            note="",
        )


def test_only_a_mentor_account_without_a_profile_can_be_linked() -> None:
    coordinator = User.objects.get(username="coordinator")
    for username, problem in (("referrer", "mentor or coach role"), ("mentor03", "another")):
        with pytest.raises(services.Refused, match=problem):
            services.mentor_create(
                actor=coordinator,
                data=services.MentorData(
                    first_name="A",
                    last_name="B",
                    gender="male",
                    languages=[],
                    regions=[],
                    competences=[],
                    recruited_from="external",
                    prior_experience="",
                    capacity=1,
                    coach_capacity=0,
                    user=User.objects.get(username=username),
                ),
                institutions=[],
            )


def test_an_account_that_lost_the_mentor_role_no_longer_sees_its_profile() -> None:
    from backontrack.accounts.models import RoleGrant

    omar = mentor("mentor05")
    RoleGrant.objects.filter(user=omar.user).delete()
    client = signed_in_client("mentor05")
    assert client.get(f"/mentors/{omar.pk}/").status_code == 404
    assert client.get("/mentors/me/").status_code == 404


def test_a_screening_check_is_recorded_and_bad_dates_are_refused() -> None:
    mette = mentor("mentor06")
    coordinator = signed_in_client("coordinator")
    url = f"/mentors/{mette.pk}/checks/new/"
    before = ScreeningCheck.objects.count()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = coordinator.post(
        url, {"kind": "criminal_record", "result": "passed", "checked_on": tomorrow}
    )
    assert "cannot be in the future" in response.content.decode()
    response = coordinator.post(
        url,
        {
            "kind": "criminal_record",
            "result": "passed",
            "checked_on": timezone.localdate().isoformat(),
            "expires_on": timezone.localdate().isoformat(),
        },
    )
    assert "valid until a date after" in response.content.decode()
    assert ScreeningCheck.objects.count() == before
    response = coordinator.post(
        url,
        {
            "kind": "criminal_record",
            "result": "passed",
            "checked_on": timezone.localdate().isoformat(),
            "expires_on": (timezone.localdate() + timedelta(days=365)).isoformat(),
            "note": "Clean record.",
        },
    )
    assert response.status_code == 302
    assert readiness_for(mette).ready
    event = AuditEvent.objects.filter(object_type="mentors.screeningcheck").latest("id")
    assert "note" in event.fields and "Clean record" not in event.detail


def test_a_conflict_of_interest_is_recorded_by_personal_id() -> None:
    from backontrack.mentees.models import Mentee

    jonas = mentor("mentor03")
    person = Mentee.objects.order_by("-id").first()
    assert person is not None
    coordinator = signed_in_client("coordinator")
    url = f"/mentors/{jonas.pk}/conflicts/new/"
    response = coordinator.post(
        url, {"personal_id": "010101-0000", "side": "mentee", "description": "Threats."}
    )
    assert "Nobody in the register has this number" in response.content.decode()
    response = coordinator.post(
        url, {"personal_id": person.personal_id, "side": "mentee", "description": "Threats."}
    )
    assert response.status_code == 302
    assert jonas.conflicts.get().mentee == person


def test_the_mentor_list_query_count_does_not_grow_with_the_corps() -> None:
    coordinator = signed_in_client("coordinator")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert coordinator.get("/mentors/").status_code == 200
        return len(queries)

    before = count()
    actor = User.objects.get(username="coordinator")
    for n in range(15):
        services.mentor_create(
            actor=actor,
            data=services.MentorData(
                first_name=f"Extra{n}",
                last_name="Mentor",
                gender="male",
                languages=["da"],
                regions=[],
                competences=[],
                recruited_from="corps",
                prior_experience="",
                capacity=2,
                coach_capacity=0,
                user=None,
            ),
            institutions=[],
        )
    assert count() == before


def test_the_mentor_detail_query_count_does_not_grow_with_the_history() -> None:
    henrik = mentor("mentor01")
    coordinator = signed_in_client("coordinator")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert coordinator.get(f"/mentors/{henrik.pk}/").status_code == 200
        return len(queries)

    before = count()
    actor = User.objects.get(username="coordinator")
    for n in range(5):
        services.check_record(
            actor=actor,
            mentor=henrik,
            kind="references",
            result="passed",
            checked_on=timezone.localdate() - timedelta(days=n),
            expires_on=None,
            note="",
        )
    assert count() == before


def test_leaving_lists_the_open_mentorships_with_the_pages_that_hand_them_over() -> None:
    from backontrack.mentorships.models import OPEN_MENTORSHIP_STATUSES, Mentorship

    open_ones = Mentorship.objects.filter(status__in=OPEN_MENTORSHIP_STATUSES)
    leaver = open_ones.first().mentor  # type: ignore[union-attr]
    coordinator = signed_in_client("coordinator")
    response = coordinator.get(f"/mentors/{leaver.pk}/status/left/")
    content = response.content.decode()
    assert "Hand over their open mentorships first" in content
    for m in open_ones.filter(mentor=leaver):
        assert str(m.mentee) in content
        assert f"/mentorships/{m.pk}/reallocate/" in content
    for m in open_ones.filter(coach=leaver):
        assert f"/mentorships/{m.pk}/coach/" in content
    assert "Record that they left</button>" not in content
    assert AuditEvent.objects.filter(
        actor=User.objects.get(username="coordinator"),
        action=Action.LIST,
        object_type="mentorships.mentorship",
    ).exists()


def test_a_coach_who_leaves_is_shown_their_supervisions() -> None:
    from backontrack.mentorships.models import OPEN_MENTORSHIP_STATUSES, Mentorship

    supervised = Mentorship.objects.filter(status__in=OPEN_MENTORSHIP_STATUSES).first()
    coach = supervised.coach  # type: ignore[union-attr]
    response = signed_in_client("coordinator").get(f"/mentors/{coach.pk}/status/left/")
    assert f"/mentorships/{supervised.pk}/coach/" in response.content.decode()  # type: ignore[union-attr]


def test_a_mentor_without_open_mentorships_can_leave_without_a_warning() -> None:
    from backontrack.mentorships.models import Mentorship

    free = (
        Mentor.objects.exclude(status=MentorStatus.LEFT)
        .exclude(pk__in=Mentorship.objects.values("mentor"))
        .exclude(pk__in=Mentorship.objects.values("coach"))
        .first()
    )
    assert free is not None
    content = signed_in_client("coordinator").get(f"/mentors/{free.pk}/status/left/")
    assert "Hand over their open mentorships first" not in content.content.decode()
    assert "Record that they left</button>" in content.content.decode()
