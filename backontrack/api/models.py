"""Who may call the API: a person's own tokens, and the system clients of a programme (a
register, a case-file system), which are not people and hold only narrow scopes."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backontrack.programmes.models import Programme


class Scope(models.TextChoices):
    MENTEES_READ = "mentees:read", _("Read the register of mentees")
    MENTEES_WRITE = "mentees:write", _("Register people and change their records")
    CUSTODY_EVENTS_WRITE = "custody-events:write", _("Record custody events")
    REGISTER_IMPORT = "register:import", _("Import persons and custody events from the register")
    REFERRALS_READ = "referrals:read", _("Read referrals and their status")
    REFERRALS_WRITE = "referrals:write", _("Submit referrals")
    MENTORSHIPS_READ = "mentorships:read", _("Read mentorships")
    MEETINGS_READ = "meetings:read", _("Read meetings")
    PLANS_READ = "plans:read", _("Read plans and goals")
    DISCLOSURES_READ = "disclosures:read", _("Read the disclosures sent to your agency")
    FIGURES_READ = "figures:read", _("Read the dashboard's figures")


# A token's secret: this prefix, the token's public id, and the secret part.
TOKEN_PREFIX = "bot"  # noqa: S105 - the marker that says what a secret is, not one


class ApiClient(models.Model):
    """A system of a programme (the prison register) that calls the API. It acts through an
    account of its own that no person can sign in with (no password, no e-mail, no role):
    nobody obtains a secret that signs in as someone else."""

    name = models.CharField(_("name"), max_length=100)
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The coordinator who answers for the system: its creator, then whoever confirmed it. While
    # they no longer coordinate the programme (the role was taken, the account closed), the
    # system is suspended: its calls are refused until another coordinator confirms it.
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["name", "id"]
        verbose_name = _("connected system")

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token. Only a hash of its secret is kept; the secret is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="tokens", null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=100)
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def scope_labels(self) -> list[str]:
        return [str(Scope(code).label) for code in self.scopes if code in Scope.values]


class RateCount(models.Model):
    """Calls counted in the current window, for a person (across their tokens) or for an
    address (failed bearer attempts). One row a key, bumped by one atomic statement, so the
    count holds across processes and app servers (decision 0034)."""

    key = models.CharField(max_length=80, unique=True)
    window = models.BigIntegerField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count} in {self.window}"
