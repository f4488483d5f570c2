"""A working group's history worded in the reader's language (it is stored as codes)."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from backontrack.accounts.models import User

from .models import GroupChange


def _name(person: User | None) -> str:
    if person is None:
        return _("nobody")
    return person.get_full_name() or person.username


def worded(change: GroupChange) -> str:
    kind = GroupChange.Kind
    member, other, agency = _name(change.member), _name(change.other), str(change.agency or "")
    if change.kind == kind.CREATED:
        return _("The group “%(name)s” was set up, chaired by %(chair)s.") % {
            "name": change.new_value,
            "chair": member,
        }
    if change.kind == kind.RENAMED:
        return _("Renamed from “%(old)s” to “%(new)s”.") % {
            "old": change.old_value,
            "new": change.new_value,
        }
    if change.kind == kind.CHAIR:
        return _("%(name)s chairs the group instead of %(before)s.") % {
            "name": member,
            "before": other,
        }
    if change.kind == kind.AGENCY_ADDED:
        return _("%(agency)s joined the group.") % {"agency": agency}
    if change.kind == kind.AGENCY_REMOVED:
        return _("%(agency)s left the group.") % {"agency": agency}
    if change.kind == kind.MEMBER_ADDED:
        return _("%(name)s joined the group.") % {"name": member}
    if change.kind == kind.MEMBER_REMOVED:
        return _("%(name)s left the group; their part in its past meetings stays.") % {
            "name": member
        }
    count = int(change.new_value or 0)
    return ngettext(
        "%(count)d open action of %(owner)s passed to the chair, %(chair)s.",
        "%(count)d open actions of %(owner)s passed to the chair, %(chair)s.",
        count,
    ) % {"count": count, "owner": member if change.member else agency, "chair": other}
