"""Every write to accounts, organisations and institutions goes through these functions."""

import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Authenticator
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.core.concurrency import claim_version

from .models import (
    AccountRequest,
    Institution,
    Organisation,
    RecoveryCode,
    Role,
    RoleGrant,
    SignInLink,
    User,
    token_hash,
)

RECOVERY_CODE_COUNT = 10
# What the apps above keep derived from whether an account is active (the mentorships'
# alerts that a mentor or coach has left) registers here when the app is ready, so that
# deactivating an account brings it up to date in the same transaction.
ACTIVITY_FOLLOWERS: list[Callable[[User], None]] = []
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

# Who must approve a grant of each role (separation of duties): roles that read case data
# need a coordinator, the roles that read the audit trail or manage accounts another
# administrator. Trainer and evaluator (no case data) the administrator grants alone.
APPROVER_OF_ROLE = {
    Role.REFERRER: Role.COORDINATOR,
    Role.COORDINATOR: Role.COORDINATOR,
    Role.MENTOR: Role.COORDINATOR,
    Role.COACH: Role.COORDINATOR,
    Role.LIAISON: Role.COORDINATOR,
    Role.AUDITOR: Role.ADMIN,
    Role.ADMIN: Role.ADMIN,
}
# Roles that read case data: the auditor, who checks who read it, holds none of them.
CASE_READING_ROLES = frozenset(
    {Role.REFERRER, Role.COORDINATOR, Role.MENTOR, Role.COACH, Role.LIAISON}
)


class RoleRuleError(ValueError):
    pass


class AccountRefused(Exception):
    """A change the rules do not allow; the message says why and what to do instead."""


def check_roles(*, actor: User | None, user: User | None, roles: Iterable[str]) -> set[str]:
    """The rules on roles: an administrator account holds no other role (administrators
    never see case files), the auditor holds no role that reads cases (nobody audits their
    own reading), and nobody changes their own roles."""
    wanted = {Role(role).value for role in roles}
    if Role.ADMIN in wanted and len(wanted) > 1:
        raise RoleRuleError(
            _(
                "An administrator account holds no other role: administrators never see "
                "case files. Create a separate account for casework."
            )
        )
    if Role.AUDITOR in wanted and wanted & CASE_READING_ROLES:
        raise RoleRuleError(
            _(
                "The auditor role cannot be combined with a role that reads cases (referrer, "
                "coordinator, mentor, coach or liaison): nobody audits their own reading."
            )
        )
    changing_own = actor is not None and user is not None and actor.pk == user.pk
    if changing_own and user is not None and wanted != set(user.roles) | pending_roles(user):
        raise RoleRuleError(_("Nobody can change their own roles; ask another administrator."))
    return wanted


def pending_roles(user: User) -> set[str]:
    return set(
        user.account_requests.filter(
            kind=AccountRequest.Kind.GRANT_ROLE, status=AccountRequest.Status.PENDING
        ).values_list("role", flat=True)
    )


def email_approver_role(user: User) -> str:
    """Sign-in links go to the e-mail address, so a new address on an existing account is a
    way into it: a coordinator approves it on accounts that read cases (or wait for such a
    role), another administrator on every other account."""
    roles = set(user.role_grants.values_list("role", flat=True)) | pending_roles(user)
    if roles & CASE_READING_ROLES:
        return Role.COORDINATOR
    return Role.ADMIN


def _cancel(actor: User | None, requests: QuerySet[AccountRequest]) -> None:
    """Withdraw waiting requests (a role unticked, an address replaced), each audited."""
    for cancelled in requests.filter(status=AccountRequest.Status.PENDING):
        cancelled.status = AccountRequest.Status.CANCELLED
        cancelled.decided_by = actor
        cancelled.decided_at = timezone.now()
        cancelled.save(update_fields=["status", "decided_by", "decided_at"])
        record(
            actor=actor,
            action=Action.CHANGE,
            obj=cancelled,
            fields=["status"],
            detail=f"{cancelled.kind}:{cancelled.status}",
        )


