"""Programme pages: the administrator creates programmes and says who takes part; a
programme's coordinators change its settings and invite mentors of the corps."""

import pytest
from django.test import Client

from backontrack.accounts.models import Role, RoleGrant, User
from backontrack.core.errors import Refused
from backontrack.mentors import services as mentor_services
from backontrack.mentors.models import Mentor, MentorStatus
from backontrack.programmes.models import Programme, ProgrammeChange, ProgrammeMembership

from .conftest import demo_mentorship, signed_in_client

pytestmark = pytest.mark.django_db


def _default() -> Programme:
    return Programme.objects.default()


def _special() -> Programme:
    return Programme.objects.get(name="Special mentoring scheme")


def _settings(programme: Programme, **changes: int) -> dict[str, object]:
    from backontrack.programmes.models import SETTINGS

    values: dict[str, object] = {name: getattr(programme, name) for name in SETTINGS}
    values.update(changes)
    values["version"] = programme.version
    return values


def test_it_lists_every_programme_for_the_admin_and_their_own_for_a_coordinator() -> None:
    admin = signed_in_client("admin").get("/programmes/").content.decode()
    assert "Back on Track" in admin and "Special mentoring scheme" in admin
    assert 'href="/programmes/new/"' in admin
    special = signed_in_client("coordinator-special").get("/programmes/").content.decode()
    assert f'href="/programmes/{_special().pk}/"' in special
    assert f'href="/programmes/{_default().pk}/"' not in special
    assert 'href="/programmes/new/"' not in special
    assert signed_in_client("mentor01").get("/programmes/").status_code == 404


def test_the_list_takes_the_same_number_of_queries_with_more_programmes(
    django_assert_max_num_queries: object,
) -> None:
    client = signed_in_client("admin")
    client.get("/programmes/")
    for number in range(5):
        Programme.objects.create(name=f"Extra {number}")
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get("/programmes/").status_code == 200


def test_the_detail_shows_settings_members_and_actions_by_role(
    django_assert_max_num_queries: object,
) -> None:
    programme = _default()
    coordinator = signed_in_client("coordinator")
    with django_assert_max_num_queries(30):  # type: ignore[operator]
        page = coordinator.get(f"/programmes/{programme.pk}/").content.decode()
    assert "Days without a meeting before an alert (in custody)" in page
    assert "A mentorship in custody with no meeting held" in page
    assert f'href="/programmes/{programme.pk}/settings/"' in page
    assert f'href="/programmes/{programme.pk}/invite/"' in page
    assert "/remove/" not in page
    admin = signed_in_client("admin").get(f"/programmes/{programme.pk}/").content.decode()
    assert "/remove/" in admin and f'href="/programmes/{programme.pk}/settings/"' not in admin
    assert (
        signed_in_client("coordinator-special").get(f"/programmes/{programme.pk}/").status_code
        == 404
    )


def test_the_admin_creates_and_edits_a_programme_and_its_history_says_so() -> None:
    admin = signed_in_client("admin")
    response = admin.post(
        "/programmes/new/", {"name": "Aftercare pilot", "description": "", "status": "planned"}
    )
    programme = Programme.objects.get(name="Aftercare pilot")
    assert response["Location"] == f"/programmes/{programme.pk}/"
    assert programme.no_meeting_days == _default()._meta.get_field("no_meeting_days").get_default()
    duplicate = admin.post(
        "/programmes/new/", {"name": "aftercare pilot", "description": "", "status": "planned"}
    )
    assert b"There is already a programme with this name." in duplicate.content
    admin.post(
        f"/programmes/{programme.pk}/edit/",
        {"name": "Aftercare pilot", "description": "x", "status": "active", "version": 0},
    )
    programme.refresh_from_db()
    assert programme.status == "active"
    page = admin.get(f"/programmes/{programme.pk}/").content.decode()
    assert "The programme was created." in page
    assert "“status” changed from Planned to Active." in page
    assert "The description was changed." in page


