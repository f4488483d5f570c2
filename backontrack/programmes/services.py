"""Writes of programmes: the administrator creates them and says who takes part; the
programme's coordinators set its thresholds. Each change is kept in the programme's history
(codes and values, worded when shown) and in the audit trail, in the same transaction."""

from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from backontrack.accounts.models import Organisation, Role, User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused

from .models import (
    MEMBER_ROLES,
    SETTINGS,
    Programme,
    ProgrammeChange,
    ProgrammeMembership,
    ProgrammeStatus,
)

DETAILS = ("name", "description", "organisation", "status")
# What the apps above keep derived from a programme's settings (the mentorships' alert
# windows) registers here when the app is ready: the service that changes the settings
# brings it up to date in its transaction without importing those apps.
SETTINGS_FOLLOWERS: list[Callable[[Programme], None]] = []


def _require_admin(actor: User) -> None:
    if not access.can_manage_programmes(actor):
        raise Refused(_("Only an administrator can do this."))


def _detail_value(programme: Programme, field: str) -> str:
    value = getattr(programme, f"{field}_id" if field == "organisation" else field)
    return "" if value is None else str(value)


@transaction.atomic
def programme_create(
    *,
    actor: User,
    name: str,
    description: str,
    organisation: Organisation | None,
    status: str,
) -> Programme:
    _require_admin(actor)
    if Programme.objects.filter(name__iexact=name).exists():
        raise Refused(_("There is already a programme with this name."))
    programme = Programme.objects.create(
        name=name, description=description, organisation=organisation, status=status
    )
    ProgrammeChange.objects.create(
        programme=programme, kind=ProgrammeChange.Kind.CREATED, changed_by=actor
    )
    record(actor=actor, action=Action.CREATE, obj=programme, fields=DETAILS)
    return programme


@transaction.atomic
def programme_update(
    *,
    actor: User,
    programme: Programme,
    version: int,
    name: str,
    description: str,
    organisation: Organisation | None,
    status: str,
) -> Programme:
    _require_admin(actor)
    if Programme.objects.filter(name__iexact=name).exclude(pk=programme.pk).exists():
        raise Refused(_("There is already a programme with this name."))
    claim_version(programme, version)
    before = {field: _detail_value(programme, field) for field in DETAILS}
    programme.name = name
    programme.description = description
    programme.organisation = organisation
    programme.status = status
    programme.save(update_fields=[*DETAILS])
    changed = [field for field in DETAILS if before[field] != _detail_value(programme, field)]
    ProgrammeChange.objects.bulk_create(
        ProgrammeChange(
            programme=programme,
            kind=ProgrammeChange.Kind.DETAILS,
            field=field,
            # The description can be long; the history says that it changed, not how.
            old_value="" if field == "description" else before[field][:200],
            new_value="" if field == "description" else _detail_value(programme, field)[:200],
            changed_by=actor,
        )
        for field in changed
    )
    record(actor=actor, action=Action.CHANGE, obj=programme, fields=changed)
    return programme


@transaction.atomic
def programme_settings_update(
    *, actor: User, programme: Programme, version: int, values: dict[str, int]
) -> Programme:
    if not access.can_change_programme_settings(actor, programme):
        raise Refused(_("Only a coordinator of this programme can change its settings."))
    unknown = set(values) - set(SETTINGS)
    if unknown:
        raise Refused(_("These are not settings of a programme: %s.") % ", ".join(sorted(unknown)))
    claim_version(programme, version)
    changed = [
        name for name in SETTINGS if name in values and values[name] != getattr(programme, name)
    ]
    ProgrammeChange.objects.bulk_create(
        ProgrammeChange(
            programme=programme,
            kind=ProgrammeChange.Kind.SETTING,
            field=name,
            old_value=str(getattr(programme, name)),
            new_value=str(values[name]),
            changed_by=actor,
        )
        for name in changed
    )
    for name in changed:
        setattr(programme, name, values[name])
    programme.save(update_fields=changed)
    record(actor=actor, action=Action.CHANGE, obj=programme, fields=changed)
    if changed:
        for follow in SETTINGS_FOLLOWERS:
            follow(programme)
    return programme


