"""Every write of the working group, each in one transaction with its audit event."""

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from backontrack.accounts.models import Organisation, Role, User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.concerns.models import Concern, ConcernStatus, EscalationTarget
from backontrack.core import access
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused
from backontrack.programmes.models import Programme

from .models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    AgendaItem,
    CaseReference,
    GroupAction,
    GroupChange,
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


def programme_coordinators(programme_id: int) -> Any:
    """Who may chair a group of the programme: its active coordinators."""
    return User.objects.filter(
        is_active=True,
        role_grants__role=Role.COORDINATOR,
        programme_memberships__programme_id=programme_id,
        programme_memberships__role=Role.COORDINATOR,
    ).distinct()


def programme_coordinators_of(programmes: Any) -> Any:
    """Who may chair a group of one of these programmes."""
    return User.objects.filter(
        is_active=True,
        role_grants__role=Role.COORDINATOR,
        programme_memberships__programme__in=programmes,
        programme_memberships__role=Role.COORDINATOR,
    ).distinct()


def chairs(group: WorkingGroup) -> Any:
    """Who may chair: the programme's coordinators."""
    return programme_coordinators(group.programme_id)


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
    item.meeting.minute_takers.add(actor)
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
    item.meeting.minute_takers.add(actor)
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
    """A second pair of eyes approves the minutes: from now on nobody changes them."""
    if not access.can_approve_minutes(actor, meeting):
        raise Refused(
            _(
                "Minutes are approved once the meeting has been held, by its chair if someone "
                "else wrote them, otherwise by another coordinator who attended and wrote none "
                "of them."
            )
        )
    claim_version(meeting, version)
    meeting.minutes_approved_at = timezone.now()
    meeting.minutes_approved_by = actor
    meeting.save()
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=meeting,
        fields=["minutes_approved_at", "minutes_approved_by"],
    )
    return meeting


# --- Setting up a group: its name, chair, member agencies and people --------------------------


def _noted(group: WorkingGroup, actor: User, kind: str, **about: Any) -> GroupChange:
    return GroupChange.objects.create(group=group, kind=kind, changed_by=actor, **about)


def _clean_name(programme_id: int, name: str, group: WorkingGroup | None = None) -> str:
    name = name.strip()
    if not name:
        raise Refused(_("Give the group a name."))
    same = WorkingGroup.objects.filter(programme_id=programme_id, name__iexact=name)
    if group is not None:
        same = same.exclude(pk=group.pk)
    if same.exists():
        raise Refused(_("The programme has a working group of this name already."))
    return name


def _require_chair(programme_id: int, chair: User) -> None:
    if not programme_coordinators(programme_id).filter(pk=chair.pk).exists():
        raise Refused(_("The chair is a coordinator of the programme."))


@transaction.atomic
def group_create(*, actor: User, programme: Programme, name: str, chair: User) -> WorkingGroup:
    """A coordinator sets up a working group of their programme, with its chair."""
    if not access.can_set_up_group(actor, programme):
        raise Refused(_("A coordinator of the programme sets up its working groups."))
    name = _clean_name(programme.pk, name)
    _require_chair(programme.pk, chair)
    group = WorkingGroup.objects.create(programme=programme, name=name, chair=chair)
    _noted(group, actor, GroupChange.Kind.CREATED, member=chair, new_value=name)
    record(actor=actor, action=Action.CREATE, obj=group, fields=["programme", "name", "chair"])
    return group


@transaction.atomic
def group_update(
    *, actor: User, group: WorkingGroup, version: int, name: str, chair: User
) -> WorkingGroup:
    """A new name or a new chair. The meetings not held yet that the former chair was to chair
    pass to the new one (who approves their minutes)."""
    _require_run(actor, group)
    name = _clean_name(group.programme_id, name, group)
    _require_chair(group.programme_id, chair)
    claim_version(group, version)
    changed = []
    if name != group.name:
        _noted(group, actor, GroupChange.Kind.RENAMED, old_value=group.name, new_value=name)
        changed.append("name")
    if chair.pk != group.chair_id:
        _noted(group, actor, GroupChange.Kind.CHAIR, member=chair, other=group.chair)
        changed.append("chair")
        upcoming = list(
            GroupMeeting.objects.filter(
                group=group,
                chair_id=group.chair_id,
                held_on__gte=timezone.localdate(),
                minutes_approved_at__isnull=True,
            ).values_list("pk", flat=True)
        )
        if upcoming:
            GroupMeeting.objects.filter(pk__in=upcoming).update(chair=chair)
            record(
                actor=actor,
                action=Action.CHANGE,
                object_type=GroupMeeting._meta.label_lower,
                object_ids=upcoming,
                fields=["chair"],
            )
    group.name = name
    group.chair = chair
    group.save(update_fields=["name", "chair"])
    record(actor=actor, action=Action.CHANGE, obj=group, fields=changed)
    return group


@transaction.atomic
def agency_add(
    *, actor: User, group: WorkingGroup, version: int, agency: Organisation
) -> Organisation:
    """An agency joins the group; its liaisons can then be added."""
    _require_run(actor, group)
    if not access.group_agency_candidates(group).filter(pk=agency.pk).exists():
        raise Refused(_("Choose from the options given."))
    claim_version(group, version)
    group.agencies.add(agency)
    _noted(group, actor, GroupChange.Kind.AGENCY_ADDED, agency=agency)
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=group,
        fields=["agencies"],
        detail=f"agency joined accounts.organisation #{agency.pk}",
    )
    return agency


def _open_actions(group: WorkingGroup, *, person: User | None, agency: Organisation | None) -> Any:
    owned = GroupAction.objects.filter(item__meeting__group=group, status__in=OPEN_ACTION_STATUSES)
    if person is not None:
        return owned.filter(owner_user=person)
    return owned.filter(owner_agency=agency)


