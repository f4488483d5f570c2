"""The working group: coordinators plan meetings whose agenda holds the concerns escalated to
the group, write the minutes and agree actions; a second pair of eyes approves the minutes (the
chair those someone else wrote, otherwise another coordinator who attended), which are
read-only from then on. Liaisons see their groups' meetings, a case only through a disclosure
to their agency and under its reference, and their actions on their home page."""

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from backontrack.accounts.models import Organisation, User
from backontrack.audit.models import Action, AuditEvent
from backontrack.concerns import services as concerns
from backontrack.concerns.services import Observation
from backontrack.core import access
from backontrack.core.errors import Refused
from backontrack.disclosures.models import Disclosure
from backontrack.disclosures.snapshot import names_in
from backontrack.mentorships.models import MentorshipStatus
from backontrack.workinggroup import services
from backontrack.workinggroup.alerts import email_action_owners
from backontrack.workinggroup.models import AgendaItem, GroupAction, GroupMeeting, WorkingGroup

from .conftest import demo_mentorship, signed_in_client
from .test_access_matrix import EVERYONE, MATRIX, _allowed, _ids, _mentees_by_name

pytestmark = pytest.mark.django_db


def last_weeks() -> GroupMeeting:
    """The demo's meeting of last week: held, minutes waiting for the chair (coordinator)."""
    return GroupMeeting.objects.get(
        minutes_approved_at__isnull=True, held_on__lt=timezone.localdate()
    )


def approved() -> GroupMeeting:
    return GroupMeeting.objects.get(minutes_approved_at__isnull=False)


def case_item() -> AgendaItem:
    item = AgendaItem.objects.select_related("case", "concern__mentorship__mentee").get(kind="case")
    assert item.concern is not None
    return item


def case_person(item: AgendaItem) -> str:
    assert item.concern is not None
    return str(item.concern.mentorship.mentee)


