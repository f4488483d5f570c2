"""The programme's history worded in the reader's language (it is stored as codes)."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from backontrack.accounts.models import Organisation, Role

from .models import SETTINGS, Programme, ProgrammeChange, ProgrammeStatus, setting_field

DETAIL_LABELS = {
    "name": Programme._meta.get_field("name").verbose_name,
    "description": Programme._meta.get_field("description").verbose_name,
    "organisation": Programme._meta.get_field("organisation").verbose_name,
    "status": Programme._meta.get_field("status").verbose_name,
}


def _detail_value(field: str, value: str, organisations: dict[str, str]) -> str:
    if field == "status" and value in ProgrammeStatus.values:
        return str(ProgrammeStatus(value).label)
    if field == "organisation":
        return organisations.get(value) or _("none")
    return value or _("none")


def worded_page(changes: Iterable[ProgrammeChange]) -> list[tuple[ProgrammeChange, str]]:
    """Each change of a page of history with its wording; the organisations the page names
    are read in one query."""
    changes = list(changes)
    ids = {
        value
        for c in changes
        if c.kind == ProgrammeChange.Kind.DETAILS and c.field == "organisation"
        for value in (c.old_value, c.new_value)
        if value.isdigit()
    }
    organisations = (
        {
            str(pk): name
            for pk, name in Organisation.objects.filter(pk__in=ids).values_list("pk", "name")
        }
        if ids
        else {}
    )
    return [(change, worded(change, organisations)) for change in changes]


def _role(code: str) -> str:
    return str(Role(code).label) if code in Role.values else code


def _setting_value(value: str) -> str:
    """A number as it is; a yes/no setting (stored as True or False) in words."""
    return {"True": str(_("yes")), "False": str(_("no"))}.get(value, value)


def worded(change: ProgrammeChange, organisations: dict[str, str]) -> str:
    member = change.member.get_full_name() if change.member else ""
    if change.kind == ProgrammeChange.Kind.CREATED:
        return _("The programme was created.")
    if change.kind == ProgrammeChange.Kind.SETTING and change.field in SETTINGS:
        return _("Setting “%(setting)s” changed from %(old)s to %(new)s.") % {
            "setting": setting_field(change.field).verbose_name,
            "old": _setting_value(change.old_value),
            "new": _setting_value(change.new_value),
        }
    if change.kind == ProgrammeChange.Kind.DETAILS and change.field == "description":
        return _("The description was changed.")
    if change.kind == ProgrammeChange.Kind.DETAILS:
        return _("“%(field)s” changed from %(old)s to %(new)s.") % {
            "field": DETAIL_LABELS.get(change.field, change.field),
            "old": _detail_value(change.field, change.old_value, organisations),
            "new": _detail_value(change.field, change.new_value, organisations),
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
