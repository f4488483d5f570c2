"""Every write about API access: tokens made, revoked and used, system clients connected.
Each records its audit event in its transaction."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.core.errors import Refused
from backontrack.programmes.models import Programme

from .models import TOKEN_PREFIX, ApiClient, ApiToken

# A person's token lives at most this long; a system client's until it is revoked (a year,
# renewed by making a new one).
MAX_PERSONAL_DAYS = 90
SYSTEM_DAYS = 365
# When a token was last used is written at most this often (not on every call).
LAST_USED_EVERY = timedelta(minutes=5)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


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


@transaction.atomic
def token_create(*, actor: User, name: str, scopes: list[str], days: int) -> tuple[ApiToken, str]:
    """A personal token for the signed-in person, with scopes their roles allow. Returns the
    secret, which is kept only as a hash: show it once."""
    allowed = access.api_scopes_of(actor)
    if not access.can_create_api_token(actor) or not scopes or set(scopes) - set(allowed):
        raise Refused(_("Choose scopes that your roles allow."))
    if not 1 <= days <= MAX_PERSONAL_DAYS:
        raise Refused(_("A token lives between 1 and %(days)s days.") % {"days": MAX_PERSONAL_DAYS})
    token, secret = _new_token(user=actor, client=None, name=name, scopes=scopes, days=days)
    record(actor=actor, action=Action.CREATE, obj=token, fields=["name", "scopes", "expires_at"])
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


@transaction.atomic
def client_create(*, actor: User, name: str, programme: Programme) -> tuple[ApiClient, str]:
    """A system client of the programme (its prison register), with the narrow scopes of
    one: record custody events and import the register; it reads nothing. Its account is no
    person's and signs in nowhere; the secret of its first token is returned, to be put in
    the system's configuration."""
    if not access.can_manage_api_clients(actor, programme):
        raise Refused(_("You can connect systems only to a programme you coordinate."))
    account = User(
        username=f"{access.SYSTEM_ACCOUNT_PREFIX}{secrets.token_hex(6)}",
        first_name=name[:150],
    )
    account.set_unusable_password()
    account.save()
    client = ApiClient.objects.create(
        name=name, programme=programme, account=account, created_by=actor
    )
    token, secret = _new_token(
        user=account,
        client=client,
        name=name,
        scopes=list(access.SYSTEM_CLIENT_SCOPES),
        days=SYSTEM_DAYS,
    )
    record(actor=actor, action=Action.CREATE, obj=client, fields=["name", "programme"])
    record(actor=actor, action=Action.CREATE, obj=token, fields=["scopes", "expires_at"])
    return client, secret


def token_authenticate(secret: str) -> ApiToken | None:
    """The valid token whose secret this is, or None. Its last use is written at most every
    few minutes."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = (
        ApiToken.objects.select_related("user", "client")
        .prefetch_related("user__role_grants")
        .filter(key_id=parts[1], revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(secret)):
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


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