def test_the_security_liaison_sees_the_case_by_its_reference_and_disclosure() -> None:
    item = case_item()
    page = signed_in_client("liaison-security").get(f"/working-group/meetings/{last_weeks().pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert str(item.case) in text
    assert re.search(r"/disclosures/inbox/\d+/", text)
    assert item.summary.splitlines()[0][:30] in text
    assert case_person(item) not in text
    seen = AuditEvent.objects.filter(
        actor_username="liaison-security", object_type="workinggroup.agendaitem", action=Action.LIST
    ).latest("id")
    assert seen.recipient == "Politiets Efterretningstjeneste"


def test_the_ministry_liaison_sees_the_meeting_but_not_the_case() -> None:
    item = case_item()
    text = (
        signed_in_client("liaison-ministry")
        .get(f"/working-group/meetings/{last_weeks().pk}/")
        .content.decode()
    )
    assert str(item.case) not in text
    assert item.summary.splitlines()[0][:30] not in text
    assert not re.search(r"/disclosures/inbox/\d+/", text)


def test_a_coordinator_sees_whose_case_it_is() -> None:
    item = case_item()
    text = (
        signed_in_client("coordinator")
        .get(f"/working-group/meetings/{last_weeks().pk}/")
        .content.decode()
    )
    assert case_person(item) in text
    assert f"/concerns/{item.concern_id}/" in text


def test_planning_a_meeting_puts_newly_escalated_concerns_and_open_actions_on_the_agenda() -> None:
    group = WorkingGroup.objects.get()
    chair = User.objects.get(username="coordinator")
    response = signed_in_client("coordinator").post(
        f"/working-group/{group.pk}/meetings/new/",
        {"held_on": (timezone.localdate() + timedelta(days=40)).isoformat(), "chair": chair.pk},
    )
    meeting = GroupMeeting.objects.latest("id")
    assert response["Location"] == f"/working-group/meetings/{meeting.pk}/"
    # The escalated case is on last week's agenda already: only the open actions come.
    assert [i.kind for i in meeting.items.all()] == ["actions"]


def test_approved_minutes_are_read_only() -> None:
    meeting = approved()
    item = meeting.items.first()
    assert item is not None
    client = signed_in_client("coordinator")
    assert client.get(f"/working-group/items/{item.pk}/").status_code == 404
    assert client.post(f"/working-group/items/{item.pk}/", {"summary": "x"}).status_code == 404
    with pytest.raises(Refused):
        services.item_minute(
            actor=User.objects.get(username="coordinator"),
            item=item,
            version=item.version,
            summary="Ændret.",
            decisions="",
        )


def test_the_chair_approves_minutes_someone_else_wrote_and_then_they_are_closed() -> None:
    meeting = last_weeks()
    # The demo's second coordinator wrote them: not theirs to approve.
    assert set(meeting.minute_takers.values_list("username", flat=True)) == {"coordinator2"}
    assert (
        signed_in_client("coordinator2")
        .get(f"/working-group/meetings/{meeting.pk}/approve/")
        .status_code
        == 404
    )
    response = signed_in_client("coordinator").post(
        f"/working-group/meetings/{meeting.pk}/approve/", {"version": meeting.version}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes_approved
    assert meeting.minutes_approved_by == User.objects.get(username="coordinator")
    assert (
        signed_in_client("coordinator")
        .get(f"/working-group/meetings/{meeting.pk}/matters/new/")
        .status_code
        == 404
    )


def test_an_action_on_a_case_goes_only_to_an_agency_it_was_disclosed_to() -> None:
    ministry = Organisation.objects.get(kind=Organisation.Kind.MINISTRY)
    with pytest.raises(Refused):
        services.action_agree(
            actor=User.objects.get(username="coordinator"),
            item=case_item(),
            description="Fiktivt.",
            owner_user=None,
            owner_agency=ministry,
            due_on=timezone.localdate(),
        )


def test_a_liaison_updates_their_agencys_action_and_no_other() -> None:
    security = GroupAction.objects.get(owner_agency__kind=Organisation.Kind.SECURITY_SERVICE)
    client = signed_in_client("liaison-ministry")
    assert client.get(f"/working-group/actions/{security.pk}/").status_code == 404
    response = signed_in_client("liaison-security").post(
        f"/working-group/actions/{security.pk}/", {"status": "done", "version": security.version}
    )
    assert response.status_code == 302
    security.refresh_from_db()
    assert security.status == "done"


def test_an_action_on_a_case_is_gone_from_its_liaison_once_the_disclosure_ends() -> None:
    """The security service owns the action on the case: once no readable disclosure about
    the person is left (expired here; revoked alike), its liaison reads neither the action's
    page nor the action on their home page or the agenda."""
    action = GroupAction.objects.get(owner_agency__kind=Organisation.Kind.SECURITY_SERVICE)
    case = action.item.case
    assert action.item.kind == "case" and case is not None
    client = signed_in_client("liaison-security")
    assert client.get(f"/working-group/actions/{action.pk}/").status_code == 200
    Disclosure.objects.filter(mentee_id=case.mentee_id).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    assert client.get(f"/working-group/actions/{action.pk}/").status_code == 404
    assert f"/working-group/actions/{action.pk}/" not in client.get("/").content.decode()
    meeting = client.get(f"/working-group/meetings/{action.item.meeting_id}/").content.decode()
    assert f"/working-group/actions/{action.pk}/" not in meeting


def test_the_liaison_home_shows_the_next_meeting_and_the_agencys_overdue_action() -> None:
    text = signed_in_client("liaison-ministry").get("/").content.decode()
    assert "Evaluering: de første tal" in text
    assert "Liste over kontaktpersoner" in text
    assert "overdue" in text


def test_send_alerts_mails_the_owners_of_overdue_actions_once() -> None:
    today = timezone.localdate()
    assert email_action_owners(today=today) == (1, 1)
    assert mail.outbox[0].to == ["liaison-ministry@example.org"]
    assert "Liste" not in mail.outbox[0].body
    assert email_action_owners(today=today) == (0, 0)


def test_the_meeting_page_costs_the_same_with_more_items(
    django_assert_max_num_queries: object,
) -> None:
    meeting = last_weeks()
    coordinator = User.objects.get(username="coordinator")
    client = signed_in_client("coordinator")
    with django_assert_max_num_queries(60) as few:  # type: ignore[operator]
        client.get(f"/working-group/meetings/{meeting.pk}/")
    for number in range(3):
        item = services.matter_add(actor=coordinator, meeting=meeting, title=f"Punkt {number}")
        services.action_agree(
            actor=coordinator,
            item=item,
            description="Fiktivt.",
            owner_user=coordinator,
            owner_agency=None,
            due_on=timezone.localdate(),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):  # type: ignore[operator]
        client.get(f"/working-group/meetings/{meeting.pk}/")


@pytest.mark.parametrize("username", ["liaison-ministry", "liaison-security"])
def test_a_liaisons_pages_name_only_the_people_disclosed_to_their_agency(username: str) -> None:
    """Every page a liaison reaches (the matrix says which, and that every mentee, referral,
    mentorship, meeting and network page answers 404 to them) names no mentee but one whose
    identity their agency holds in a readable disclosure."""
    liaison = User.objects.get(username=username)
    disclosed = {
        names_in(d.snapshot)
        for d in access.disclosures_received_by(liaison)
        if access.can_read_disclosed_content(liaison, d)
    } - {""}
    pattern, _ids_by_name = _mentees_by_name()
    ids = _ids()
    client = signed_in_client(username)
    reached = 0
    for name, (path, rule) in MATRIX.items():
        allowed = _allowed(rule, path)
        if rule != EVERYONE and (allowed is None or username not in allowed):
            continue
        response = client.get(path.format(**ids))
        assert response.status_code == 200, name
        reached += 1
        shown = {
            html.unescape(n) for n in pattern.findall(response.content.decode(errors="replace"))
        }
        assert shown <= disclosed, f"{name} shows {shown - disclosed}"
    assert reached >= 5


def test_newly_escalated_concerns_are_added_to_an_open_meetings_agenda() -> None:
    upcoming = GroupMeeting.objects.get(held_on__gt=timezone.localdate())
    coordinator = User.objects.get(username="coordinator")
    concern = concerns.concern_raise(
        actor=coordinator,
        mentorship=demo_mentorship(MentorshipStatus.ACTIVE),
        data=Observation(
            category="threat",
            severity="high",
            observed_at=timezone.now() - timedelta(hours=1),
            facts="Fiktivt.",
            assessment="",
        ),
    )
    concern = concerns.concern_triage(
        actor=coordinator,
        concern=concern,
        version=concern.version,
        severity="high",
        assessment="Fiktivt.",
        next_step="Fiktivt.",
    )
    concerns.concern_escalate(
        actor=coordinator,
        concern=concern,
        version=concern.version,
        target="working_group",
        agency_route="",
        passed_on="Fiktivt.",
        passed_on_at=timezone.now(),
    )
    assert (
        signed_in_client("liaison-security")
        .post(f"/working-group/meetings/{upcoming.pk}/agenda/", {})
        .status_code
        == 404
    )
    response = signed_in_client("coordinator").post(
        f"/working-group/meetings/{upcoming.pk}/agenda/", {}
    )
    assert response.status_code == 302
    assert upcoming.items.filter(kind="case", concern=concern).exists()


def _held_yesterday(*attendees: str) -> GroupMeeting:
    """A meeting of the demo's group held yesterday, chaired by coordinator, whose minutes the
    chair wrote alone."""
    chair = User.objects.get(username="coordinator")
    meeting = services.meeting_plan(
        actor=chair,
        group=WorkingGroup.objects.get(),
        held_on=timezone.localdate() - timedelta(days=1),
        chair=chair,
        attendees=list(User.objects.filter(username__in=attendees)),
    )
    item = services.matter_add(actor=chair, meeting=meeting, title="Fiktivt punkt")
    services.item_minute(
        actor=chair, item=item, version=item.version, summary="Fiktivt.", decisions="Fiktivt."
    )
    return meeting


def test_minutes_the_chair_wrote_alone_are_approved_by_another_coordinator_who_attended() -> None:
    meeting = _held_yesterday("coordinator2", "liaison-security")
    path = f"/working-group/meetings/{meeting.pk}/approve/"
    page = signed_in_client("coordinator").get(f"/working-group/meetings/{meeting.pk}/")
    assert "The chair wrote some of the minutes" in page.content.decode()
    assert signed_in_client("coordinator").get(path).status_code == 404
    assert signed_in_client("liaison-security").get(path).status_code == 404
    with pytest.raises(Refused):
        services.minutes_approve(
            actor=User.objects.get(username="coordinator"), meeting=meeting, version=meeting.version
        )
    response = signed_in_client("coordinator2").post(path, {"version": meeting.version})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes_approved_by == User.objects.get(username="coordinator2")
    shown = signed_in_client("coordinator").get(f"/working-group/meetings/{meeting.pk}/")
    assert "by Jakob Mortensen" in shown.content.decode()


def test_a_coordinator_who_did_not_attend_does_not_approve_the_chairs_minutes() -> None:
    meeting = _held_yesterday("liaison-security")
    path = f"/working-group/meetings/{meeting.pk}/approve/"
    assert signed_in_client("coordinator2").get(path).status_code == 404
    meeting.attendees.add(User.objects.get(username="coordinator2"))
    assert signed_in_client("coordinator2").get(path).status_code == 200


def test_another_account_of_a_minute_taker_does_not_approve() -> None:
    meeting = _held_yesterday("coordinator2")
    User.objects.filter(username__in=["coordinator", "coordinator2"]).update(person_key="CH-1")
    path = f"/working-group/meetings/{meeting.pk}/approve/"
    assert signed_in_client("coordinator2").get(path).status_code == 404


def test_the_chair_who_agreed_an_action_no_longer_approves_alone() -> None:
    meeting = last_weeks()
    chair = User.objects.get(username="coordinator")
    item = meeting.items.get(kind="case")
    services.action_agree(
        actor=chair,
        item=item,
        description="Fiktivt.",
        owner_user=chair,
        owner_agency=None,
        due_on=timezone.localdate() + timedelta(days=5),
    )
    # The chair and the second coordinator both wrote: nobody who attended is left, and the
    # meeting's page says so.
    path = f"/working-group/meetings/{meeting.pk}/approve/"
    assert signed_in_client("coordinator").get(path).status_code == 404
    assert signed_in_client("coordinator2").get(path).status_code == 404
    page = signed_in_client("coordinator").get(f"/working-group/meetings/{meeting.pk}/")
    assert "so nobody can approve them" in page.content.decode()
