"""Every write of the working group, each in one transaction with its audit event."""

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.accounts.models import Organisation, Role, User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.concerns.models import Concern, ConcernStatus, EscalationTarget
from backontrack.core import access
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused

from .models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    AgendaItem,
    CaseReference,
    GroupAction,
    GroupMeeting,
    ItemKind,
    WorkingGroup,
)

TEXT_MAX = 4000


def _require_run(actor: User, group: WorkingGroup) -> None:
    if not access.can_run_group(actor, group):
        raise Refused(_("A coordinator of the programme runs its working group."))


def _require_minutes_open(actor: User, meeting: GroupMeeting) -> None:
    if not access.can_edit_minutes(actor, meeting):
        raise Refused(_("The minutes are approved and can no longer be changed."))


def chairs(group: WorkingGroup) -> Any:
    """Who may chair: the programme's coordinators."""
    return User.objects.filter(
        is_active=True,
        role_grants__role=Role.COORDINATOR,
        programme_memberships__programme_id=group.programme_id,
        programme_memberships__role=Role.COORDINATOR,
    ).distinct()


def attendee_choices(group: WorkingGroup) -> Any:
    """Who may attend: the group's members and the programme's coordinators."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            pk__in=[
                *group.members.values_list("pk", flat=True),
                *chairs(group).values_list("pk", flat=True),
            ]
        )
        .order_by("first_name", "last_name")
    )


@transaction.atomic
def meeting_plan(
    *, actor: User, group: WorkingGroup, held_on: date, chair: User, attendees: list[User]
) -> GroupMeeting:
    """A coordinator plans a meeting; its agenda starts from the concerns escalated to the
    working group and the open actions."""
    _require_run(actor, group)
    if not chairs(group).filter(pk=chair.pk).exists():
        raise Refused(_("The chair is a coordinator of the programme."))
    allowed = set(attendee_choices(group).values_list("pk", flat=True))
    if any(person.pk not in allowed for person in attendees):
        raise Refused(_("Choose from the options given."))
    meeting = GroupMeeting.objects.create(
        group=group, held_on=held_on, chair=chair, planned_by=actor
    )
    meeting.attendees.set(attendees)
    record(actor=actor, action=Action.CREATE, obj=meeting, fields=["held_on", "chair", "attendees"])
    agenda_refresh(actor=actor, meeting=meeting)
    return meeting


def _reference(group: WorkingGroup, concern: Concern) -> CaseReference:
    mentee_id = concern.mentorship.mentee_id
    found = CaseReference.objects.filter(group=group, mentee_id=mentee_id).first()
    if found is not None:
        return found
    year = timezone.localdate().year
    last = CaseReference.objects.filter(group=group, year=year).aggregate(n=Max("number"))["n"]
    return CaseReference.objects.create(
        group=group, mentee_id=mentee_id, year=year, number=(last or 0) + 1
    )


def _next_position(meeting: GroupMeeting) -> int:
    last = meeting.items.aggregate(n=Max("position"))["n"]
    return (last or 0) + 1


@transaction.atomic
def agenda_refresh(*, actor: User, meeting: GroupMeeting) -> list[AgendaItem]:
    """Puts on the agenda every concern escalated to the working group that is on none of
    the group's agendas yet, and an item for the open actions if there are any."""
    _require_run(actor, meeting.group)
    _require_minutes_open(actor, meeting)
    GroupMeeting.objects.select_for_update().filter(pk=meeting.pk).first()
    group = meeting.group
    waiting = (
        Concern.objects.filter(
            mentorship__programme_id=group.programme_id,
            status=ConcernStatus.ESCALATED,
            escalation_target=EscalationTarget.WORKING_GROUP,
        )
        .exclude(agenda_items__meeting__group=group)
        .select_related("mentorship")
        .order_by("escalated_at", "id")
    )
    added = [
        AgendaItem.objects.create(
            meeting=meeting,
            position=_next_position(meeting),
            kind=ItemKind.CASE,
            concern=concern,
            case=_reference(group, concern),
        )
        for concern in waiting
    ]
    open_actions = GroupAction.objects.filter(
        item__meeting__group=group, status__in=OPEN_ACTION_STATUSES
    )
    if open_actions.exists() and not meeting.items.filter(kind=ItemKind.ACTIONS).exists():
        added.append(
            AgendaItem.objects.create(
                meeting=meeting, position=_next_position(meeting), kind=ItemKind.ACTIONS
            )
        )
    if added:
        record(
            actor=actor,
            action=Action.CREATE,
            object_type=AgendaItem._meta.label_lower,
            object_ids=[item.pk for item in added],
            fields=["kind", "concern"],
            detail=f"on workinggroup.groupmeeting #{meeting.pk}",
        )
    return added


