import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from backontrack.accounts import services
from backontrack.accounts.models import Institution, Organisation, Role, RoleGrant, User
from backontrack.accounts.services import RoleRuleError

from .conftest import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Client:
    return signed_in_client("admin")


def _organisation() -> Organisation:
    return Organisation.objects.get(name="Kriminalforsorgen")


def test_a_bad_account_form_keeps_what_was_typed_and_says_what_to_fix(admin: Client) -> None:
    response = admin.post(
        "/admin/users/new/",
        {"username": "Mentor 11!", "first_name": "Yasmin", "last_name": "", "roles": []},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Please correct the following" in content
    assert "Use only lower-case letters" in content
    assert 'value="Yasmin"' in content
    assert 'aria-invalid="true"' in content
    assert not User.objects.filter(first_name="Yasmin").exists()


def test_a_taken_user_name_is_refused(admin: Client) -> None:
    response = admin.post(
        "/admin/users/new/",
        {
            "username": "mentor05",
            "first_name": "A",
            "last_name": "B",
            "organisation": _organisation().pk,
            "roles": [Role.MENTOR],
        },
    )
    assert b"This user name is taken" in response.content


def test_an_admin_adds_roles_for_approval_and_removes_them_at_once(admin: Client) -> None:
    mentor = User.objects.get(username="mentor04")
    response = admin.post(
        f"/admin/users/{mentor.pk}/edit/",
        {
            "first_name": mentor.first_name,
            "last_name": mentor.last_name,
            "email": mentor.email,
            "organisation": mentor.organisation_id,
            "roles": [Role.MENTOR, Role.COACH],
            "version": mentor.version,
        },
    )
    assert response.status_code == 302
    assert set(RoleGrant.objects.filter(user=mentor).values_list("role", flat=True)) == {"mentor"}
    assert services.pending_roles(mentor) == {"coach"}
    # Taking access away needs nobody's approval; unticking a waiting role withdraws it.
    mentor.refresh_from_db()
    admin.post(
        f"/admin/users/{mentor.pk}/edit/",
        {
            "first_name": mentor.first_name,
            "last_name": mentor.last_name,
            "email": mentor.email,
            "organisation": mentor.organisation_id,
            "roles": [Role.TRAINER],
            "version": mentor.version,
        },
    )
    assert set(RoleGrant.objects.filter(user=mentor).values_list("role", flat=True)) == {"trainer"}
    assert services.pending_roles(mentor) == set()


def test_a_stale_edit_is_refused_instead_of_overwriting(admin: Client) -> None:
    mentor = User.objects.get(username="mentor06")
    form = {
        "first_name": "First",
        "last_name": mentor.last_name,
        "email": mentor.email,
        "organisation": mentor.organisation_id,
        "roles": [Role.MENTOR],
        "version": mentor.version,
    }
    assert admin.post(f"/admin/users/{mentor.pk}/edit/", form).status_code == 302
    second = admin.post(f"/admin/users/{mentor.pk}/edit/", {**form, "first_name": "Second"})
    assert second.status_code == 200
    assert b"Someone else saved a change" in second.content
    mentor.refresh_from_db()
    assert mentor.first_name == "First"


def test_an_administrator_account_holds_no_other_role(admin: Client) -> None:
    response = admin.post(
        "/admin/users/new/",
        {
            "username": "helpdesk",
            "first_name": "Help",
            "last_name": "Desk",
            "organisation": _organisation().pk,
            "roles": [Role.ADMIN, Role.COORDINATOR],
        },
    )
    assert b"An administrator account holds no other role" in response.content
    assert not User.objects.filter(username="helpdesk").exists()


def test_an_admin_cannot_change_their_own_roles(admin: Client) -> None:
    me = User.objects.get(username="admin")
    form = admin.get(f"/admin/users/{me.pk}/edit/")
    assert b"Nobody can change their own roles" in form.content
    admin.post(
        f"/admin/users/{me.pk}/edit/",
        {
            "first_name": me.first_name,
            "last_name": me.last_name,
            "email": me.email,
            "organisation": me.organisation_id,
            "roles": [Role.COORDINATOR],
            "version": me.version,
        },
    )
    assert User.objects.get(username="admin").roles == ["admin"]
    with pytest.raises(RoleRuleError):
        services.user_update(
            actor=me,
            user=me,
            version=me.version,
            first_name=me.first_name,
            last_name=me.last_name,
            email=me.email,
            organisation=me.organisation,  # type: ignore[arg-type]
            roles=[Role.COORDINATOR],
        )


def test_an_admin_deactivates_a_leaver_but_not_themself(admin: Client) -> None:
    leaver = User.objects.get(username="mentor10")
    admin.post(f"/admin/users/{leaver.pk}/deactivate/")
    leaver.refresh_from_db()
    assert not leaver.is_active
    me = User.objects.get(username="admin")
    response = admin.post(f"/admin/users/{me.pk}/deactivate/", follow=True)
    assert b"You cannot deactivate your own account" in response.content
    me.refresh_from_db()
    assert me.is_active
    admin.post(f"/admin/users/{leaver.pk}/reactivate/")
    leaver.refresh_from_db()
    assert leaver.is_active


def test_an_unknown_action_is_not_found(admin: Client) -> None:
    mentor = User.objects.get(username="mentor05")
    assert admin.get(f"/admin/users/{mentor.pk}/delete-everything/").status_code == 404


def test_the_user_list_searches_and_filters(admin: Client) -> None:
    content = admin.get("/admin/users/?q=karimi").content.decode()
    assert "mentor02" in content
    assert "mentor05" not in content
    coaches = admin.get("/admin/users/?role=coach").content.decode()
    assert "mentor01" in coaches
    assert "mentor03" not in coaches


def test_the_user_list_query_count_does_not_grow_with_the_data(admin: Client) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin.get("/admin/users/").status_code == 200
        return len(queries)

    before = count()
    organisation = _organisation()
    for number in range(30):
        user = User.objects.create(username=f"extra{number:02d}", organisation=organisation)
        RoleGrant.objects.create(user=user, role=Role.MENTOR)
    assert count() == before


def test_an_admin_adds_and_edits_an_organisation_and_an_institution(admin: Client) -> None:
    response = admin.post(
        "/admin/organisations/new/",
        {"name": "Odense Municipality", "kind": "municipality", "is_active": "on"},
    )
    assert response["Location"] == "/admin/organisations/"
    organisation = Organisation.objects.get(name="Odense Municipality")
    duplicate = admin.post(
        "/admin/organisations/new/", {"name": "odense municipality", "kind": "municipality"}
    )
    assert b"exists already" in duplicate.content

    admin.post(
        "/admin/institutions/new/",
        {
            "name": "Renbæk Prison",
            "kind": "open_prison",
            "region": "syddanmark",
            "organisation": organisation.pk,
            "is_active": "on",
        },
    )
    institution = Institution.objects.get(name="Renbæk Prison")
    stale = {
        "name": "Renbæk Prison",
        "kind": "closed_prison",
        "region": "syddanmark",
        "organisation": organisation.pk,
        "is_active": "on",
        "version": institution.version,
    }
    assert admin.post(f"/admin/institutions/{institution.pk}/edit/", stale).status_code == 302
    again = admin.post(f"/admin/institutions/{institution.pk}/edit/", stale)
    assert b"Someone else saved a change" in again.content
    institution.refresh_from_db()
    assert institution.kind == "closed_prison"


def test_admins_see_their_figures_on_the_home_page(admin: Client) -> None:
    content = admin.get("/").content.decode()
    assert "active accounts" in content
    assert "Case files are never shown to administrators" in content


def test_deactivating_a_mentor_gives_counts_only_and_the_coordinator_is_told(
    admin: Client,
) -> None:
    from backontrack.mentorships.models import OPEN_MENTORSHIP_STATUSES, Mentorship

    open_ones = Mentorship.objects.filter(status__in=OPEN_MENTORSHIP_STATUSES)
    mentorship = open_ones.first()
    assert mentorship is not None
    leaver = mentorship.mentor.user
    assert leaver is not None
    count = open_ones.filter(mentor__user=leaver).count()
    content = admin.get(f"/admin/users/{leaver.pk}/deactivate/").content.decode()
    assert "This person still has open mentorships" in content
    assert f"{count} open mentorship" in content
    assert "the coordinator must reallocate them" in content
    assert "/mentorships/" not in content
    for m in open_ones.filter(mentor__user=leaver):
        assert str(m.mentee) not in content
    admin.post(f"/admin/users/{leaver.pk}/deactivate/")
    home = signed_in_client("coordinator").get("/").content.decode()
    assert "Needs a new mentor" in home
    assert "is deactivated: choose a new mentor" in home


def test_deactivating_an_account_without_mentorships_gives_no_warning(admin: Client) -> None:
    content = admin.get(
        f"/admin/users/{User.objects.get(username='referrer').pk}/deactivate/"
    ).content.decode()
    assert "This person still has open mentorships" not in content
