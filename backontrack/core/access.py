"""The access policy: the one place that says who may see or do what.

Default deny. Each predicate lists its conditions one per line. Views call these and answer
404 when a predicate says no, so that "not allowed" and "not found" look the same.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Role, User
from backontrack.audit.models import AuditEvent, AuditEventSubject
from backontrack.mentees.models import Consent, CustodyEvent, Mentee
from backontrack.referrals.models import Referral, Screening
from backontrack.referrals.transitions import roles_allowed


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


# --- Mentees --------------------------------------------------------------------------------
# Protected models (Mentee, CustodyEvent, AuditEvent) are loaded in views only through the
# functions below; tests/test_access_policy.py fails when a view queries them directly.


def mentees_visible_to(user: object) -> QuerySet[Mentee]:
    """The mentees this user may see. Coordinators see the register. Mentors will see the
    mentees of their own mentorships and coaches those of the mentors they supervise, when
    mentorships exist; until then they see none, like every other role."""
    if has_role(user, Role.COORDINATOR):
        return Mentee.objects.all()
    return Mentee.objects.none()


def mentee_for(user: object, pk: int) -> Mentee:
    """One mentee the user may see, or 404 whether it is missing or not theirs to see."""
    mentee = mentees_visible_to(user).select_related("institution").filter(pk=pk).first()
    if mentee is None:
        raise Http404
    return mentee


def can_manage_mentees(user: object) -> bool:
    """Register and change mentees and their custody history."""
    return has_role(user, Role.COORDINATOR)


def consents_of(user: object, mentee: Mentee) -> QuerySet[Consent]:
    return Consent.objects.filter(mentee__in=mentees_visible_to(user), mentee=mentee)


def consent_for(user: object, mentee: Mentee, pk: int) -> Consent:
    consent = consents_of(user, mentee).filter(pk=pk).first()
    if consent is None:
        raise Http404
    return consent


def custody_events_of(user: object, mentee: Mentee) -> QuerySet[CustodyEvent]:
    return CustodyEvent.objects.filter(
        mentee__in=mentees_visible_to(user), mentee=mentee
    ).select_related("institution", "recorded_by")


def mentee_for_audit(user: object, pk: int) -> Mentee:
    """The auditor identifies a person to see who looked at their record; the auditor sees
    no case data, only the name and the access history."""
    require(can_read_audit_trail(user))
    mentee = Mentee.objects.filter(pk=pk).only("id", "first_name", "last_name").first()
    if mentee is None:
        raise Http404
    return mentee


def mentee_by_personal_id_for_audit(user: object, index: str) -> Mentee | None:
    require(can_read_audit_trail(user))
    return Mentee.objects.filter(personal_id_index=index).only("id").first()


# --- Referrals ------------------------------------------------------------------------------


def can_submit_referral(user: object) -> bool:
    """Prison and probation staff (referrers) and coordinators refer people."""
    return has_role(user, Role.REFERRER) or has_role(user, Role.COORDINATOR)


def can_screen_referrals(user: object) -> bool:
    """The coordinator's inbox: every open referral, with its reasons and criteria."""
    return has_role(user, Role.COORDINATOR)


def referrals_visible_to(user: object) -> QuerySet[Referral]:
    """Coordinators see every referral; a referrer sees the referrals they made."""
    active = _active(user)
    if active is None:
        return Referral.objects.none()
    if has_role(active, Role.COORDINATOR):
        return Referral.objects.all()
    if has_role(active, Role.REFERRER):
        return Referral.objects.filter(referred_by=active)
    return Referral.objects.none()


def referral_for(user: object, pk: int) -> Referral:
    referral = (
        referrals_visible_to(user)
        .select_related("mentee", "mentee__institution", "referred_by")
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        raise Http404
    return referral


def can_move_referral(user: object, referral: Referral, to_status: str) -> bool:
    """The transition table (referrals/transitions.py) names the roles for each move; a
    referrer acts only on referrals they made themselves."""
    active = _active(user)
    if active is None:
        return False
    if not any(active.has_role(role) for role in roles_allowed(referral.status, to_status)):
        return False
    return active.has_role(Role.COORDINATOR) or referral.referred_by_id == active.pk


def screening_of(user: object, referral: Referral) -> Screening | None:
    return (
        Screening.objects.filter(referral__in=referrals_visible_to(user), referral=referral)
        .select_related("decided_by")
        .first()
        if can_screen_referrals(user)
        else None
    )


def can_see_referral_details(user: object, referral: Referral) -> bool:
    """The referrer sees the status and the outcome of their referral, not the reasons,
    criteria or screening; the coordinator sees everything."""
    return can_screen_referrals(user)


def can_read_audit_trail(user: object) -> bool:
    """The data-protection officer reads the audit trail; nobody else does."""
    return has_role(user, Role.AUDITOR)


def audit_events_visible_to(user: object) -> QuerySet[AuditEvent]:
    if can_read_audit_trail(user):
        return AuditEvent.objects.all()
    return AuditEvent.objects.none()


def audit_events_about(user: object, obj: Mentee) -> QuerySet[AuditEvent]:
    """Every event that concerns this record: views, changes, and lists or searches in
    which it was shown."""
    subjects = AuditEventSubject.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).values("event_id")
    return audit_events_visible_to(user).filter(id__in=subjects)


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
    if can_screen_referrals(user):
        items.append(NavItem("referral_inbox", _("Referrals")))
    elif can_submit_referral(user):
        items.append(NavItem("my_referrals", _("My referrals")))
    if can_manage_mentees(user):
        items.append(NavItem("mentee_list", _("Mentees")))
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
