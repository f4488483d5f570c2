"""Reads of the working group: each loads through the access policy and records, in the same
call, which records it showed. A liaison's read of a case item is recorded with their agency
as recipient; a coordinator's agenda names the people and files the read under them."""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.utils import timezone

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.disclosures.models import Disclosure
from backontrack.mentees.models import Mentee

from .history import worded
from .models import (
    OPEN_ACTION_STATUSES,
    AgendaItem,
    GroupAction,
    GroupChange,
    GroupMeeting,
    ItemKind,
    WorkingGroup,
)

PER_PAGE = 25
HOME_ACTIONS = 10
ITEM = AgendaItem._meta.label_lower
ACTION = GroupAction._meta.label_lower


def _recipient(user: object) -> str:
    """Who a liaison reads for: their agency (the trail records it as recipient)."""
    if access.is_liaison(user):
        return str(getattr(user, "organisation", ""))
    return ""


def meetings(user: object, page_number: str | None) -> Page:
    """The meetings of the groups the user sees, newest first (no person on them)."""
    found = access.group_meetings_visible_to(user).select_related("group", "chair")
    return Paginator(found, PER_PAGE).get_page(page_number)


@dataclass
class ShownItem:
    item: AgendaItem
    actions: list[GroupAction]
    # For a coordinator, the person whose case it is; for a liaison, never.
    person: Mentee | None = None
    # For a liaison, the disclosures to their agency through which the case reaches them.
    disclosures: list[Disclosure] = field(default_factory=list)


@dataclass
class Agenda:
    meeting: GroupMeeting
    items: list[ShownItem]
    open_actions: list[GroupAction]
    # The actions the user may update (theirs, their agency's; all for a coordinator).
    movable: set[int]


def _actions_of(user: object, items: list[AgendaItem]) -> dict[int, list[GroupAction]]:
    by_item: dict[int, list[GroupAction]] = {}
    found = (
        access.group_actions_visible_to(user)
        .filter(item__in=[i.pk for i in items])
        .select_related("owner_user", "owner_agency")
    )
    for action in found:
        by_item.setdefault(action.item_id, []).append(action)
    return by_item


def agenda(user: object, meeting: GroupMeeting, fields: list[str]) -> Agenda:
    """The meeting's agenda as the user may see it, each item with its actions; the read of
    every item and action recorded (a case item under its person, with the liaison's agency
    as recipient)."""
    visible = access.agenda_items_visible_to(user).filter(meeting=meeting)
    items = list(visible.select_related("concern", "case"))
    actions = _actions_of(user, items)
    people: dict[int, Mentee] = {}
    behind: dict[int, list[Disclosure]] = {}
    case_people = [i.case.mentee_id for i in items if i.case is not None]
    if access.is_liaison(user):
        behind = access.disclosures_behind(user, case_people)
    elif case_people:
        people = access.mentees_visible_to(user).in_bulk(case_people)
    open_actions: list[GroupAction] = []
    if any(i.kind == ItemKind.ACTIONS for i in items):
        open_actions = list(
            access.group_actions_visible_to(user)
            .filter(item__meeting__group=meeting.group, status__in=OPEN_ACTION_STATUSES)
            .select_related("owner_user", "owner_agency", "item__case", "item__concern")
        )
    shown = [
        ShownItem(
            item=item,
            actions=actions.get(item.pk, []),
            person=people.get(item.case.mentee_id) if item.case is not None else None,
            disclosures=behind.get(item.case.mentee_id, []) if item.case is not None else [],
        )
        for item in items
    ]
    if items:
        record(
            actor=user,
            action=Action.LIST,
            object_type=ITEM,
            object_ids=[i.pk for i in items],
            fields=fields,
            recipient=_recipient(user),
            detail=f"on workinggroup.groupmeeting #{meeting.pk}",
        )
    listed = [a.pk for s in shown for a in s.actions] + [a.pk for a in open_actions]
    if listed:
        record(
            actor=user,
            action=Action.LIST,
            object_type=ACTION,
            object_ids=sorted(set(listed)),
            fields=["description", "owner_user", "owner_agency", "due_on", "status"],
            recipient=_recipient(user),
        )
    if people:
        record(
            actor=user,
            action=Action.LIST,
            object_type=Mentee._meta.label_lower,
            object_ids=sorted(people),
            fields=["name"],
            detail=f"agenda of workinggroup.groupmeeting #{meeting.pk}",
        )
    everyone = [a for s in shown for a in s.actions] + open_actions
    return Agenda(
        meeting=meeting,
        items=shown,
        open_actions=open_actions,
        movable=_movable(user, everyone, access.can_run_group(user, meeting.group)),
    )


