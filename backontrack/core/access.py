"""The access policy: the one place that says who may see or do what.

Default deny. Each predicate lists its conditions one per line. Views call these and answer
404 when a predicate says no, so that "not allowed" and "not found" look the same.
"""

from dataclasses import dataclass

from django.http import Http404, HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Role, User


def _active(user: object) -> User | None:
    if not isinstance(user, User):
        return None
    if not user.is_authenticated:
        return None
    if not user.is_active:
        return None
    return user


def authenticated_user(request: HttpRequest) -> User | None:
    """The signed-in, active user of a request, or None."""
    return _active(request.user)


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user, for views behind LoginRequiredMiddleware; 404 if there is none."""
    user = authenticated_user(request)
    if user is None:
        raise Http404
    return user


def has_role(user: object, role: Role) -> bool:
    active = _active(user)
    if active is None:
        return False
    return active.has_role(role)


def can_administer_accounts(user: object) -> bool:
    """Admins manage users, organisations and institutions. They never see case files."""
    return has_role(user, Role.ADMIN)


def can_read_audit_trail(user: object) -> bool:
    """The data-protection officer reads the audit trail; nobody else does."""
    return has_role(user, Role.AUDITOR)


def require(allowed: bool) -> None:
    """Raise 404 unless allowed: a refused page looks exactly like a missing one."""
    if not allowed:
        raise Http404


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise


def navigation_for(user: object) -> list[NavItem]:
    """The main navigation: each role sees only what it may use."""
    if _active(user) is None:
        return []
    items = [NavItem("home", _("Home"))]
    if can_administer_accounts(user):
        items += [
            NavItem("user_list", _("Users")),
            NavItem("organisation_list", _("Organisations")),
            NavItem("institution_list", _("Institutions")),
        ]
    if can_read_audit_trail(user):
        items.append(NavItem("audit_log", _("Audit trail")))
    items.append(NavItem("account", _("My account")))
    return items
