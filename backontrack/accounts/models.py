import hashlib
import secrets
import time
from base64 import b32encode
from typing import ClassVar
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin
from django_otp.oath import TOTP

from backontrack.core.fields import EncryptedTextField
from backontrack.core.models import RowKeyed


class Role(models.TextChoices):
    REFERRER = "referrer", _("Referrer")
    COORDINATOR = "coordinator", _("Coordinator")
    MENTOR = "mentor", _("Mentor")
    COACH = "coach", _("Coach")
    TRAINER = "trainer", _("Trainer")
    LIAISON = "liaison", _("Liaison")
    EVALUATOR = "evaluator", _("Evaluator")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


# The roles' values in their fixed order, read without the enum's per-member lookups.
ROLE_ORDER = tuple(role.value for role in Role)


class Region(models.TextChoices):
    HOVEDSTADEN = "hovedstaden", _("Capital Region of Denmark")
    SJAELLAND = "sjaelland", _("Region Zealand")
    SYDDANMARK = "syddanmark", _("Region of Southern Denmark")
    MIDTJYLLAND = "midtjylland", _("Central Denmark Region")
    NORDJYLLAND = "nordjylland", _("North Denmark Region")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        PRISON_PROBATION = "prison_probation", _("Prison and probation service")
        MINISTRY = "ministry", _("Ministry")
        SECURITY_SERVICE = "security_service", _("Security and intelligence service")
        MUNICIPALITY = "municipality", _("Municipality")
        NGO = "ngo", _("Non-governmental organisation")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Institution(models.Model):
    class Kind(models.TextChoices):
        CLOSED_PRISON = "closed_prison", _("Closed prison")
        OPEN_PRISON = "open_prison", _("Open prison")
        REMAND_PRISON = "remand_prison", _("Remand prison")
        HALFWAY_HOUSE = "halfway_house", _("Halfway house")
        PROBATION_OFFICE = "probation_office", _("Probation office")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    region = models.CharField(_("region"), max_length=32, choices=Region.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="institutions",
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Belongs to one organisation and holds one or more roles."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
    )
    language = models.CharField(
        _("language for e-mails"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    # One person holding two accounts (a coordinator's second account, say) carries the same
    # key on both, set by the administrator: a rule of "a second person" (the approval of a
    # disclosure) counts the key, not the account.
    person_key = models.CharField(
        _("person"),
        max_length=40,
        blank=True,
        db_index=True,
        help_text=_(
            "The same short code on every account of one person, so that the person never "
            "approves their own proposal from another account. Leave empty for a person with "
            "one account."
        ),
    )
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta(AbstractUser.Meta):
        ordering: ClassVar = ["username"]
        swappable = "AUTH_USER_MODEL"
        constraints: ClassVar = [
            # Sign-in links go to the address: one person's mailbox opens one account.
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="one_account_per_email"
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def roles(self) -> list[str]:
        """The user's roles in a fixed order. Uses the prefetched grants when present (the
        signed-in user's, see accounts.backends), and then works them out once: a page asks
        dozens of times. Granting or revoking through the relation drops the prefetched
        grants, and so this too."""
        grants = self.role_grants.all()
        cached = self.__dict__.get("_roles")
        if cached is not None and cached[0] is grants:
            return list(cached[1])
        granted = {grant.role for grant in grants}
        roles = tuple(role for role in ROLE_ORDER if role in granted)
        if grants is self.role_grants.all():  # the prefetched grants, not a new query
            self.__dict__["_roles"] = (grants, roles)
        return list(roles)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def is_same_person(self, other: "User | None") -> bool:
        """The same account, or another account of the same person (the same person key)."""
        if other is None:
            return False
        return self.pk == other.pk or (
            bool(self.person_key) and self.person_key == other.person_key
        )

    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in self.roles]


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "role"], name="unique_role_per_user")
        ]
        indexes: ClassVar = [models.Index(fields=["role"])]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class RecoveryCode(models.Model):
    """A single-use code that stands in for the authenticator app. Only a hash is stored:
    the codes are random with 60 bits of entropy, so a plain SHA-256 cannot be reversed."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "code_hash"])]

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}"

    @staticmethod
    def hash(code: str) -> str:
        normalised = code.replace("-", "").replace(" ", "").lower()
        return hashlib.sha256(normalised.encode()).hexdigest()


def new_authenticator_key() -> str:
    return secrets.token_hex(20)


class Authenticator(RowKeyed, ThrottlingMixin, Device):
    """The person's authenticator app: a TOTP secret (RFC 6238, 30-second steps, six
    digits), stored encrypted like the other sensitive fields, so a copy of the database
    signs no one in. The arithmetic and the throttling after wrong codes are django-otp's."""

    STEP = 30
    DIGITS = 6
    TOLERANCE = 1

    key = EncryptedTextField(default=new_authenticator_key)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta(Device.Meta):
        indexes: ClassVar = [models.Index(fields=["user", "confirmed"])]

    def __str__(self) -> str:
        return f"authenticator of {self.user_id}"

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.key)

    @property
    def secret_base32(self) -> str:
        return b32encode(self.bin_key).decode().rstrip("=")

    def _totp(self) -> TOTP:
        totp = TOTP(self.bin_key, self.STEP, 0, self.DIGITS, self.drift)
        totp.time = time.time()
        return totp

    def current_code(self) -> str:
        return f"{self._totp().token():0{self.DIGITS}d}"

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    def verify_token(self, token: str) -> bool:
        """A code of the current step (or one either side) not used before; wrong codes
        make the next attempt wait longer."""
        allowed, _detail = self.verify_is_allowed()
        if not allowed:
            return False
        totp = self._totp()
        if (
            token.isascii()
            and token.isdigit()
            and totp.verify(int(token), self.TOLERANCE, self.last_t + 1)
        ):
            self.last_t = totp.t()
            self.drift = totp.drift
            self.last_used_at = timezone.now()
            self.throttle_reset(commit=False)
            self.save()
            return True
        self.throttle_increment(commit=True)
        return False

    @property
    def config_url(self) -> str:
        """The otpauth:// address an authenticator app reads from the QR code."""
        issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
        label = quote(f"{issuer}:{self.user.get_username()}")
        params = urlencode(
            {
                "secret": self.secret_base32,
                "algorithm": "SHA1",
                "digits": self.DIGITS,
                "period": self.STEP,
            }
        )
        return f"otpauth://totp/{label}?{params}&issuer={quote(issuer)}"


