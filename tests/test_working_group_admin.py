"""Setting up a working group: the programme's coordinators create it with its chair, add and
take off its member agencies and people, change its name and chair. A member who leaves keeps
their past (attendance, what they did) and loses the group from then on; their open actions
pass to the chair. Every change is in the group's history, worded in the reader's language,
and in the audit trail; a form read before someone else's change saves nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backontrack.accounts.models import Organisation, Role, User
from backontrack.audit.models import Action, AuditEvent
from backontrack.core.errors import Refused
from backontrack.programmes.models import Programme
from backontrack.workinggroup import services
from backontrack.workinggroup.models import (
    OPEN_ACTION_STATUSES,
    GroupAction,
    GroupChange,
    GroupMeeting,
    WorkingGroup,
)

from .conftest import signed_in_client

pytestmark = pytest.mark.django_db


def user(username: str) -> User:
    return User.objects.get(username=username)


def agency(kind: str) -> Organisation:
    return Organisation.objects.get(kind=kind)


def demo_group() -> WorkingGroup:
    return WorkingGroup.objects.get()


def special() -> Programme:
    return Programme.objects.exclude(is_default=True).get(name__icontains="special")


def new_group(programme: Programme | None = None) -> WorkingGroup:
    """A group set up through the page by Back on Track's coordinator."""
    programme = programme or Programme.objects.default()
    response = signed_in_client("coordinator").post(
        "/working-group/groups/new/",
        {"programme": programme.pk, "name": "Ny arbejdsgruppe", "chair": user("coordinator").pk},
    )
    group = WorkingGroup.objects.get(name="Ny arbejdsgruppe")
    assert response["Location"] == f"/working-group/groups/{group.pk}/"
    return group


def test_a_coordinator_sets_up_a_group_with_its_chair_and_the_history_says_so() -> None:
    group = new_group()
    assert group.chair == user("coordinator")
    assert group.programme.is_default
    assert list(group.changes.values_list("kind", flat=True)) == [GroupChange.Kind.CREATED]
    page = signed_in_client("coordinator2").get(f"/working-group/groups/{group.pk}/")
    assert (
        "The group “Ny arbejdsgruppe” was set up, chaired by Camilla Holm." in page.content.decode()
    )
    assert AuditEvent.objects.filter(
        action=Action.CREATE, object_type="workinggroup.workinggroup", object_id=str(group.pk)
    ).exists()


def test_the_form_refuses_a_name_the_programme_has_and_a_chair_of_another_programme() -> None:
    client = signed_in_client("coordinator")
    programme = Programme.objects.default()
    taken = client.post(
        "/working-group/groups/new/",
        {"programme": programme.pk, "name": demo_group().name, "chair": user("coordinator").pk},
    )
    assert taken.status_code == 200
    assert "The programme has a working group of this name already." in taken.content.decode()
    # The special scheme's coordinator chairs no group of Back on Track.
    outsider = client.post(
        "/working-group/groups/new/",
        {"programme": programme.pk, "name": "X", "chair": user("coordinator-special").pk},
    )
    assert outsider.status_code == 200
    assert "The chair is a coordinator of the programme." in outsider.content.decode()
    assert WorkingGroup.objects.count() == 1