def test_a_coordinator_changes_a_setting_and_the_history_words_it_in_danish() -> None:
    programme = _default()
    client = signed_in_client("coordinator")
    response = client.post(
        f"/programmes/{programme.pk}/settings/", _settings(programme, no_meeting_days=9)
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.no_meeting_days == 9
    change = ProgrammeChange.objects.get(programme=programme, kind="setting")
    assert (change.field, change.new_value) == ("no_meeting_days", "9")
    client.cookies["django_language"] = "da"
    page = client.get(f"/programmes/{programme.pk}/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert (
        "Indstillingen »dage uden møde før en advarsel (under frihedsberøvelse)« blev ændret fra"
        in page
    )
    assert "til 9." in page


def test_a_setting_out_of_range_is_refused_with_a_message_and_nothing_changes() -> None:
    programme = _default()
    response = signed_in_client("coordinator").post(
        f"/programmes/{programme.pk}/settings/", _settings(programme, review_months=30)
    )
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 24." in response.content.decode()
    programme.refresh_from_db()
    assert programme.review_months != 30


def test_a_stale_settings_form_shows_the_latest_values_and_says_someone_else_changed_them() -> None:
    programme = _default()
    client = signed_in_client("coordinator")
    client.post(f"/programmes/{programme.pk}/settings/", _settings(programme, no_meeting_days=11))
    stale = client.post(
        f"/programmes/{programme.pk}/settings/", _settings(programme, no_meeting_days=12)
    )
    page = stale.content.decode()
    assert "Someone else changed these settings while you were editing them." in page
    assert 'name="no_meeting_days" value="11"' in page
    programme.refresh_from_db()
    assert programme.no_meeting_days == 11


def test_the_special_coordinator_cannot_change_back_on_track_settings() -> None:
    programme = _default()
    response = signed_in_client("coordinator-special").post(
        f"/programmes/{programme.pk}/settings/", _settings(programme, no_meeting_days=3)
    )
    assert response.status_code == 404


def _add(client: Client, programme: Programme, user: User, role: str) -> str:
    return client.post(
        f"/programmes/{programme.pk}/members/new/", {"user": user.pk, "role": role}
    ).content.decode()


def test_the_admin_adds_a_member_and_the_refusals_say_why() -> None:
    admin = signed_in_client("admin")
    programme = _special()
    mentor05 = User.objects.get(username="mentor05")
    response = admin.post(
        f"/programmes/{programme.pk}/members/new/", {"user": mentor05.pk, "role": "mentor"}
    )
    assert response.status_code == 302
    assert ProgrammeMembership.objects.filter(programme=programme, user=mentor05).exists()
    assert "already takes part in this programme as Mentor" in _add(
        admin, programme, mentor05, "mentor"
    )
    assert "does not hold the role Trainer" in _add(admin, programme, mentor05, "trainer")
    mentor06 = User.objects.get(username="mentor06")
    mentor06.is_active = False
    mentor06.save()
    assert "Select a valid choice" in _add(admin, programme, mentor06, "mentor")


def test_nobody_grants_themselves_a_case_role() -> None:
    admin_user = User.objects.get(username="admin")
    RoleGrant.objects.create(user=admin_user, role=Role.COORDINATOR)
    page = _add(signed_in_client("admin"), _special(), admin_user, "coordinator")
    assert "You cannot add yourself" in page
    assert not ProgrammeMembership.objects.filter(user=admin_user).exists()


def test_removing_a_mentor_with_open_mentorships_is_refused_with_how_many() -> None:
    mentorship = demo_mentorship("active")
    membership = ProgrammeMembership.objects.get(
        programme=mentorship.programme, user=mentorship.mentor.user, role="mentor"
    )
    path = f"/programmes/{mentorship.programme_id}/members/{membership.pk}/remove/"
    admin = signed_in_client("admin")
    assert "no longer reach the programme" in admin.get(path).content.decode()
    page = admin.post(path, {}).content.decode()
    assert "open mentorship" in page and "reallocate" in page
    assert ProgrammeMembership.objects.filter(pk=membership.pk).exists()


def test_removing_the_last_coordinator_of_an_active_programme_is_refused() -> None:
    programme = _default()
    # Back on Track's second coordinator leaves first.
    ProgrammeMembership.objects.filter(
        programme=programme, user__username="coordinator2", role="coordinator"
    ).delete()
    membership = ProgrammeMembership.objects.get(
        programme=programme, user__username="coordinator", role="coordinator"
    )
    page = (
        signed_in_client("admin")
        .post(f"/programmes/{programme.pk}/members/{membership.pk}/remove/", {})
        .content.decode()
    )
    assert "the last coordinator of this active programme" in page
    assert ProgrammeMembership.objects.filter(pk=membership.pk).exists()


def test_removing_a_member_without_cases_removes_them_and_keeps_it_in_the_history() -> None:
    programme = _special()
    membership = ProgrammeMembership.objects.filter(programme=programme, role="trainer").first()
    assert membership is not None
    response = signed_in_client("admin").post(
        f"/programmes/{programme.pk}/members/{membership.pk}/remove/", {}
    )
    assert response.status_code == 302
    assert not ProgrammeMembership.objects.filter(pk=membership.pk).exists()
    assert ProgrammeChange.objects.filter(
        programme=programme, kind="member_removed", member=membership.user
    ).exists()


def test_a_coordinator_invites_a_mentor_of_the_corps_as_mentor_and_coach() -> None:
    programme = _special()
    coach = Mentor.objects.select_related("user").get(user__username="mentor02")
    assert coach.user is not None and coach.user.has_role(Role.COACH)
    ProgrammeMembership.objects.filter(programme=programme, user=coach.user).delete()
    client = signed_in_client("coordinator")
    assert str(coach) in client.get(f"/programmes/{programme.pk}/invite/").content.decode()
    response = client.post(f"/programmes/{programme.pk}/invite/", {"mentor": coach.pk})
    assert response.status_code == 302
    roles = set(
        ProgrammeMembership.objects.filter(programme=programme, user=coach.user).values_list(
            "role", flat=True
        )
    )
    assert roles == {"mentor", "coach"}


def test_an_invitation_refuses_a_mentor_who_left_or_has_no_account() -> None:
    coordinator = User.objects.get(username="coordinator")
    mentor = Mentor.objects.exclude(user__programme_memberships__programme=_special()).first()
    assert mentor is not None
    Mentor.objects.filter(pk=mentor.pk).update(status=MentorStatus.LEFT)
    mentor.refresh_from_db()
    with pytest.raises(Refused, match="has left the corps"):
        mentor_services.mentor_invite(actor=coordinator, programme=_special(), mentor=mentor)
    Mentor.objects.filter(pk=mentor.pk).update(status=MentorStatus.ACTIVE, user=None)
    mentor.refresh_from_db()
    with pytest.raises(Refused, match="has no account"):
        mentor_services.mentor_invite(actor=coordinator, programme=_special(), mentor=mentor)
    page = signed_in_client("coordinator").get(f"/programmes/{_special().pk}/invite/")
    assert str(mentor) not in page.content.decode()