def token_hash(token: str) -> str:
    """Sign-in links are random with 256 bits of entropy: a plain SHA-256 cannot be reversed,
    and only the hash is stored, so a copy of the database opens no account."""
    return hashlib.sha256(token.encode()).hexdigest()


class SignInLink(models.Model):
    """A one-time link e-mailed to the person themself: to set up a new account, or after an
    administrator's reset. The administrator never sees it, so no secret that signs in as
    someone else passes through another person."""

    class Purpose(models.TextChoices):
        NEW_ACCOUNT = "new_account", _("Set up a new account")
        PASSWORD = "password", _("Choose a new password")
        AUTHENTICATOR = "authenticator", _("Set up the authenticator again")
        FULL_RESET = "full_reset", _("Set up sign-in again (approved full reset)")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signin_links")
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    # Continue on the link's page claims it for one browser session (its key's hash).
    claimed_at = models.DateTimeField(_("opened"), null=True, blank=True)
    claimed_by_session = models.CharField(max_length=64, blank=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "issued_at"])]

    def __str__(self) -> str:
        return f"sign-in link of {self.user_id} ({self.purpose})"

    def is_usable(self) -> bool:
        return (
            self.used_at is None
            and self.cancelled_at is None
            and self.expires_at > timezone.now()
            and self.user.is_active
        )


class AccountRequest(models.Model):
    """A change to an account that could open case files or the audit trail to someone —
    granting a case role, the auditor or the administrator role, or changing the e-mail
    address that sign-in links go to. It takes effect only when a second person approves
    (separation of duties: the administrator alone can never give themselves a way in)."""

    class Kind(models.TextChoices):
        GRANT_ROLE = "grant_role", _("Grant a role")
        CHANGE_EMAIL = "change_email", _("Change the e-mail address")
        FULL_RESET = "full_reset", _("Reset password and authenticator")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="account_requests", verbose_name=_("user")
    )
    kind = models.CharField(_("request"), max_length=32, choices=Kind.choices)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    email = models.EmailField(_("new e-mail address"), blank=True)
    # The role a person must hold to decide: coordinator for case roles, administrator
    # (another one) for the auditor and administrator roles.
    approver_role = models.CharField(_("approved by"), max_length=32, choices=Role.choices)
    requested_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering: ClassVar = ["-requested_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user", "kind", "role"],
                condition=Q(status="pending"),
                name="one_pending_request_per_change",
            )
        ]
        indexes: ClassVar = [models.Index(fields=["status", "approver_role"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id} ({self.status})"

    def describe(self) -> str:
        if self.kind == self.Kind.GRANT_ROLE:
            return str(_("Grant the role %(role)s") % {"role": Role(self.role).label})
        if self.kind == self.Kind.FULL_RESET:
            return str(
                _("Reset password and authenticator, and send a link to %(email)s")
                % {"email": self.user.email}
            )
        return str(_("Change the e-mail address to %(email)s") % {"email": self.email})
