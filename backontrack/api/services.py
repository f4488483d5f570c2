"""Every write about API access: tokens made, revoked and used, system clients connected,
rotated and confirmed, refused bearer attempts. Each records its audit event in its
transaction. Making a secret (a person's token, a system's) asks for the password and a
new one-time code again (`accounts.step_up`): a session taken over cannot mint one."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from backontrack.accounts.models import User
from backontrack.accounts.step_up import SteppedUp
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.core.errors import Refused
from backontrack.programmes.models import Programme

from .models import TOKEN_PREFIX, ApiClient, ApiToken

# A person's token lives at most this long; a system client's until it is revoked (a year,
# renewed by rotating its secret).
MAX_PERSONAL_DAYS = 90
SYSTEM_DAYS = 365
# When a token was last used is written at most this often (not on every call).
LAST_USED_EVERY = timedelta(minutes=5)


class BearerRefused(Exception):
    """The bearer secret does not sign a call in. `reason` is a code for the audit trail
    (unknown, secret, revoked, expired, inactive, suspended); `token` the token the secret
    named, when it named one."""

    def __init__(self, reason: str, token: ApiToken | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.token = token


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _require_step_up(actor: User, proof: SteppedUp | None) -> None:
    if proof is None or not proof.holds_for(actor):
        raise Refused(_("Give your password and a new one-time code to make a secret."))


def _new_token(
    *, user: User, client: ApiClient | None, name: str, scopes: list[str], days: int
) -> tuple[ApiToken, str]:
    key_id = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        client=client,
        name=name,
        key_id=key_id,
        secret_hash=_digest(secret),
        scopes=sorted(scopes),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token, secret


def _tell_of_new_secret(person: User, token: ApiToken) -> None:
    """E-mail the person that a secret was made on their account or for their system, in
    their language, so a secret they did not make is noticed. It names no one else."""
    if not person.email:
        return
    base = settings.BACKONTRACK_BASE_URL.rstrip("/")
    page = reverse("api_clients") if token.client_id else reverse("api_tokens")
    with translation.override(person.language):
        send_mail(
            subject=str(_("Back on Track: a new API secret")),
            message=render_to_string(
                "api/email/secret_made.txt",
                {
                    "person": person,
                    "token": token,
                    "client": token.client,
                    "scopes": token.scope_labels(),
                    "url": f"{base}{page}",
                },
            ),
            from_email=None,
            recipient_list=[person.email],
        )


def live_tokens_of(user: User) -> int:
    return ApiToken.objects.filter(
        user=user, client__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).count()


@transaction.atomic
def token_create(
    *, actor: User, name: str, scopes: list[str], days: int, proof: SteppedUp | None
) -> tuple[ApiToken, str]:
    """A personal token for the signed-in person, with scopes their roles allow, made only
    after they gave both factors again. Returns the secret, which is kept only as a hash:
    show it once. The person is e-mailed that a token was made."""
    allowed = access.api_scopes_of(actor)
    if not access.can_create_api_token(actor) or not scopes or set(scopes) - set(allowed):
        raise Refused(_("Choose scopes that your roles allow."))
    if not 1 <= days <= MAX_PERSONAL_DAYS:
        raise Refused(_("A token lives between 1 and %(days)s days.") % {"days": MAX_PERSONAL_DAYS})
    _require_step_up(actor, proof)
    # Locks the person's row: two requests at once cannot both pass the cap.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    cap = settings.BACKONTRACK_API_MAX_TOKENS
    if live_tokens_of(actor) >= cap:
        raise Refused(
            _(
                "You have %(count)s tokens that still work, the most one person may have: "
                "revoke one first."
            )
            % {"count": cap}
        )
    token, secret = _new_token(user=actor, client=None, name=name, scopes=scopes, days=days)
    record(actor=actor, action=Action.CREATE, obj=token, fields=["name", "scopes", "expires_at"])
    _tell_of_new_secret(actor, token)
    return token, secret


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    owner = token.client.programme if token.client else None
    if token.client is None and token.user_id != actor.pk:
        raise Refused(_("This is not your token."))
    if owner is not None and not access.can_manage_api_clients(actor, owner):
        raise Refused(_("You can revoke only the tokens of your programme's clients."))
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    ):
        record(actor=actor, action=Action.CHANGE, obj=token, fields=["revoked_at"])
    token.refresh_from_db()
    return token


def _system_token(client: ApiClient) -> tuple[ApiToken, str]:
    return _new_token(
        user=client.account,
        client=client,
        name=client.name,
        scopes=list(access.SYSTEM_CLIENT_SCOPES),
        days=SYSTEM_DAYS,
    )


@transaction.atomic
def client_create(
    *, actor: User, name: str, programme: Programme, proof: SteppedUp | None
) -> tuple[ApiClient, str]:
    """A system client of the programme (its prison register), with the narrow scopes of
    one: record custody events and import the register; it reads nothing. Its account is no
    person's and signs in nowhere; the secret of its first token is returned, to be put in
    the system's configuration. The coordinator answers for it from now on."""
    if not access.can_manage_api_clients(actor, programme):
        raise Refused(_("You can connect systems only to a programme you coordinate."))
    _require_step_up(actor, proof)
    account = User(
        username=f"{access.SYSTEM_ACCOUNT_PREFIX}{secrets.token_hex(6)}",
        first_name=name[:150],
    )
    account.set_unusable_password()
    account.save()
    client = ApiClient.objects.create(
        name=name, programme=programme, account=account, created_by=actor, responsible=actor
    )
    token, secret = _system_token(client)
    record(actor=actor, action=Action.CREATE, obj=client, fields=["name", "programme"])
    record(actor=actor, action=Action.CREATE, obj=token, fields=["scopes", "expires_at"])
    _tell_of_new_secret(actor, token)
    return client, secret