def _request(
    *,
    actor: User | None,
    user: User,
    kind: str,
    approver_role: str,
    role: str = "",
    email: str = "",
) -> AccountRequest:
    request = AccountRequest.objects.create(
        user=user,
        kind=kind,
        role=role,
        email=email,
        approver_role=approver_role,
        requested_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=request,
        fields=["kind", "role", "email"] if email else ["kind", "role"],
        detail=f"{kind}:{role}" if role else kind,
    )
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=user,
        fields=["roles requested"] if role else ["email requested"] if email else ["reset"],
        detail=f"account_request:{request.pk}",
    )
    return request


def _set_roles(*, actor: User | None, user: User, wanted: set[str]) -> None:
    """Remove what is no longer wanted at once (taking access away is always safe); grant
    new roles at once only where no approval is needed (or from the command line), else
    ask for it."""
    user.role_grants.exclude(role__in=wanted).delete()
    _cancel(
        actor,
        user.account_requests.filter(kind=AccountRequest.Kind.GRANT_ROLE).exclude(role__in=wanted),
    )
    # A prefetched list of grants would no longer be true after this.
    getattr(user, "_prefetched_objects_cache", {}).pop("role_grants", None)
    existing = set(user.role_grants.values_list("role", flat=True))
    already_asked = pending_roles(user)
    new = wanted - existing - already_asked
    needs_approval = {role for role in new if actor is not None and role in APPROVER_OF_ROLE}
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=user, role=role) for role in sorted(new - needs_approval)]
    )
    for role in sorted(needs_approval):
        _request(
            actor=actor,
            user=user,
            kind=AccountRequest.Kind.GRANT_ROLE,
            role=role,
            approver_role=APPROVER_OF_ROLE[Role(role)],
        )


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    organisation: Organisation,
    roles: Iterable[str],
    language: str = settings.LANGUAGE_CODE,
) -> User:
    """Create an account with no usable password. The person sets their own password and
    authenticator from a one-time link e-mailed to them (`actor` given), or printed on the
    server's command line for the installation's first administrator (`actor` None). Roles
    that need a second person's approval wait for it."""
    wanted = check_roles(actor=actor, user=None, roles=roles)
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        organisation=organisation,
        language=language,
    )
    user.set_unusable_password()
    user.save()
    record(
        actor=actor,
        action=Action.CREATE,
        obj=user,
        fields=["username", "first_name", "last_name", "email", "organisation", "language"],
        username="" if actor else "(command line)",
    )
    _set_roles(actor=actor, user=user, wanted=wanted)
    record(actor=actor, action=Action.CHANGE, obj=user, fields=["roles"])
    # With roles waiting, the link goes out when the first is approved: the approver
    # confirms the person and the address the link will go to.
    if actor is not None and not pending_roles(user):
        signin_link_send(actor=actor, user=user, purpose=SignInLink.Purpose.NEW_ACCOUNT)
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    version: int,
    first_name: str,
    last_name: str,
    email: str,
    organisation: Organisation,
    roles: Iterable[str],
    language: str | None = None,
    person_key: str | None = None,
) -> User:
    """Save an administrator's edit. New roles that need approval, and a new e-mail address
    on an account that reads cases or the audit trail, wait for a second person."""
    wanted = check_roles(actor=actor, user=user, roles=roles)
    claim_version(user, version)
    language = language or user.language
    before = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "organisation": user.organisation_id,
        "language": user.language,
        "person_key": user.person_key,
        "roles": set(user.roles),
    }
    email_changed = email.lower() != user.email.lower()
    if email_changed:
        _cancel(actor, user.account_requests.filter(kind=AccountRequest.Kind.CHANGE_EMAIL))
        if not email:
            raise AccountRefused(_("An account needs an e-mail address for its sign-in links."))
        _request(
            actor=actor,
            user=user,
            kind=AccountRequest.Kind.CHANGE_EMAIL,
            approver_role=email_approver_role(user),
            email=email,
        )
    user.first_name = first_name
    user.last_name = last_name
    user.organisation = organisation
    user.language = language
    if person_key is not None:
        user.person_key = person_key.strip()
    user.save(
        update_fields=[
            "first_name",
            "last_name",
            "organisation",
            "language",
            "person_key",
            "version",
        ]
    )
    _set_roles(actor=actor, user=user, wanted=wanted)
    after = {
        "first_name": first_name,
        "last_name": last_name,
        "organisation": organisation.pk,
        "language": language,
        "person_key": user.person_key,
        "roles": set(user.role_grants.values_list("role", flat=True)),
    }
    changed = [name for name in before if before[name] != after[name]]
    if changed:
        record(actor=actor, action=Action.CHANGE, obj=user, fields=changed)
    return user


