import hashlib
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    must_change_password = models.BooleanField(_("must change password"), default=False)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta(AbstractUser.Meta):
        ordering: ClassVar = ["username"]
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def roles(self) -> list[str]:
        """The user's roles in a fixed order. Uses the prefetched grants when present."""
        granted = {grant.role for grant in self.role_grants.all()}
        return [role.value for role in Role if role.value in granted]

    def has_role(self, role: str) -> bool:
        return role in self.roles

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