@transaction.atomic
def client_rotate(*, actor: User, client: ApiClient, proof: SteppedUp | None) -> str:
    """A new secret for the system, shown once; its old secrets stop working at once (a
    leaked secret must not keep working while the new one is put in place: the system's
    calls meanwhile are answered 401, and the register sends them again)."""
    if not access.can_manage_api_clients(actor, client.programme):
        raise Refused(_("You can rotate only the secrets of your programme's systems."))
    if not access.api_client_is_answered_for(client):
        raise Refused(_("Confirm that you answer for the system before you rotate its secret."))
    _require_step_up(actor, proof)
    ApiClient.objects.select_for_update().filter(pk=client.pk).first()
    now = timezone.now()
    ApiToken.objects.filter(client=client, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    token, secret = _system_token(client)
    record(actor=actor, action=Action.CHANGE, obj=client, fields=["tokens"], detail="rotated")
    record(actor=actor, action=Action.CREATE, obj=token, fields=["scopes", "expires_at"])
    _tell_of_new_secret(actor, token)
    return secret


@transaction.atomic
def client_confirm(*, actor: User, client: ApiClient) -> ApiClient:
    """Another coordinator of the programme answers for a system whose coordinator lost the
    role or left: its calls are accepted again."""
    if not access.can_confirm_api_client(actor, client):
        raise Refused(_("Only another coordinator of the programme confirms a suspended system."))
    client.responsible = actor
    client.confirmed_at = timezone.now()
    client.save(update_fields=["responsible", "confirmed_at"])
    record(actor=actor, action=Action.CHANGE, obj=client, fields=["responsible"])
    return client


def token_authenticate(secret: str) -> ApiToken:
    """The valid token whose secret this is, or BearerRefused. Its last use is written at
    most every few minutes."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise BearerRefused("unknown")
    token = (
        ApiToken.objects.select_related(
            "user", "client__responsible", "client__programme", "client__account"
        )
        .prefetch_related("user__role_grants")
        .filter(key_id=parts[1][:16])
        .first()
    )
    if token is None:
        raise BearerRefused("unknown")
    if not hmac.compare_digest(token.secret_hash, _digest(secret)):
        raise BearerRefused("secret", token)
    now = timezone.now()
    if token.revoked_at is not None:
        raise BearerRefused("revoked", token)
    if token.expires_at <= now:
        raise BearerRefused("expired", token)
    if not token.user.is_active:
        raise BearerRefused("inactive", token)
    if token.client is not None and not access.api_client_is_answered_for(token.client):
        raise BearerRefused("suspended", token)
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def bearer_refused_record(refused: BearerRefused, *, throttled: bool) -> None:
    """A bearer secret that signed nothing in, in the trail: the token it named (by its id,
    never the secret), why it was refused, and whether the address is now held back."""
    token = refused.token
    record(
        actor=None,
        username=token.user.get_username() if token is not None else "",
        action=Action.SIGN_IN_FAILED,
        obj=token,
        detail=f"api_bearer:{refused.reason}{':throttled' if throttled else ''}",
    )


def bearer_throttled_record() -> None:
    """The first attempt an address makes after it was held back, once a window."""
    record(actor=None, action=Action.LOCKOUT, detail="api_bearer:throttled")


@transaction.atomic
def client_revoke(*, actor: User, client: ApiClient) -> int:
    """Disconnect the system: every token of it stops working at once."""
    if not access.can_manage_api_clients(actor, client.programme):
        raise Refused(_("You can disconnect only your programme's systems."))
    revoked = ApiToken.objects.filter(client=client, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    if revoked:
        record(actor=actor, action=Action.CHANGE, obj=client, fields=["tokens"], detail="revoked")
    return revoked