@transaction.atomic
def account_request_decide(
    *, actor: User, request: AccountRequest, approve: bool, reason: str = ""
) -> AccountRequest:
    """A second person approves or refuses. Approving a role grants it; approving an e-mail
    address sets it. Refusing needs a reason, which the administrator sees."""
    # The person's row first, as every edit of the account takes it: a decision and an
    # administrator's edit never interleave.
    subject = User.objects.select_for_update().get(pk=request.user_id)
    request = AccountRequest.objects.select_for_update().get(pk=request.pk)
    if not access.account_requests_to_decide(actor).filter(pk=request.pk).exists():
        raise AccountRefused(
            _(
                "This request is no longer waiting, or you may not decide it: nobody decides "
                "a request about themself or one they asked for."
            )
        )
    if not approve and not reason.strip():
        raise AccountRefused(_("Say why you refuse, so that the administrator can act on it."))
    if (
        approve
        and request.kind == AccountRequest.Kind.CHANGE_EMAIL
        and email_approver_role(subject) not in actor.roles
    ):
        raise AccountRefused(
            _("The account's roles have changed: this address now needs another approver.")
        )
    never_set_up = not subject.has_usable_password() and not subject.signin_links.exists()
    if approve and request.kind == AccountRequest.Kind.FULL_RESET:
        Authenticator.objects.filter(user=subject).delete()
        RecoveryCode.objects.filter(user=subject).delete()
        subject.set_unusable_password()
        subject.save(update_fields=["password"])
        record(
            actor=actor,
            action=Action.CHANGE,
            obj=subject,
            fields=["authenticator", "recovery_codes", "password"],
        )
        signin_link_send(actor=actor, user=subject, purpose=SignInLink.Purpose.FULL_RESET)
    elif approve and request.kind == AccountRequest.Kind.GRANT_ROLE:
        try:
            check_roles(actor=None, user=None, roles={*subject.roles, request.role})
        except RoleRuleError as error:
            raise AccountRefused(str(error)) from error
        RoleGrant.objects.get_or_create(user=subject, role=request.role)
        record(actor=actor, action=Action.CHANGE, obj=subject, fields=["roles"])
    elif approve:
        subject.email = request.email
        subject.save(update_fields=["email"])
        record(actor=actor, action=Action.CHANGE, obj=subject, fields=["email"])
    request.status = AccountRequest.Status.APPROVED if approve else AccountRequest.Status.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.reason = reason.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    User.objects.filter(pk=subject.pk).update(version=F("version") + 1)
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=request,
        fields=["status", "reason"] if reason.strip() else ["status"],
        detail=f"{request.kind}:{request.status}",
    )
    if approve and request.kind == AccountRequest.Kind.GRANT_ROLE and never_set_up:
        signin_link_send(actor=actor, user=subject, purpose=SignInLink.Purpose.NEW_ACCOUNT)
    return request


def _link_lifetime() -> timedelta:
    return timedelta(hours=settings.BACKONTRACK_SIGNIN_LINK_HOURS)


@transaction.atomic
def signin_link_issue(*, actor: User | None, user: User, purpose: str) -> str:
    """A new one-time sign-in link for the person; any earlier unused one stops working.
    Returns the token, which is stored only as a hash: pass it to the person alone."""
    now = timezone.now()
    user.signin_links.filter(used_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=now
    )
    token = secrets.token_urlsafe(32)
    link = SignInLink.objects.create(
        user=user,
        purpose=purpose,
        token_hash=token_hash(token),
        issued_by=actor,
        issued_at=now,
        expires_at=now + _link_lifetime(),
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=link,
        fields=["purpose", "expires_at"],
        detail=f"signin_link:{purpose}",
        username="" if actor else "(command line)",
    )
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=user,
        fields=["signin_link"],
        detail=f"signin_link:{purpose}",
        username="" if actor else "(command line)",
    )
    return token


