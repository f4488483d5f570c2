"""Every write to accounts, organisations and institutions goes through these functions."""

import secrets
from collections.abc import Iterable

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core.concurrency import claim_version

from .models import Institution, Organisation, RecoveryCode, Role, RoleGrant, User

RECOVERY_CODE_COUNT = 10
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_password() -> str:
    """A temporary password an admin can read out or pass on: 4 groups of 5 characters."""
    return "-".join("".join(secrets.choice(_CODE_ALPHABET) for _ in range(5)) for _ in range(4))


class RoleRuleError(ValueError):
    pass


def check_roles(*, actor: User | None, user: User | None, roles: Iterable[str]) -> set[str]:
    """The rules on roles: an administrator account holds no other role (administrators
    never see case files), and nobody changes their own roles."""
    wanted = {Role(role).value for role in roles}
    if Role.ADMIN in wanted and len(wanted) > 1:
        raise RoleRuleError(
            _(
                "An administrator account holds no other role: administrators never see "
                "case files. Create a separate account for casework."
            )
        )
    changing_own = actor is not None and user is not None and actor.pk == user.pk
    if changing_own and user is not None and wanted != set(user.roles):
        raise RoleRuleError(_("Nobody can change their own roles; ask another administrator."))
    return wanted


def _set_roles(user: User, wanted: set[str]) -> None:
    user.role_grants.exclude(role__in=wanted).delete()
    existing = set(user.role_grants.values_list("role", flat=True))
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=user, role=role) for role in sorted(wanted - existing)]
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
) -> tuple[User, str]:
    """Create an account with a temporary password, which is returned once and must be
    changed at first sign-in. The new user enrols an authenticator at first sign-in.
    `actor` is None only when the installation's first administrator is created."""
    wanted = check_roles(actor=actor, user=None, roles=roles)
    password = generate_password()
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        organisation=organisation,
        must_change_password=True,
    )
    user.set_password(password)
    user.save()
    _set_roles(user, wanted)
    record(
        actor=actor,
        action=Action.CREATE,
        obj=user,
        fields=["username", "first_name", "last_name", "email", "organisation", "roles"],
        username="" if actor else "(command line)",
    )
    return user, password


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
) -> User:
    wanted = check_roles(actor=actor, user=user, roles=roles)
    claim_version(user, version)
    before = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "organisation": user.organisation_id,
        "roles": set(user.roles),
    }
    after = {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "organisation": organisation.pk,
        "roles": wanted,
    }
    user.first_name = first_name
    user.last_name = last_name
    user.email = email
    user.organisation = organisation
    user.save(update_fields=["first_name", "last_name", "email", "organisation", "version"])
    _set_roles(user, wanted)
    changed = [name for name in before if before[name] != after[name]]
    record(actor=actor, action=Action.CHANGE, obj=user, fields=changed)
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate a leaver (their sessions end at the next request) or reactivate them."""
    if user.pk == actor.pk and not active:
        raise ValueError("An administrator cannot deactivate their own account.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(actor=actor, action=Action.CHANGE, obj=user, fields=["is_active"])
    return user


@transaction.atomic
def user_reset_password(*, actor: User, user: User) -> str:
    """Give the user a new temporary password, returned once; it must be changed at sign-in."""
    password = generate_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    record(actor=actor, action=Action.CHANGE, obj=user, fields=["password"])
    return password


@transaction.atomic
def user_reset_authenticator(*, actor: User, user: User) -> str:
    """For a lost phone: remove the authenticator and the recovery codes, and replace the
    password with a temporary one (returned once). Enrolment is guarded by that new
    password, so someone who had phished the old one cannot enrol their own phone."""
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    record(actor=actor, action=Action.CHANGE, obj=user, fields=["authenticator", "recovery_codes"])
    return user_reset_password(actor=actor, user=user)


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> int:
    """Lift a sign-in lockout for this user from every address. Returns how many were lifted."""
    record(actor=actor, action=Action.CHANGE, obj=user, fields=["sign_in_block"])
    return int(axes_reset(username=user.username) or 0)


@transaction.atomic
def password_change(*, user: User, new_password: str) -> None:
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    record(actor=user, action=Action.CHANGE, obj=user, fields=["password"])


@transaction.atomic
def totp_device_for_enrolment(*, user: User, device_id: int | None) -> TOTPDevice:
    """The unconfirmed authenticator of this sign-in attempt. Each attempt gets its own
    secret and any other unconfirmed one is removed, so a secret shown to one browser is
    never the one another browser confirms."""
    if device_id is not None:
        device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
        if device is not None:
            return device
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def totp_enrol_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm enrolment if the token is right; returns the new recovery codes, else None."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record(
        actor=None, username=user.username, action=Action.CHANGE, obj=user, fields=["authenticator"]
    )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
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
    if digits.isdigit():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        return device is not None and device.verify_token(digits)
    return recovery_code_use(user=user, code=token)


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