@transaction.atomic
def matter_add(*, actor: User, meeting: GroupMeeting, title: str) -> AgendaItem:
    """A programme matter on the agenda: a title, no case."""
    _require_run(actor, meeting.group)
    _require_minutes_open(actor, meeting)
    if not title.strip():
        raise Refused(_("Give the matter a title."))
    item = AgendaItem.objects.create(
        meeting=meeting, position=_next_position(meeting), kind=ItemKind.MATTER, title=title.strip()
    )
    record(actor=actor, action=Action.CREATE, obj=item, fields=["title"])
    return item


@transaction.atomic
def item_minute(
    *, actor: User, item: AgendaItem, version: int, summary: str, decisions: str
) -> AgendaItem:
    """The discussion summary and the decisions on an item, until the minutes are approved."""
    _require_run(actor, item.meeting.group)
    _require_minutes_open(actor, item.meeting)
    claim_version(item, version)
    item.summary = summary.strip()
    item.decisions = decisions.strip()
    item.save()
    record(actor=actor, action=Action.CHANGE, obj=item, fields=["summary", "decisions"])
    return item


def owner_agencies(group: WorkingGroup) -> Any:
    return group.agencies.all()


def _sees_case(owner: User | None, agency: Organisation | None, item: AgendaItem) -> bool:
    """Whether the owner of an action on a case item may see the item: a coordinator of the
    programme, or an agency (or its liaison) holding a readable disclosure about the person."""
    mentee_id = item.case.mentee_id if item.case is not None else None
    if owner is not None:
        if access.coordinates(owner, item.meeting.group.programme_id):
            return True
        return access.is_liaison(owner) and access.case_disclosed_to(
            owner.organisation_id, mentee_id
        )
    return agency is not None and access.case_disclosed_to(agency.pk, mentee_id)


@transaction.atomic
def action_agree(
    *,
    actor: User,
    item: AgendaItem,
    description: str,
    owner_user: User | None,
    owner_agency: Organisation | None,
    due_on: date,
) -> GroupAction:
    """An action agreed on an item, owned by one person or one member agency. An action on a
    case goes only to someone who may see the case."""
    _require_run(actor, item.meeting.group)
    _require_minutes_open(actor, item.meeting)
    group = item.meeting.group
    if (owner_user is None) == (owner_agency is None):
        raise Refused(_("Give the action one owner: a person or an agency."))
    if owner_user is not None and not attendee_choices(group).filter(pk=owner_user.pk).exists():
        raise Refused(_("Choose from the options given."))
    if owner_agency is not None and not owner_agencies(group).filter(pk=owner_agency.pk).exists():
        raise Refused(_("Choose from the options given."))
    if item.kind == ItemKind.CASE and not _sees_case(owner_user, owner_agency, item):
        raise Refused(
            _(
                "An action on a case goes to a coordinator, or to an agency the case was "
                "disclosed to."
            )
        )
    if not description.strip():
        raise Refused(_("Say what is to be done."))
    action = GroupAction.objects.create(
        item=item,
        description=description.strip(),
        owner_user=owner_user,
        owner_agency=owner_agency,
        due_on=due_on,
        agreed_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=action,
        fields=["description", "owner_user", "owner_agency", "due_on"],
    )
    return action


@transaction.atomic
def action_move(*, actor: User, action: GroupAction, version: int, status: str) -> GroupAction:
    """The owner, their agency's liaison or a coordinator says how the action stands."""
    if not access.can_move_group_action(actor, action):
        raise Refused(_("The action's owner or a coordinator says how it stands."))
    if status not in ActionStatus.values:
        raise Refused(_("Choose from the options given."))
    claim_version(action, version)
    action.status = status
    action.changed_at = timezone.now()
    action.save()
    record(actor=actor, action=Action.CHANGE, obj=action, fields=["status"])
    return action


@transaction.atomic
def minutes_approve(*, actor: User, meeting: GroupMeeting, version: int) -> GroupMeeting:
    """The chair approves the minutes: from now on nobody changes them."""
    if not access.can_approve_minutes(actor, meeting):
        raise Refused(_("The meeting's chair approves its minutes once it has been held."))
    claim_version(meeting, version)
    meeting.minutes_approved_at = timezone.now()
    meeting.save()
    record(actor=actor, action=Action.CHANGE, obj=meeting, fields=["minutes_approved_at"])
    return meeting
