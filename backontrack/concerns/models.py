"""Concerns: what a mentor, a coach or a coordinator notices on a mentorship — signs of
radicalisation, a threat, self-harm, pressure from the milieu — recorded so that it reaches a
coordinator fast and is never lost.

A concern moves `raised → triaged → escalated → resolved`, or is closed with no action and a
reason. Nothing is deleted: a correction of what was observed keeps the earlier text as a
revision, and every move is a line of the concern's history (a code and its parameters, put
into words in the reader's language)."""

from datetime import datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backontrack.core.fields import EncryptedTextField
from backontrack.core.models import RowKeyed
from backontrack.core.wording import Wording, in_words
from backontrack.mentorships.models import Mentorship


class Category(models.TextChoices):
    RADICALISATION = "radicalisation", _("Signs of radicalisation")
    THREAT = "threat", _("Threat of violence")
    SAFEGUARDING = "safeguarding", _("Safeguarding or self-harm")
    CUSTODY_SECURITY = "custody_security", _("Security in custody")
    MENTOR_SAFETY = "mentor_safety", _("Mentor safety")
    BOUNDARY = "boundary", _("Boundary breach")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    IMMEDIATE = "immediate", _("Immediate danger")


# Most severe first: the order of every list of concerns.
SEVERITY_RANK = {Severity.IMMEDIATE: 0, Severity.HIGH: 1, Severity.MEDIUM: 2, Severity.LOW: 3}
# The severities whose triage has a limit (the programme's settings).
TIMED = (Severity.HIGH, Severity.IMMEDIATE)


class ConcernStatus(models.TextChoices):
    RAISED = "raised", _("Raised, waiting for triage")
    TRIAGED = "triaged", _("Triaged")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed, no action")


OPEN_CONCERN_STATUSES = (ConcernStatus.RAISED, ConcernStatus.TRIAGED, ConcernStatus.ESCALATED)


class EscalationTarget(models.TextChoices):
    WORKING_GROUP = "working_group", _("The working group")
    AGENCY = "agency", _("An agency")


def triage_limit(severity: str, programme: object) -> timedelta | None:
    """How long a concern of this severity may wait for triage in the programme; None when
    there is no limit (low and medium)."""
    if severity == Severity.IMMEDIATE:
        return timedelta(minutes=programme.triage_minutes_immediate)  # type: ignore[attr-defined]
    if severity == Severity.HIGH:
        return timedelta(hours=programme.triage_hours_high)  # type: ignore[attr-defined]
    return None


def agency_routes() -> dict[str, str]:
    """The named agency routes of this installation (settings), code → name."""
    return {code: str(label) for code, label in settings.BACKONTRACK_AGENCY_ROUTES}


class Concern(RowKeyed):
    mentorship = models.ForeignKey(
        Mentorship,
        verbose_name=_("mentorship"),
        on_delete=models.PROTECT,
        related_name="concerns",
    )
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    raised_severity = models.CharField(
        _("severity when raised"), max_length=16, choices=Severity.choices
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ConcernStatus.choices, default=ConcernStatus.RAISED
    )
    observed_at = models.DateTimeField(_("observed"))
    facts = EncryptedTextField(_("what was observed (facts)"))
    assessment = EncryptedTextField(_("your assessment"), blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    # Triage by a coordinator of the programme.
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    triage_assessment = EncryptedTextField(_("the coordinator's assessment"), blank=True)
    next_step = EncryptedTextField(_("next step"), blank=True)
    # Escalation: to the working group (which picks escalated concerns up) or an agency.
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    escalation_target = models.CharField(
        _("escalated to"), max_length=16, choices=EscalationTarget.choices, blank=True
    )
    agency_route = models.CharField(_("agency"), max_length=32, blank=True)
    passed_on = EncryptedTextField(_("what was passed on"), blank=True)
    passed_on_at = models.DateTimeField(_("passed on"), null=True, blank=True)
    # The end: resolved with an outcome, or closed with no action and the reason.
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    outcome = EncryptedTextField(_("outcome"), blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["-raised_at", "-id"]
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        indexes: ClassVar = [
            # The coordinator's untriaged concerns and the alerts filter on these.
            models.Index(fields=["status", "severity", "raised_at"]),
            models.Index(fields=["mentorship", "raised_at"]),
        ]

    def __str__(self) -> str:
        return f"concern {self.pk}"

    @property
    def recorded_at(self) -> datetime:
        """When it was written (the timeline orders a day's entries by it)."""
        return self.raised_at

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CONCERN_STATUSES

    def triage_due_at(self) -> datetime | None:
        """When triage is due by the programme's limit; None without a limit or once triaged."""
        if self.status != ConcernStatus.RAISED:
            return None
        limit = triage_limit(self.severity, self.mentorship.programme)
        return self.raised_at + limit if limit is not None else None

    def triage_overdue(self, now: datetime | None = None) -> bool:
        due = self.triage_due_at()
        return due is not None and (now or timezone.now()) > due

    def agency_label(self) -> str:
        return agency_routes().get(self.agency_route, self.agency_route)

    def escalated_to(self) -> str:
        if self.escalation_target == EscalationTarget.AGENCY:
            return self.agency_label()
        return str(self.get_escalation_target_display()) if self.escalation_target else ""


class ConcernRevision(RowKeyed):
    """What was observed, as it read before its author corrected it."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="revisions")
    facts = EncryptedTextField()
    assessment = EncryptedTextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"revision of concern {self.concern_id}"


class ConcernEvent(models.Model):
    """One line of a concern's history: who, when, and what happened, as a code of
    EVENT_WORDINGS and its parameters."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="events")
    code = models.CharField(max_length=32)
    params = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["occurred_at", "id"]
        indexes: ClassVar = [models.Index(fields=["concern", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.code} of concern {self.concern_id}"

    def text(self) -> str:
        params = dict(self.params)
        if "route" in params:
            params["route"] = agency_routes().get(str(params["route"]), str(params["route"]))
        return in_words(EVENT_WORDINGS, self.code, params) or self.code


EVENT_WORDINGS = {
    "raised": Wording(
        _("Raised as %(severity)s: %(category)s."),
        choices={"severity": Severity, "category": Category},
    ),
    "corrected": Wording(_("What was observed was corrected; the earlier text is kept.")),
    "triaged": Wording(_("Triaged as %(severity)s."), choices={"severity": Severity}),
    "triaged_changed": Wording(
        _("Triaged: severity changed from %(from)s to %(severity)s."),
        choices={"from": Severity, "severity": Severity},
    ),
    "escalated_working_group": Wording(_("Escalated to the working group.")),
    "escalated_agency": Wording(_("Escalated to %(route)s.")),
    "resolved": Wording(_("Resolved.")),
    "closed": Wording(_("Closed with no action.")),
}