def signin_link_url(token: str) -> str:
    return settings.BACKONTRACK_BASE_URL.rstrip("/") + reverse("signin_link", args=[token])


def signin_is_set_up(user: User) -> bool:
    return (
        user.has_usable_password()
        or Authenticator.objects.filter(user=user, confirmed=True).exists()
    )


@transaction.atomic
def signin_link_resend(*, actor: User, user: User) -> None:
    """A new set-up link for an account that was never set up (the first expired, or never
    came). An account in use is reset instead, which asks for what the person still has."""
    if signin_is_set_up(user):
        raise AccountRefused(
            _(
                "This account is set up already. For a forgotten password or a lost phone, "
                "use the reset for that: it asks the person for what they still have."
            )
        )
    if pending_roles(user) and not user.roles:
        raise AccountRefused(
            _("The link goes out when a second person approves the account's first role.")
        )
    signin_link_send(actor=actor, user=user, purpose=SignInLink.Purpose.NEW_ACCOUNT)


@transaction.atomic
def signin_link_send(*, actor: User, user: User, purpose: str) -> None:
    """Issue a link and e-mail it to the person, in their language. If the e-mail cannot be
    sent, nothing is written and the error reaches the administrator."""
    if not user.email:
        raise AccountRefused(
            _("The account has no e-mail address to send the sign-in link to. Add one first.")
        )
    token = signin_link_issue(actor=actor, user=user, purpose=purpose)
    with translation.override(user.language):
        send_mail(
            subject=str(_("Back on Track: your sign-in link")),
            message=render_to_string(
                "accounts/email/signin_link.txt",
                {
                    "user": user,
                    "purpose": purpose,
                    "url": signin_link_url(token),
                    "hours": settings.BACKONTRACK_SIGNIN_LINK_HOURS,
                },
            ),
            from_email=None,
            recipient_list=[user.email],
        )


def signin_link_find(token: str) -> SignInLink | None:
    """The link for this token if it can still be used, else None (expired, used, replaced,
    or the account was deactivated — which one is not said)."""
    link = SignInLink.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    return link if link is not None and link.is_usable() else None


CLAIMED_LINK_MINUTES = 30


@transaction.atomic
def signin_link_claim(*, link: SignInLink, session_key: str) -> bool:
    """Continue on the link's page: the link now works in this browser session alone, for
    half an hour at most. False if another browser claimed it first."""
    link = SignInLink.objects.select_for_update().get(pk=link.pk)
    if not link.is_usable():
        return False
    if link.claimed_by_session and link.claimed_by_session != token_hash(session_key):
        return False
    now = timezone.now()
    link.claimed_at = link.claimed_at or now
    link.claimed_by_session = token_hash(session_key)
    link.expires_at = min(link.expires_at, now + timedelta(minutes=CLAIMED_LINK_MINUTES))
    link.save(update_fields=["claimed_at", "claimed_by_session", "expires_at"])
    record(
        actor=None,
        username=link.user.username,
        action=Action.CHANGE,
        obj=link,
        fields=["claimed_at"],
        detail=f"signin_link:{link.purpose}:opened",
    )
    return True


def signin_link_claimed(*, link_id: int, session_key: str) -> SignInLink | None:
    link = SignInLink.objects.select_related("user").filter(pk=link_id).first()
    if link is None or not link.is_usable():
        return None
    if link.claimed_by_session != token_hash(session_key):
        return None
    return link


class LinkStep(models.TextChoices):
    """What a link asks for, from what the account still has (never from the link's purpose
    alone): a mailbox never replaces a factor the person still holds. WITH_CODE: the
    one-time code and a new password; WITH_CURRENT: the current password, then a new
    authenticator; SET_UP_ANEW: a new password, then an authenticator."""

    WITH_CODE = "with_code"
    WITH_CURRENT = "with_current"
    SET_UP_ANEW = "set_up_anew"


def signin_link_step(user: User) -> str:
    if Authenticator.objects.filter(user=user, confirmed=True).exists():
        return LinkStep.WITH_CODE
    if user.has_usable_password():
        return LinkStep.WITH_CURRENT
    return LinkStep.SET_UP_ANEW


