"""Disclosures: a logged release of chosen sections of one person's case to one agency.

A coordinator proposes; a second coordinator (never the same person, whatever the account)
approves or refuses. On approval a frozen snapshot of exactly the chosen sections is stored,
encrypted; the recipient's liaisons read that snapshot, never the live case, until it expires
or the programme revokes it."""

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Organisation
from backontrack.core.fields import EncryptedTextField
from backontrack.core.models import RowKeyed
from backontrack.mentees.models import Mentee
from backontrack.programmes.models import Programme


class SectionKind(models.TextChoices):
    """What may be disclosed. A kind in REFERENCED names one record (the meeting whose
    summary is disclosed, the concern)."""

    IDENTITY = "identity", _("Identity")
    CUSTODY = "custody", _("Custody: status, institution and custody events")
    REFERRAL_CRITERIA = "referral_criteria", _("Referral criteria")
    MEETING_SUMMARY = "meeting_summary", _("Summary of a meeting")
    REENTRY = "reentry", _("Re-entry status: plan and needs")
    CONCERN = "concern", _("A concern")


REFERENCED = frozenset({SectionKind.MEETING_SUMMARY, SectionKind.CONCERN})


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")
    IMMEDIATE = "immediate", _("Immediate danger")


class Status(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for a second coordinator")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    REVOKED = "revoked", _("Revoked")
    WITHDRAWN = "withdrawn", _("Withdrawn by the proposer")


class Disclosure(RowKeyed):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    mentee = models.ForeignKey(
        Mentee, verbose_name=_("mentee"), on_delete=models.PROTECT, related_name="disclosures"
    )
    recipient = models.ForeignKey(
        Organisation,
        verbose_name=_("recipient agency"),
        on_delete=models.PROTECT,
        related_name="disclosures_received",
    )
    # The chosen sections as codes: [{"kind": "identity"}, {"kind": "meeting_summary",
    # "ref": 12}]. Which sections were disclosed is itself no case data.
    sections = models.JSONField(_("sections"), default=list)
    purpose = EncryptedTextField(_("purpose"))
    legal_basis = models.CharField(_("legal basis"), max_length=64)
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    decided_at = models.DateTimeField(_("decided"), null=True)
    refusal_reason = EncryptedTextField(_("reason for refusing"), blank=True)
    # JSON of the sections as they were on approval (disclosures/snapshot.py); never rebuilt.
    snapshot = EncryptedTextField(_("what was released"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True)
    revoke_reason = EncryptedTextField(_("reason for revoking"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["-proposed_at", "-id"]
        verbose_name = _("disclosure")
        indexes: ClassVar = [
            models.Index(fields=["recipient", "status", "expires_on"]),
            models.Index(fields=["programme", "status"]),
            models.Index(fields=["mentee", "proposed_at"]),
        ]

    def __str__(self) -> str:
        return f"disclosure {self.pk}"

    @property
    def reference(self) -> str:
        """How the disclosure is named without naming the person: "D-2026-0007"."""
        return f"D-{timezone.localtime(self.proposed_at).year}-{self.pk:04d}"

    def is_expired(self, today: date | None = None) -> bool:
        return self.expires_on < (today or timezone.localdate())

    @property
    def state(self) -> str:
        """The status, with an approved disclosure past its expiry date as "expired"."""
        if self.status == Status.APPROVED and self.is_expired():
            return "expired"
        return self.status

    def state_label(self) -> str:
        if self.state == "expired":
            return str(_("Expired"))
        return str(Status(self.status).label)

    def section_labels(self) -> list[str]:
        """The sections in words; one that names a record says which (its date)."""
        labels = []
        for section in self.sections:
            if section.get("kind") not in SectionKind.values:
                continue
            label = str(SectionKind(section["kind"]).label)
            if section.get("on"):
                on = date_format(date.fromisoformat(section["on"]), "SHORT_DATE_FORMAT")
                label = f"{label} ({on})"
            labels.append(label)
        return labels


class DisclosureRead(models.Model):
    """A liaison opened the disclosure: their inbox shows it as read from then on."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["disclosure", "reader"], name="one_read_per_reader")
        ]

    def __str__(self) -> str:
        return f"read of {self.disclosure_id} by {self.reader_id}"
