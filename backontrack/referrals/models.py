from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backontrack.core.fields import EncryptedBooleanField, EncryptedTextField
from backontrack.core.models import RowKeyed
from backontrack.core.wording import Wording, in_words, with_typed
from backontrack.mentees.models import Mentee
from backontrack.programmes.models import Programme


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    SCREENING = "screening", _("Being screened")
    ELIGIBLE = "eligible", _("Eligible")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    ACCEPTED = "accepted", _("Accepted")
    MATCHED = "matched", _("Matched with a mentor")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = [Status.RECEIVED, Status.SCREENING, Status.ELIGIBLE, Status.ACCEPTED]


class HateCrimeMotive(models.TextChoices):
    ETHNICITY = "ethnicity", _("Ethnicity")
    POLITICAL = "political", _("Political persuasion")
    SEXUAL_ORIENTATION = "sexual_orientation", _("Sexual orientation")
    RELIGION = "religion", _("Religion")
    DISABILITY = "disability", _("Disability")
    GENDER_IDENTITY = "gender_identity", _("Gender identity")
    OTHER = "other", _("Other")


class Orientation(models.TextChoices):
    RIGHT_WING = "right_wing", _("Right-wing")
    LEFT_WING = "left_wing", _("Left-wing")
    RELIGIOUS = "religious", _("Religiously motivated")
    OTHER = "other", _("Other")
    MIXED = "mixed", _("Mixed or unclear")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Referral(RowKeyed):
    """A person referred to the programme by prison or probation staff."""

    mentee = models.ForeignKey(Mentee, on_delete=models.PROTECT, related_name="referrals")
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="referrals"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    # The name as the referrer gave it. The referrer is shown this, never the register's
    # record, so a referral cannot be used to look up who holds a personal ID number.
    referred_name = EncryptedTextField(_("name given by the referrer"), max_length=201)
    referring_unit = EncryptedTextField(_("referring unit"), max_length=200)
    referred_on = models.DateField(_("date of referral"))
    reason = EncryptedTextField(_("reason for the referral"))
    # The criteria and the orientation are special-category data: encrypted, so they are
    # filtered in Python over a bounded set of rows (see referrals.views.referral_inbox).
    charged_with_terrorism = EncryptedBooleanField(_("charged with terrorism"), default=False)
    convicted_of_terrorism = EncryptedBooleanField(_("convicted of terrorism"), default=False)
    hate_crime = EncryptedBooleanField(_("hate-crime-aggravated offence"), default=False)
    hate_crime_motive = EncryptedTextField(
        _("hate-crime motive"), max_length=32, choices=HateCrimeMotive.choices, blank=True
    )
    vulnerable = EncryptedBooleanField(_("vulnerable to radicalisation"), default=False)
    vulnerability_rationale = EncryptedTextField(_("why vulnerable"), blank=True)
    orientation = EncryptedTextField(
        _("extremism orientation"), max_length=32, choices=Orientation.choices
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    status_changed_at = models.DateTimeField(_("status changed"))
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["referred_on", "id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes: ClassVar = [
            models.Index(fields=["status", "referred_on"]),
            models.Index(fields=["referred_by", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.mentee} ({self.referred_on})"

    def criteria_labels(self) -> list[str]:
        labels = []
        if self.charged_with_terrorism:
            labels.append(str(_("Charged with terrorism")))
        if self.convicted_of_terrorism:
            labels.append(str(_("Convicted of terrorism")))
        if self.hate_crime:
            labels.append(
                str(_("Hate crime: %(motive)s") % {"motive": self.get_hate_crime_motive_display()})
            )
        if self.vulnerable:
            labels.append(str(_("Vulnerable to radicalisation")))
        return labels


class ReferralTransition(RowKeyed):
    """One move in a referral's life: who, when, from where to where, and why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField()
    # Why, when the system says it (a code of TRANSITION_WORDINGS); `reason` is typed text.
    reason_code = models.CharField(max_length=24, blank=True)
    reason = EncryptedTextField(blank=True)

    class Meta:
        ordering: ClassVar = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"

    def reason_text(self) -> str:
        """Why, in the reader's language: what the system says, then what a person typed."""
        said = in_words(TRANSITION_WORDINGS, self.reason_code, {})
        return with_typed(said or "", self.reason)


# What the system writes into a referral's history, put into words when shown.
TRANSITION_WORDINGS: dict[str, Wording] = {
    "consent_withdrawn": Wording(_("The mentee withdrew their consent to take part.")),
}


class Finding(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    NOT_CONFIRMED = "not_confirmed", _("Does not apply")
    UNCLEAR = "unclear", _("Unclear — more information needed")


class NotEligibleReason(models.TextChoices):
    OUTSIDE_TARGET_GROUP = "outside_target_group", _("Outside the target group")
    ALREADY_IN_PROGRAMME = "already_in_programme", _("Already in the programme")
    RELEASED_OR_TRANSFERRED = "released_or_transferred", _("Released or transferred")
    SECURITY = "security", _("Security reasons")
    OTHER = "other", _("Other")


class Screening(RowKeyed):
    """The coordinator's eligibility screening of one referral: a finding and the evidence
    for each criterion, the recommendation the rules gave, and the decision."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="screening")
    charged_finding = models.CharField(
        _("charged with terrorism"), max_length=16, choices=Finding.choices
    )
    charged_evidence = EncryptedTextField(_("evidence"), blank=True)
    convicted_finding = models.CharField(
        _("convicted of terrorism"), max_length=16, choices=Finding.choices
    )
    convicted_evidence = EncryptedTextField(_("evidence"), blank=True)
    conviction_date = models.DateField(_("date of conviction"), null=True, blank=True)
    hate_crime_finding = models.CharField(
        _("hate-crime-aggravated offence"), max_length=16, choices=Finding.choices
    )
    hate_crime_evidence = EncryptedTextField(_("evidence"), blank=True)
    vulnerability_finding = models.CharField(
        _("vulnerable to radicalisation"), max_length=16, choices=Finding.choices
    )
    vulnerability_evidence = EncryptedTextField(_("evidence"), blank=True)
    recommendation = models.CharField(_("recommendation"), max_length=16)
    decision = models.CharField(_("decision"), max_length=16, choices=Status.choices)
    overridden = models.BooleanField(_("decision differs from the recommendation"), default=False)
    override_reason = EncryptedTextField(_("why the decision differs"), blank=True)
    not_eligible_reason = models.CharField(
        _("reason code"), max_length=32, choices=NotEligibleReason.choices, blank=True
    )
    decision_note = EncryptedTextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["overridden"]),
            # The follow-ups due ask for the eligible screened within a range of days.
            models.Index(fields=["decision", "decided_at"]),
        ]

    def __str__(self) -> str:
        return f"screening of referral {self.referral_id}"