@transaction.atomic
def signin_link_use(*, link: SignInLink, new_password: str | None) -> User:
    """Spend the link, with the person's new password where the step asks for one. Enrolling
    the authenticator (new account, or after a reset) follows in the sign-in steps."""
    link = SignInLink.objects.select_for_update().select_related("user").get(pk=link.pk)
    if not link.is_usable():
        raise AccountRefused(_("This link has expired or was used already."))
    user = link.user
    fields = ["signin_link"]
    if new_password:
        validate_password(new_password, user)
        user.set_password(new_password)
        user.save(update_fields=["password"])
        fields.append("password")
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    record(
        actor=None,
        username=user.username,
        action=Action.CHANGE,
        obj=user,
        fields=fields,
        detail=f"signin_link:{link.purpose}:used",
    )
    return user


def may_enrol_with_password(user: User) -> bool:
    """An account without an authenticator enrols one after its password only shortly after
    a sign-in link was used (the link proved the mailbox, the password the person); later, a
    known password alone must not set up someone's phone."""
    since = timezone.now() - _link_lifetime()
    return user.signin_links.filter(used_at__gte=since).exists()


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate a leaver (their sessions end at the next request, their sign-in links stop
    working) or reactivate them."""
    if user.pk == actor.pk and not active:
        raise ValueError("An administrator cannot deactivate their own account.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(actor=actor, action=Action.CHANGE, obj=user, fields=["is_active"])
    for follow in ACTIVITY_FOLLOWERS:
        follow(user)
    if not active:
        user.signin_links.filter(used_at__isnull=True, cancelled_at__isnull=True).update(
            cancelled_at=timezone.now()
        )
    else:
        # A leaver's access comes back only with a second person's approval, as at first.
        returning = sorted(set(user.roles) & set(APPROVER_OF_ROLE))
        user.role_grants.filter(role__in=returning).delete()
        for role in returning:
            _request(
                actor=actor,
                user=user,
                kind=AccountRequest.Kind.GRANT_ROLE,
                role=role,
                approver_role=APPROVER_OF_ROLE[Role(role)],
            )
    return user


@transaction.atomic
def user_reset_password(*, actor: User, user: User) -> None:
    """A forgotten password: the current one stops working at once, and the person gets a
    link to choose a new one. The link asks for their one-time code too, so whoever reads
    their mailbox alone cannot take the account over."""
    user.set_unusable_password()
    user.save(update_fields=["password"])
    record(actor=actor, action=Action.CHANGE, obj=user, fields=["password"])
    signin_link_send(actor=actor, user=user, purpose=SignInLink.Purpose.PASSWORD)


@transaction.atomic
def user_reset_authenticator(*, actor: User, user: User) -> None:
    """For a lost phone: remove the authenticator and the recovery codes, and send the person
    a link to set up the app again. The link asks for their password, so neither a mailbox
    nor a known password alone sets up someone else's phone."""
    if not user.has_usable_password():
        raise AccountRefused(
            _(
                "This account has no password to prove the person at the reset. If they "
                "lost both phone and password, ask for a full reset, which a second person "
                "approves."
            )
        )
    Authenticator.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    record(actor=actor, action=Action.CHANGE, obj=user, fields=["authenticator", "recovery_codes"])
    signin_link_send(actor=actor, user=user, purpose=SignInLink.Purpose.AUTHENTICATOR)


@transaction.atomic
def user_full_reset_request(*, actor: User, user: User) -> AccountRequest:
    """Phone and password both lost: nothing the person still has can prove them, so the
    reset waits for a second person who knows them (a coordinator for accounts that read
    cases, another administrator otherwise); then a link goes to their own address."""
    if not user.email:
        raise AccountRefused(
            _("The account has no e-mail address to send the sign-in link to. Add one first.")
        )
    _cancel(actor, user.account_requests.filter(kind=AccountRequest.Kind.FULL_RESET))
    return _request(
        actor=actor,
        user=user,
        kind=AccountRequest.Kind.FULL_RESET,
        approver_role=email_approver_role(user),
    )


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> int:
    """Lift a sign-in lockout for this user from every address. Returns how many were lifted."""
    record(actor=actor, action=Action.CHANGE, obj=user, fields=["sign_in_block"])
    return int(axes_reset(username=user.username) or 0)