def _movable(user: object, actions: list[GroupAction], runs: bool) -> set[int]:
    """The actions the user may update, without a query per action."""
    if runs:
        return {a.pk for a in actions}
    me = getattr(user, "pk", None)
    agency = getattr(user, "organisation_id", None) if access.is_liaison(user) else None
    return {
        a.pk
        for a in actions
        if a.owner_user_id == me or (agency is not None and a.owner_agency_id == agency)
    }


def meeting_shown(user: object, pk: int) -> Agenda:
    """A meeting with its attendees, agenda and minutes."""
    meeting = access.group_meeting_for(user, pk)
    record(actor=user, action=Action.VIEW, obj=meeting, fields=["held_on", "chair", "attendees"])
    return agenda(user, meeting, ["title", "summary", "decisions"])


def item_for_minutes(user: object, pk: int) -> AgendaItem:
    """An item whose minutes a coordinator writes; its read recorded."""
    item = access.agenda_item_for(user, pk)
    access.require(access.can_edit_minutes(user, item.meeting))
    record(actor=user, action=Action.VIEW, obj=item, fields=["title", "summary", "decisions"])
    return item


def action_shown(user: object, pk: int) -> GroupAction:
    action = access.group_action_for(user, pk)
    access.require(access.can_move_group_action(user, action))
    record(
        actor=user,
        action=Action.VIEW,
        obj=action,
        fields=["description", "owner_user", "owner_agency", "due_on", "status"],
        recipient=_recipient(user),
    )
    return action


@dataclass
class GroupHome:
    next_meeting: Agenda | None
    actions: list[GroupAction]
    overdue: int
    movable: set[int]


def home(user: object) -> GroupHome | None:
    """The home page's working group: the next meeting and its agenda (for a liaison), and the
    open actions the user or their agency owns, overdue ones counted."""
    if not (access.is_liaison(user) or access.working_groups_run_by(user).exists()):
        return None
    today = timezone.localdate()
    next_agenda = None
    if access.is_liaison(user):
        upcoming = (
            access.group_meetings_visible_to(user)
            .filter(held_on__gte=today)
            .select_related("group", "chair")
            .order_by("held_on", "id")
            .first()
        )
        if upcoming is not None:
            next_agenda = agenda(user, upcoming, ["title"])
    owned = list(
        access.own_group_actions(user)
        .select_related("owner_user", "owner_agency", "item__meeting")
        .order_by("due_on", "id")[:HOME_ACTIONS]
    )
    if owned:
        record(
            actor=user,
            action=Action.LIST,
            object_type=ACTION,
            object_ids=[a.pk for a in owned],
            fields=["description", "due_on", "status"],
            recipient=_recipient(user),
            detail="home page",
        )
    return GroupHome(
        next_meeting=next_agenda,
        actions=owned,
        overdue=access.own_group_actions(user).filter(due_on__lt=today).count(),
        movable={a.pk for a in owned},
    )


# --- Setting up a group -------------------------------------------------------------------------


def groups_run(user: object, page_number: str | None) -> Page:
    """The groups of the programmes the user coordinates, with how many agencies and people
    belong to each."""
    found = (
        access.working_groups_run_by(user)
        .select_related("programme", "chair")
        .annotate(
            agency_count=Count("agencies", distinct=True),
            member_count=Count("members", distinct=True),
        )
        .order_by("programme__name", "name", "id")
    )
    return Paginator(found, PER_PAGE).get_page(page_number)


@dataclass
class GroupShown:
    group: WorkingGroup
    agencies: Page
    # Each member with their agency, the liaisons first.
    members: Page
    history: list[tuple[GroupChange, str]]
    history_page: Page
    meetings: Page


def group_shown(
    user: object,
    pk: int,
    *,
    agencies: str | None,
    members: str | None,
    history: str | None,
    meetings: str | None,
) -> GroupShown:
    """A group as those who run it see it: its chair, member agencies, people and history
    (each list a page of its own); the look recorded."""
    group = access.working_group_for_managing(user, pk)
    record(actor=user, action=Action.VIEW, obj=group, fields=["name", "chair", "members"])
    agency_page = Paginator(group.agencies.order_by("name", "id"), PER_PAGE).get_page(agencies)
    people = group.members.select_related("organisation").order_by("first_name", "last_name", "id")
    member_page = Paginator(people, PER_PAGE).get_page(members)
    changes = group.changes.select_related("member", "other", "agency", "changed_by")
    history_page = Paginator(changes, PER_PAGE).get_page(history)
    held = group.meetings.select_related("chair").order_by("-held_on", "-id")
    return GroupShown(
        group=group,
        agencies=agency_page,
        members=member_page,
        history=[(change, worded(change)) for change in history_page.object_list],
        history_page=history_page,
        meetings=Paginator(held, PER_PAGE).get_page(meetings),
    )