def test_a_coordinator_cannot_set_up_a_group_of_a_programme_they_do_not_coordinate() -> None:
    response = signed_in_client("coordinator-special").post(
        "/working-group/groups/new/",
        {
            "programme": Programme.objects.default().pk,
            "name": "Fremmed gruppe",
            "chair": user("coordinator-special").pk,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not WorkingGroup.objects.filter(name="Fremmed gruppe").exists()
    with pytest.raises(Refused):
        services.group_create(
            actor=user("coordinator-special"),
            programme=Programme.objects.default(),
            name="Fremmed gruppe",
            chair=user("coordinator"),
        )


@pytest.mark.parametrize("username", ["admin", "mentor03", "liaison-security", "auditor"])
def test_nobody_but_a_coordinator_reaches_the_setting_up(username: str) -> None:
    client = signed_in_client(username)
    group = demo_group()
    assert client.get("/working-group/groups/").status_code == 404
    assert (
        client.post(
            f"/working-group/groups/{group.pk}/members/new/",
            {"person": user(username).pk, "version": group.version},
        ).status_code
        == 404
    )
    assert not group.members.filter(username=username).exclude(username="liaison-security")


def test_an_agency_joins_then_its_liaison_who_then_sees_the_groups_next_meeting() -> None:
    group = new_group()
    client = signed_in_client("coordinator")
    ministry = agency(Organisation.Kind.MINISTRY)
    added = client.post(
        f"/working-group/groups/{group.pk}/agencies/new/",
        {"agency": ministry.pk, "version": group.version},
    )
    assert added.status_code == 302
    group.refresh_from_db()
    liaison = user("liaison-ministry")
    client.post(
        f"/working-group/groups/{group.pk}/members/new/",
        {"person": liaison.pk, "version": group.version},
    )
    assert group.members.filter(pk=liaison.pk).exists()
    meeting = services.meeting_plan(
        actor=user("coordinator"),
        group=group,
        held_on=timezone.localdate() + timedelta(days=3),
        chair=user("coordinator"),
        attendees=[liaison],
    )
    assert (
        signed_in_client("liaison-ministry")
        .get(f"/working-group/meetings/{meeting.pk}/")
        .status_code
        == 200
    )
    home = signed_in_client("liaison-ministry").get("/").content.decode()
    assert f"/working-group/meetings/{meeting.pk}/" in home
    assert [c.kind for c in group.changes.order_by("id")] == [
        GroupChange.Kind.CREATED,
        GroupChange.Kind.AGENCY_ADDED,
        GroupChange.Kind.MEMBER_ADDED,
    ]


def test_a_liaison_of_an_agency_that_is_no_member_cannot_be_added() -> None:
    group = new_group()
    response = signed_in_client("coordinator").post(
        f"/working-group/groups/{group.pk}/members/new/",
        {"person": user("liaison-security").pk, "version": group.version},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(Refused, match="add the agency first"):
        services.member_add(
            actor=user("coordinator"),
            group=group,
            version=group.version,
            person=user("liaison-security"),
        )
    assert not group.members.exists()


@pytest.mark.parametrize("username", ["coordinator-special", "mentor03", "admin", "evaluator"])
def test_nobody_outside_the_agencies_and_the_programmes_coordinators_is_added(
    username: str,
) -> None:
    group = demo_group()
    response = signed_in_client("coordinator").post(
        f"/working-group/groups/{group.pk}/members/new/",
        {"person": user(username).pk, "version": group.version},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not group.members.filter(username=username).exists()


def test_nobody_adds_themself_not_even_from_another_account() -> None:
    group = new_group()
    coordinator = user("coordinator")
    response = signed_in_client("coordinator").post(
        f"/working-group/groups/{group.pk}/members/new/",
        {"person": coordinator.pk, "version": group.version},
    )
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(Refused, match="cannot add yourself"):
        services.member_add(
            actor=coordinator, group=group, version=group.version, person=coordinator
        )
    # coordinator2 as a second account of the same person adds neither account.
    User.objects.filter(username__in=["coordinator", "coordinator2"]).update(person_key="CH-1")
    with pytest.raises(Refused, match="cannot add yourself"):
        services.member_add(
            actor=user("coordinator2"),
            group=group,
            version=group.version,
            person=user("coordinator"),
        )
    assert not group.members.exists()


def test_a_removed_liaison_loses_the_group_and_keeps_their_part_in_past_meetings() -> None:
    group = demo_group()
    liaison = user("liaison-ministry")
    held = GroupMeeting.objects.filter(group=group, held_on__lt=timezone.localdate())
    upcoming = GroupMeeting.objects.get(group=group, held_on__gt=timezone.localdate())
    client = signed_in_client("coordinator")
    page = client.get(f"/working-group/groups/{group.pk}/members/{liaison.pk}/remove/")
    assert "From now on they no longer see the group" in page.content.decode()
    response = client.post(
        f"/working-group/groups/{group.pk}/members/{liaison.pk}/remove/",
        {"version": group.version},
    )
    assert response.status_code == 302
    assert not group.members.filter(pk=liaison.pk).exists()
    ministry = signed_in_client("liaison-ministry")
    assert ministry.get(f"/working-group/meetings/{upcoming.pk}/").status_code == 404
    assert f"/working-group/meetings/{upcoming.pk}/" not in ministry.get("/").content.decode()
    assert all(meeting.attendees.filter(pk=liaison.pk).exists() for meeting in held)
    assert not upcoming.attendees.filter(pk=liaison.pk).exists()
    assert liaison.pk not in {p.pk for p in services.attendee_choices(group)}
    change = group.changes.get(kind=GroupChange.Kind.MEMBER_REMOVED)
    assert change.member == liaison
    assert change.changed_by == user("coordinator")


def test_an_agency_that_leaves_takes_its_people_and_its_open_actions_pass_to_the_chair() -> None:
    group = demo_group()
    ministry = agency(Organisation.Kind.MINISTRY)
    open_ones = set(
        GroupAction.objects.filter(
            owner_agency=ministry, status__in=OPEN_ACTION_STATUSES
        ).values_list("pk", flat=True)
    )
    done = set(
        GroupAction.objects.filter(owner_agency=ministry)
        .exclude(status__in=OPEN_ACTION_STATUSES)
        .values_list("pk", flat=True)
    )
    assert open_ones and done
    client = signed_in_client("coordinator")
    page = client.get(f"/working-group/groups/{group.pk}/agencies/{ministry.pk}/remove/")
    text = page.content.decode()
    assert "Birgitte Vestergaard" in text
    assert "pass to the chair, Camilla Holm" in text or "passes to the chair, Camilla Holm" in text
    response = client.post(
        f"/working-group/groups/{group.pk}/agencies/{ministry.pk}/remove/",
        {"version": group.version},
    )
    assert response.status_code == 302
    assert not group.agencies.filter(pk=ministry.pk).exists()
    assert not group.members.filter(username="liaison-ministry").exists()
    moved = GroupAction.objects.filter(pk__in=open_ones)
    assert {(a.owner_user_id, a.owner_agency_id) for a in moved} == {(group.chair_id, None)}
    # What is done or dropped keeps its owner: the record of who did it.
    assert (
        set(GroupAction.objects.filter(owner_agency=ministry).values_list("pk", flat=True)) == done
    )
    passed = group.changes.get(kind=GroupChange.Kind.ACTIONS_PASSED)
    assert (passed.agency, passed.other, passed.new_value) == (
        ministry,
        group.chair,
        str(len(open_ones)),
    )
    assert signed_in_client("liaison-ministry").get("/working-group/").status_code == 200
    assert (
        not signed_in_client("liaison-ministry").get("/working-group/").context["page"].object_list
    )
    history = client.get(f"/working-group/groups/{group.pk}/").content.decode()
    assert f"{ministry.name} left the group." in history


def test_the_history_is_worded_in_danish() -> None:
    group = demo_group()
    ministry = agency(Organisation.Kind.MINISTRY)
    services.agency_remove(
        actor=user("coordinator"), group=group, version=group.version, agency=ministry
    )
    client = signed_in_client("coordinator2")
    client.cookies["django_language"] = "da"
    page = client.get(f"/working-group/groups/{group.pk}/", HTTP_ACCEPT_LANGUAGE="da")
    text = page.content.decode()
    assert f"{ministry.name} forlod gruppen." in text
    assert "Birgitte Vestergaard forlod gruppen" in text
    assert "overgik til formanden, Camilla Holm" in text
    assert "left the group" not in text


def test_a_new_chair_takes_over_the_meetings_not_yet_held_of_the_former_one() -> None:
    group = demo_group()
    coordinator = user("coordinator")
    later = services.meeting_plan(
        actor=coordinator,
        group=group,
        held_on=timezone.localdate() + timedelta(days=50),
        chair=coordinator,
        attendees=[],
    )
    held = GroupMeeting.objects.filter(group=group, held_on__lt=timezone.localdate())
    before = {m.pk: m.chair_id for m in held}
    response = signed_in_client("coordinator").post(
        f"/working-group/groups/{group.pk}/edit/",
        {"name": "Arbejdsgruppen", "chair": user("coordinator2").pk, "version": group.version},
    )
    assert response.status_code == 302
    later.refresh_from_db()
    assert later.chair == user("coordinator2")
    assert {m.pk: m.chair_id for m in held.all()} == before
    kinds = set(group.changes.values_list("kind", flat=True))
    assert {GroupChange.Kind.RENAMED, GroupChange.Kind.CHAIR} <= kinds


def test_a_form_read_before_someone_elses_change_saves_nothing() -> None:
    group = demo_group()
    stale = group.version
    services.member_remove(
        actor=user("coordinator2"),
        group=group,
        version=group.version,
        person=user("liaison-security"),
    )
    response = signed_in_client("coordinator").post(
        f"/working-group/groups/{group.pk}/members/{user('liaison-ministry').pk}/remove/",
        {"version": stale},
        follow=True,
    )
    assert "Someone else saved a change" in response.content.decode()
    assert group.members.filter(username="liaison-ministry").exists()


def test_other_peoples_ids_are_not_found() -> None:
    group = demo_group()
    client = signed_in_client("coordinator")
    # Not a member, not a member agency, another programme's group: 404, as a missing one.
    outsider = user("coordinator-special")
    assert (
        client.get(f"/working-group/groups/{group.pk}/members/{outsider.pk}/remove/").status_code
        == 404
    )
    municipality = Organisation.objects.create(name="Kommunen", kind=Organisation.Kind.MUNICIPALITY)
    assert (
        client.get(
            f"/working-group/groups/{group.pk}/agencies/{municipality.pk}/remove/"
        ).status_code
        == 404
    )
    theirs = services.group_create(
        actor=user("coordinator-special"),
        programme=special(),
        name="Særordningens gruppe",
        chair=user("coordinator-special"),
    )
    assert (
        signed_in_client("coordinator2").get(f"/working-group/groups/{theirs.pk}/").status_code
        == 404
    )
    assert (
        signed_in_client("coordinator2")
        .post(
            f"/working-group/groups/{theirs.pk}/agencies/new/",
            {"agency": municipality.pk, "version": theirs.version},
        )
        .status_code
        == 404
    )
    assert not theirs.agencies.exists()


def test_the_group_page_and_list_cost_the_same_with_more_members_meetings_and_groups(
    django_assert_max_num_queries: object,
) -> None:
    group = demo_group()
    client = signed_in_client("coordinator")
    with django_assert_max_num_queries(60) as page:  # type: ignore[operator]
        client.get(f"/working-group/groups/{group.pk}/")
    with django_assert_max_num_queries(60) as listed:  # type: ignore[operator]
        client.get("/working-group/groups/")
    coordinator = user("coordinator")
    for number in range(3):
        liaison = User.objects.create_user(
            username=f"liaison-{number}",
            first_name="Ny",
            last_name=f"Kontakt {number}",
            organisation=agency(Organisation.Kind.MINISTRY),
        )
        liaison.role_grants.create(role=Role.LIAISON)
        services.member_add(actor=coordinator, group=group, version=group.version, person=liaison)
        services.meeting_plan(
            actor=coordinator,
            group=group,
            held_on=timezone.localdate() + timedelta(days=30 + number),
            chair=coordinator,
            attendees=[liaison],
        )
        services.group_create(
            actor=coordinator,
            programme=Programme.objects.default(),
            name=f"Gruppe {number}",
            chair=coordinator,
        )
    with django_assert_max_num_queries(len(page.captured_queries)):  # type: ignore[operator]
        client.get(f"/working-group/groups/{group.pk}/")
    with django_assert_max_num_queries(len(listed.captured_queries)):  # type: ignore[operator]
        client.get("/working-group/groups/")