def open_action_count(
    group: WorkingGroup, *, person: User | None = None, agency: Organisation | None = None
) -> int:
    """How many open actions of the group the person, or the agency with its people, owns:
    what passes to the chair if they leave."""
    count: int = _open_actions(group, person=person, agency=agency).count()
    if agency is not None:
        count += GroupAction.objects.filter(
            item__meeting__group=group,
            status__in=OPEN_ACTION_STATUSES,
            owner_user__in=group.members.filter(organisation=agency),
        ).count()
    return count


def _pass_on_actions(
    actor: User, group: WorkingGroup, *, person: User | None, agency: Organisation | None
) -> int:
    """The open actions of a person or agency who leaves pass to the group's chair, who sees
    every case and gives them on; what is done or dropped keeps its owner."""
    owned = GroupAction.objects.filter(item__meeting__group=group, status__in=OPEN_ACTION_STATUSES)
    owned = (
        owned.filter(owner_user=person) if person is not None else owned.filter(owner_agency=agency)
    )
    ids = list(owned.values_list("pk", flat=True))
    if not ids:
        return 0
    if group.chair is None:
        raise Refused(
            _("Choose the group's chair first: the open actions of whoever leaves pass to them.")
        )
    # Each moves on a version, so that a form opened on it before is refused, not applied.
    GroupAction.objects.filter(pk__in=ids).update(
        owner_user=group.chair,
        owner_agency=None,
        changed_at=timezone.now(),
        version=F("version") + 1,
    )
    _noted(
        group,
        actor,
        GroupChange.Kind.ACTIONS_PASSED,
        member=person,
        agency=agency,
        other=group.chair,
        new_value=str(len(ids)),
    )
    record(
        actor=actor,
        action=Action.CHANGE,
        object_type=GroupAction._meta.label_lower,
        object_ids=ids,
        fields=["owner_user", "owner_agency"],
    )
    return len(ids)


def _leave(actor: User, group: WorkingGroup, person: User) -> int:
    """The person is no longer a member: they keep their part in past meetings (attendance,
    what they did) and lose the group from now on. Their open actions pass to the chair and
    they leave the attendees of the meetings to come, unless they coordinate the programme
    (and so still see the group)."""
    passed = 0
    if not access.coordinates(person, group.programme_id):
        passed = _pass_on_actions(actor, group, person=person, agency=None)
        # Nor do they attend the meetings still to come.
        for meeting in GroupMeeting.objects.filter(
            group=group, held_on__gt=timezone.localdate(), attendees=person
        ):
            meeting.attendees.remove(person)
    group.members.remove(person)
    _noted(group, actor, GroupChange.Kind.MEMBER_REMOVED, member=person)
    return passed


@transaction.atomic
def agency_remove(*, actor: User, group: WorkingGroup, version: int, agency: Organisation) -> int:
    """An agency leaves, and with it its people; its open actions pass to the chair. Returns
    how many actions were passed on."""
    _require_run(actor, group)
    if not group.agencies.filter(pk=agency.pk).exists():
        raise Refused(_("The agency is not a member of the group."))
    claim_version(group, version)
    people = [
        person
        for person in group.members.filter(organisation=agency)
        if not access.coordinates(person, group.programme_id)
    ]
    passed = sum(_leave(actor, group, person) for person in people)
    passed += _pass_on_actions(actor, group, person=None, agency=agency)
    group.agencies.remove(agency)
    _noted(group, actor, GroupChange.Kind.AGENCY_REMOVED, agency=agency)
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=group,
        object_ids=[person.pk for person in people],
        fields=["agencies", "members"],
        detail=f"agency left accounts.organisation #{agency.pk}",
    )
    return passed


@transaction.atomic
def member_add(*, actor: User, group: WorkingGroup, version: int, person: User) -> User:
    """A liaison of a member agency or a coordinator of the programme joins the group. Nobody
    adds themself."""
    _require_run(actor, group)
    if actor.is_same_person(person):
        raise Refused(_("You cannot add yourself: another coordinator of the programme must."))
    if group.members.filter(pk=person.pk).exists():
        raise Refused(_("%(name)s is a member already.") % {"name": person.get_full_name()})
    if not access.group_member_candidates(actor, group).filter(pk=person.pk).exists():
        raise Refused(
            _(
                "A member is a liaison of a member agency (add the agency first) or a "
                "coordinator of the programme."
            )
        )
    claim_version(group, version)
    group.members.add(person)
    _noted(group, actor, GroupChange.Kind.MEMBER_ADDED, member=person)
    record(actor=actor, action=Action.CHANGE, obj=group, object_ids=[person.pk], fields=["members"])
    return person


@transaction.atomic
def member_remove(*, actor: User, group: WorkingGroup, version: int, person: User) -> int:
    """A member leaves the group. Returns how many of their open actions passed to the
    chair."""
    _require_run(actor, group)
    if not group.members.filter(pk=person.pk).exists():
        raise Refused(_("%(name)s is not a member.") % {"name": person.get_full_name()})
    claim_version(group, version)
    passed = _leave(actor, group, person)
    record(actor=actor, action=Action.CHANGE, obj=group, object_ids=[person.pk], fields=["members"])
    return passed


def passed_on_said(passed: int, chair: User | None) -> str:
    """What the page says of a leaver's open actions."""
    if not passed or chair is None:
        return ""
    return ngettext(
        "%(count)d open action passed to the chair, %(chair)s.",
        "%(count)d open actions passed to the chair, %(chair)s.",
        passed,
    ) % {"count": passed, "chair": chair.get_full_name()}
