"""Reads of programmes for their pages. The members are staff: a page that names them
records it, as the accounts pages do."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.http import Http404

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access

from .models import MEMBER_ROLES, Programme, ProgrammeChange, ProgrammeMembership

PER_PAGE = 25


def programmes_listed(user: User, page_number: str | None) -> Page:
    """One page of the programmes the person sees, with how many take part in each."""
    programmes = (
        access.programmes_visible_to(user)
        .select_related("organisation")
        .annotate(member_count=Count("memberships__user", distinct=True))
        .order_by("-is_default", "name", "id")
    )
    if not access.can_manage_programmes(user):
        programmes = programmes.filter(pk__in=access.programmes_coordinated_by(user))
    return Paginator(programmes, PER_PAGE).get_page(page_number)


@dataclass(frozen=True)
class RoleMembers:
    role: str
    label: str
    memberships: list[ProgrammeMembership]


@dataclass(frozen=True)
class ProgrammeShown:
    programme: Programme
    members: list[RoleMembers]
    history: Page


def _memberships(programme: Programme) -> QuerySet[ProgrammeMembership]:
    return programme.memberships.select_related("user").order_by(
        "role", "user__last_name", "user__first_name", "id"
    )


def programme_shown(user: User, programme: Programme, page_number: str | None) -> ProgrammeShown:
    """A programme's page: its members by role and a page of its history; the members and
    the people named in the history are recorded as read."""
    memberships = list(_memberships(programme))
    history = Paginator(
        programme.changes.select_related("member", "changed_by"), PER_PAGE
    ).get_page(page_number)
    people = {m.user_id for m in memberships}
    changes: list[ProgrammeChange] = list(history.object_list)
    people |= {c.member_id for c in changes if c.member_id}
    people |= {c.changed_by_id for c in changes if c.changed_by_id}
    record(
        actor=user,
        action=Action.VIEW,
        obj=programme,
        fields=["settings", "members", "history"],
    )
    if people:
        record(
            actor=user,
            action=Action.LIST,
            object_type=User._meta.label_lower,
            object_ids=sorted(people),
            fields=["programme_memberships"],
        )
    members = [
        RoleMembers(
            role=role.value,
            label=str(role.label),
            memberships=[m for m in memberships if m.role == role],
        )
        for role in MEMBER_ROLES
    ]
    return ProgrammeShown(programme=programme, members=members, history=history)


def membership_for(user: User, programme: Programme, pk: int) -> ProgrammeMembership:
    """A membership of the programme, for the administrator (404 otherwise); recorded."""
    access.require(access.can_manage_programmes(user))
    membership = _memberships(programme).filter(pk=pk).first()
    if membership is None:
        raise Http404
    record(actor=user, action=Action.VIEW, obj=membership, object_ids=[membership.user_id])
    return membership


def users_holding(role: str, programme: Programme) -> QuerySet[User]:
    """The active accounts that hold the role and do not take part in the programme in it."""
    return (
        User.objects.filter(is_active=True, role_grants__role=role)
        .exclude(programme_memberships__programme=programme, programme_memberships__role=role)
        .order_by("last_name", "first_name", "id")
        .distinct()
    )