def _add(*, actor: User, programme: Programme, user: User, role: str) -> ProgrammeMembership:
    membership = ProgrammeMembership.objects.create(
        programme=programme, user=user, role=role, added_by=actor
    )
    ProgrammeChange.objects.create(
        programme=programme,
        kind=ProgrammeChange.Kind.MEMBER_ADDED,
        field=role,
        member=user,
        changed_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=membership,
        object_ids=[user.pk],
        fields=["programme", "user", "role"],
    )
    return membership


@transaction.atomic
def membership_add(
    *, actor: User, programme: Programme, user: User, role: str
) -> ProgrammeMembership:
    _require_admin(actor)
    if role not in MEMBER_ROLES:
        raise Refused(_("Nobody takes part in a programme in this role."))
    if user.pk == actor.pk:
        raise Refused(
            _("You cannot add yourself: another administrator must give you a part in a case.")
        )
    if not user.is_active:
        raise Refused(_("%(name)s's account is deactivated.") % {"name": user.get_full_name()})
    if not user.role_grants.filter(role=role).exists():
        raise Refused(
            _("%(name)s does not hold the role %(role)s: grant it on their account first.")
            % {"name": user.get_full_name(), "role": Role(role).label}
        )
    if ProgrammeMembership.objects.filter(programme=programme, user=user, role=role).exists():
        raise Refused(
            _("%(name)s already takes part in this programme as %(role)s.")
            % {"name": user.get_full_name(), "role": Role(role).label}
        )
    return _add(actor=actor, programme=programme, user=user, role=role)


@transaction.atomic
def membership_remove(*, actor: User, membership: ProgrammeMembership) -> None:
    _require_admin(actor)
    programme, user = membership.programme, membership.user
    if membership.role in (Role.MENTOR, Role.COACH):
        held = access.open_mentorships_held(user, programme)
        if held:
            raise Refused(
                ngettext(
                    "%(name)s holds %(count)d open mentorship in this programme as mentor or "
                    "coach: reallocate it first.",
                    "%(name)s holds %(count)d open mentorships in this programme as mentor or "
                    "coach: reallocate them first.",
                    held,
                )
                % {"name": user.get_full_name(), "count": held}
            )
    if (
        membership.role == Role.COORDINATOR
        and programme.status == ProgrammeStatus.ACTIVE
        and not programme.memberships.filter(role=Role.COORDINATOR).exclude(pk=membership.pk)
    ):
        raise Refused(
            _(
                "%(name)s is the last coordinator of this active programme: add another "
                "coordinator first."
            )
            % {"name": user.get_full_name()}
        )
    ProgrammeChange.objects.create(
        programme=programme,
        kind=ProgrammeChange.Kind.MEMBER_REMOVED,
        field=membership.role,
        member=user,
        changed_by=actor,
    )
    record(
        actor=actor,
        action=Action.DELETE,
        obj=membership,
        object_ids=[user.pk],
        fields=["programme", "user", "role"],
    )
    membership.delete()


@transaction.atomic
def members_invite(*, actor: User, programme: Programme, user: User) -> list[ProgrammeMembership]:
    """A coordinator brings a mentor of the corps into the programme (as mentor, and as coach
    when the account holds the coach role). The caller has checked the mentor's standing in
    the corps."""
    if not access.can_invite_into(actor, programme):
        raise Refused(_("Only a coordinator of this programme can invite mentors into it."))
    if not user.is_active:
        raise Refused(_("%(name)s's account is deactivated.") % {"name": user.get_full_name()})
    roles = [Role.MENTOR] + ([Role.COACH] if user.has_role(Role.COACH) else [])
    missing = [
        role
        for role in roles
        if not ProgrammeMembership.objects.filter(programme=programme, user=user, role=role)
    ]
    if not missing:
        raise Refused(
            _("%(name)s already takes part in this programme.") % {"name": user.get_full_name()}
        )
    return [_add(actor=actor, programme=programme, user=user, role=role) for role in missing]
