"""Programmes: the schemes an installation runs side by side. Every referral, mentorship,
pool draft and course belongs to exactly one; people take part through memberships; each
programme carries its own thresholds (the environment's values are only the defaults of a
new programme)."""

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

from backontrack.accounts.models import Organisation, Role


def _env(name: str) -> int:
    return int(getattr(settings, name))


class ProgrammeStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


# The roles that take part in a programme through a membership. The others are
# installation-wide (referrer, auditor, administrator) or come with wave 2 (liaison, evaluator).
MEMBER_ROLES = (Role.COORDINATOR, Role.COACH, Role.MENTOR, Role.TRAINER)


def default_no_meeting_days() -> int:
    return _env("BACKONTRACK_NO_MEETING_DAYS")


def default_no_meeting_days_aftercare() -> int:
    return _env("BACKONTRACK_NO_MEETING_DAYS_AFTERCARE")


def default_release_alert_days() -> int:
    return _env("BACKONTRACK_RELEASE_ALERT_DAYS")


def default_reentry_plan_alert_days() -> int:
    return _env("BACKONTRACK_REENTRY_PLAN_ALERT_DAYS")


def default_housing_alert_days() -> int:
    return _env("BACKONTRACK_HOUSING_ALERT_DAYS")


def default_re_entry_days() -> int:
    return _env("BACKONTRACK_RE_ENTRY_DAYS")


def default_review_months() -> int:
    return _env("BACKONTRACK_REVIEW_MONTHS")


def default_referral_wait_days() -> int:
    return _env("BACKONTRACK_REFERRAL_WAIT_DAYS")


def default_expiry_warning_days() -> int:
    return _env("BACKONTRACK_EXPIRY_WARNING_DAYS")


def default_activation_days() -> int:
    return _env("BACKONTRACK_ACTIVATION_DAYS")


def default_supervision_days() -> int:
    return _env("BACKONTRACK_SUPERVISION_DAYS")


def default_pool_draft_days() -> int:
    return _env("BACKONTRACK_POOL_DRAFT_DAYS")


def _setting(
    label: "_StrPromise", default: object, help_text: "_StrPromise", *, most: int = 730
) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label,
        default=default,
        validators=[MinValueValidator(1), MaxValueValidator(most)],
        help_text=help_text,
    )


# The programme's settings, in the order its settings page shows them.
SETTINGS = (
    "no_meeting_days",
    "no_meeting_days_aftercare",
    "check_in_first_days",
    "check_in_second_days",
    "check_in_every_days",
    "activation_days",
    "release_alert_days",
    "re_entry_days",
    "reentry_plan_alert_days",
    "housing_alert_days",
    "review_months",
    "referral_wait_days",
    "expiry_warning_days",
    "supervision_days",
    "triage_hours_high",
    "triage_minutes_immediate",
    "pool_draft_days",
    "mentors_see_disclosures",
)


def setting_field(name: str) -> models.Field:
    """The model field of one of the programme's settings (its label, limits and help)."""
    field = Programme._meta.get_field(name)
    assert isinstance(field, models.Field)  # noqa: S101 (the settings are plain columns)
    return field


class ProgrammeQuerySet(models.QuerySet["Programme"]):
    def default(self) -> "Programme":
        """The installation's default programme (a migration creates it; there is one)."""
        return self.get(is_default=True)


