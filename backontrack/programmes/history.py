"""The programme's history worded in the reader's language (it is stored as codes)."""

from django.utils.translation import gettext as _

from backontrack.accounts.models import Organisation, Role

from .models import SETTINGS, Programme, ProgrammeChange, ProgrammeStatus, setting_field

DETAIL_LABELS = {
    "name": Programme._meta.get_field("name").verbose_name,
    "description": Programme._meta.get_field("description").verbose_name,
    "organisation": Programme._meta.get_field("organisation").verbose_name,
    "status": Programme._meta.get_field("status").verbose_name,
}


def _detail_value(field: str, value: str) -> str:
    if field == "status" and value in ProgrammeStatus.values:
        return str(ProgrammeStatus(value).label)
    if field == "organisation":
        found = Organisation.objects.filter(pk=value).first() if value.isdigit() else None
        return found.name if found else _("none")
    return value or _("none")


def _role(code: str) -> str:
    return str(Role(code).label) if code in Role.values else code


def worded(change: ProgrammeChange) -> str:
    member = change.member.get_full_name() if change.member else ""
    if change.kind == ProgrammeChange.Kind.CREATED:
        return _("The programme was created.")
    if change.kind == ProgrammeChange.Kind.SETTING and change.field in SETTINGS:
        return _("Setting “%(setting)s” changed from %(old)s to %(new)s.") % {
            "setting": setting_field(change.field).verbose_name,
            "old": change.old_value,
            "new": change.new_value,
        }
    if change.kind == ProgrammeChange.Kind.DETAILS and change.field == "description":
        return _("The description was changed.")
    if change.kind == ProgrammeChange.Kind.DETAILS:
        return _("“%(field)s” changed from %(old)s to %(new)s.") % {
            "field": DETAIL_LABELS.get(change.field, change.field),
            "old": _detail_value(change.field, change.old_value),
            "new": _detail_value(change.field, change.new_value),
        }
    if change.kind == ProgrammeChange.Kind.MEMBER_ADDED:
        return _("%(name)s now takes part as %(role)s.") % {
            "name": member,
            "role": _role(change.field),
        }
    return _("%(name)s no longer takes part as %(role)s.") % {
        "name": member,
        "role": _role(change.field),
    }