@transaction.atomic
def password_change(*, user: User, new_password: str) -> None:
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    record(actor=user, action=Action.CHANGE, obj=user, fields=["password"])


@transaction.atomic
def totp_device_for_enrolment(*, user: User, device_id: int | None) -> Authenticator:
    """The unconfirmed authenticator of this sign-in attempt. Each attempt gets its own
    secret and any other unconfirmed one is removed, so a secret shown to one browser is
    never the one another browser confirms."""
    if device_id is not None:
        device = Authenticator.objects.filter(pk=device_id, user=user, confirmed=False).first()
        if device is not None:
            return device
    Authenticator.objects.filter(user=user, confirmed=False).delete()
    return Authenticator.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def totp_enrol_confirm(*, user: User, device: Authenticator, token: str) -> list[str] | None:
    """Confirm enrolment if the token is right; returns the new recovery codes, else None."""
    device = Authenticator.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record(
        actor=None, username=user.username, action=Action.CHANGE, obj=user, fields=["authenticator"]
    )
    Authenticator.objects.filter(user=user).exclude(pk=device.pk).delete()
    return recovery_codes_regenerate(user=user)


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Replace all recovery codes; returns the new plaintext codes, which are never stored."""
    codes = [
        "-".join("".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(3))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=RecoveryCode.hash(code)) for code in codes]
    )
    record(
        actor=user if user.is_authenticated else None,
        username=user.username,
        action=Action.CHANGE,
        obj=user,
        fields=["recovery_codes"],
    )
    return codes


@transaction.atomic
def recovery_code_use(*, user: User, code: str) -> bool:
    """Spend one recovery code. True if it was valid and unused."""
    used = RecoveryCode.objects.filter(
        user=user, code_hash=RecoveryCode.hash(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    return used == 1


@transaction.atomic
def verify_second_factor(*, user: User, token: str) -> bool:
    """A current code from the confirmed authenticator, or an unused recovery code. The
    device row is locked so that parallel requests cannot reuse a code or dodge the
    throttling that django-otp applies after wrong codes."""
    token = token.strip()
    digits = token.replace(" ", "")
    if digits.isascii() and digits.isdigit():
        device = Authenticator.objects.select_for_update().filter(user=user, confirmed=True).first()
        return device is not None and device.verify_token(digits)
    return recovery_code_use(user=user, code=token)


def signin_record(*, user: User) -> None:
    """Both factors passed: the sign-in is recorded."""
    record(actor=user, action=Action.SIGN_IN)


def signin_failure_record(*, username: str, locked: bool = False, detail: str = "") -> None:
    """A sign-in refused, by the step that refused it (`detail`), or blocked by the lockout;
    recorded under the user name typed, since nobody is signed in."""
    record(
        actor=None,
        username=username,
        action=Action.LOCKOUT if locked else Action.SIGN_IN_FAILED,
        detail=detail,
    )


def signout_record(*, user: object) -> None:
    record(actor=user, action=Action.SIGN_OUT)


@transaction.atomic
def organisation_save(
    *,
    actor: User,
    organisation: Organisation | None,
    version: int = 0,
    name: str,
    kind: str,
    is_active: bool,
) -> Organisation:
    creating = organisation is None
    if organisation is None:
        organisation = Organisation()
    else:
        claim_version(organisation, version)
    organisation.name = name
    organisation.kind = kind
    organisation.is_active = is_active
    organisation.save()
    record(
        actor=actor,
        action=Action.CREATE if creating else Action.CHANGE,
        obj=organisation,
        fields=["name", "kind", "is_active"],
    )
    return organisation


@transaction.atomic
def institution_save(
    *,
    actor: User,
    institution: Institution | None,
    version: int = 0,
    name: str,
    kind: str,
    region: str,
    organisation: Organisation,
    is_active: bool,
) -> Institution:
    creating = institution is None
    if institution is None:
        institution = Institution()
    else:
        claim_version(institution, version)
    institution.name = name
    institution.kind = kind
    institution.region = region
    institution.organisation = organisation
    institution.is_active = is_active
    institution.save()
    record(
        actor=actor,
        action=Action.CREATE if creating else Action.CHANGE,
        obj=institution,
        fields=["name", "kind", "region", "organisation", "is_active"],
    )
    return institution