class Programme(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("owning organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programmes",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ProgrammeStatus.choices, default=ProgrammeStatus.ACTIVE
    )
    # The programme a referral goes to when the referrer does not choose one.
    is_default = models.BooleanField(_("the installation's default programme"), default=False)

    no_meeting_days = _setting(
        _("days without a meeting before an alert (in custody)"),
        default_no_meeting_days,
        _("A mentorship in custody with no meeting held for this many days stands out."),
    )
    no_meeting_days_aftercare = _setting(
        _("days without a meeting before an alert (after release)"),
        default_no_meeting_days_aftercare,
        _("The same after release, when contact matters most."),
    )
    check_in_first_days = _setting(
        _("first check-in, days after the first meeting"),
        14,
        _(
            "The coordinator's first check-in with mentor and mentee falls due this long "
            "after the first meeting."
        ),
    )
    check_in_second_days = _setting(
        _("second check-in, days after the first meeting"),
        30,
        _("The second check-in falls due this long after the first meeting."),
    )
    check_in_every_days = _setting(
        _("later check-ins, every so many days"),
        30,
        _("After the second, check-ins fall due this often."),
    )
    activation_days = _setting(
        _("days a proposed mentorship may wait for activation"),
        default_activation_days,
        _("A proposed mentorship not activated after this many days is flagged."),
    )
    release_alert_days = _setting(
        _("days before release to flag it"),
        default_release_alert_days,
        _("An expected release this close is flagged to the coordinator and the mentor."),
    )
    re_entry_days = _setting(
        _("days before release that re-entry begins"),
        default_re_entry_days,
        _(
            "A sentenced person's mentorship enters re-entry this many days before the "
            "expected release."
        ),
    )
    reentry_plan_alert_days = _setting(
        _("days before release a re-entry plan is needed"),
        default_reentry_plan_alert_days,
        _("A release this close without a re-entry plan raises an alert."),
    )
    housing_alert_days = _setting(
        _("days before release housing must be secured"),
        default_housing_alert_days,
        _("A release this close without secured housing raises an alert."),
    )
    review_months = _setting(
        _("months between progress reviews"),
        default_review_months,
        _("Progress reviews fall due this many months apart, after the intake review."),
        most=24,
    )
    referral_wait_days = _setting(
        _("days a referral may wait"),
        default_referral_wait_days,
        _("Referrals waiting longer than this stand out in the coordinator's inbox."),
    )
    expiry_warning_days = _setting(
        _("days of warning before a check or sign-off runs out"),
        default_expiry_warning_days,
        _(
            "Screening checks and training sign-offs that run out within this many days are "
            "flagged."
        ),
    )
    supervision_days = _setting(
        _("days between coach supervision sessions"),
        default_supervision_days,
        _("A mentor not supervised for this many days is overdue for supervision."),
    )
    triage_hours_high = _setting(
        _("hours a high concern may wait for triage"),
        24,
        _(
            "A concern raised as high that no coordinator has triaged after this many hours "
            "raises an alert on every home page that can act on it, and by e-mail."
        ),
        most=168,
    )
    triage_minutes_immediate = _setting(
        _("minutes a concern of immediate danger may wait for triage"),
        60,
        _("The same for a concern raised as immediate danger, counted in minutes."),
        most=1440,
    )
    pool_draft_days = _setting(
        _("days a closed pool draft is kept"),
        default_pool_draft_days,
        _("Confirmed and discarded pool drafts are removed this many days after they closed."),
    )

    mentors_see_disclosures = models.BooleanField(
        _("mentors see that a disclosure was made"),
        default=False,
        help_text=_(
            "If ticked, a mentorship's mentor and coach see that information about their mentee "
            "was disclosed to an agency, when and to whom, never what. Off by default: a "
            "mentee who learns that their mentor reports to the security service stops talking."
        ),
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-is_default", "name", "id"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_programme"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProgrammeMembership(models.Model):
    """A person takes part in a programme in one role (a mentor who also coaches holds two)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="programme_memberships"
    )
    role = models.CharField(
        _("role"), max_length=16, choices=[(r.value, r.label) for r in MEMBER_ROLES]
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["programme", "role", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["programme", "user", "role"], name="one_membership_per_role"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.programme}"


class ProgrammeChange(models.Model):
    """One change of a programme (a setting, its description or status, a membership): who,
    when, what, from which value to which. Stored as codes and values, worded when shown."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        DETAILS = "details", _("Details")
        SETTING = "setting", _("Setting")
        MEMBER_ADDED = "member_added", _("Member added")
        MEMBER_REMOVED = "member_removed", _("Member removed")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The setting or detail's field name, or the member's role.
    field = models.CharField(max_length=40, blank=True)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.field} of {self.programme}"
