"""The mentee's family and social network, and how the mentorship involves them.

A network member is only ever contacted with two consents in force: the mentee's, to
involve this person (on top of the mentee's general consent to contacting family and
network), and the member's own. A withdrawal of either is dated and kept."""

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backontrack.core.fields import EncryptedTextField
from backontrack.core.models import RowKeyed
from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Phase


class Relation(models.TextChoices):
    PARENT = "parent", _("Parent")
    PARTNER = "partner", _("Partner")
    SIBLING = "sibling", _("Sibling")
    CHILD = "child", _("Child")
    FRIEND = "friend", _("Friend")
    RELIGIOUS = "religious", _("Religious figure")
    EMPLOYER = "employer", _("Employer")
    TEACHER = "teacher", _("Teacher")
    OTHER = "other", _("Other")


class Influence(models.TextChoices):
    SUPPORTIVE = "supportive", _("Supportive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")
    EXTREMIST = "extremist", _("Extremist-affiliated")


class Closeness(models.TextChoices):
    CLOSE = "close", _("Close")
    SOME = "some", _("Some contact")
    DISTANT = "distant", _("Distant")


class WithdrawnBy(models.TextChoices):
    MENTEE = "mentee", _("The mentee")
    MEMBER = "member", _("The person themselves")


class NetworkMember(RowKeyed):
    mentee = models.ForeignKey(Mentee, on_delete=models.CASCADE, related_name="network")
    name = EncryptedTextField(_("name"))
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    influence = models.CharField(_("influence"), max_length=16, choices=Influence.choices)
    closeness = models.CharField(
        _("how close"), max_length=8, choices=Closeness.choices, default=Closeness.SOME
    )
    contact_details = EncryptedTextField(_("contact details"), blank=True)
    mentee_consent_on = models.DateField(_("the mentee agreed to involve them on"), null=True)
    member_consent_on = models.DateField(_("they agreed to be contacted on"), null=True)
    consent_withdrawn_on = models.DateField(_("consent withdrawn on"), null=True)
    consent_withdrawn_by = models.CharField(
        _("withdrawn by"), max_length=8, choices=WithdrawnBy.choices, blank=True
    )
    notes = EncryptedTextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["id"]
        verbose_name = _("network member")
        indexes: ClassVar = [models.Index(fields=["mentee", "consent_withdrawn_on"])]

    def __str__(self) -> str:
        return f"network member {self.pk}"

    def consents_on(self, day: date) -> bool:
        """Both the mentee and the member had agreed by `day`, and neither had withdrawn."""
        return (
            self.mentee_consent_on is not None
            and self.member_consent_on is not None
            and max(self.mentee_consent_on, self.member_consent_on) <= day
            and (self.consent_withdrawn_on is None or day < self.consent_withdrawn_on)
        )

    @property
    def consent_state(self) -> str:
        """withdrawn, given (both) or missing (one or both not yet)."""
        if self.consent_withdrawn_on is not None:
            return "withdrawn"
        if self.mentee_consent_on and self.member_consent_on:
            return "given"
        return "missing"


class Involvement(RowKeyed):
    """The mentorship involving a network member: a family meeting, a visit, a call, a joint
    meeting with the mentee. Recorded only with consent in force."""

    class Kind(models.TextChoices):
        FAMILY_MEETING = "family_meeting", _("Family meeting")
        VISIT = "visit", _("Visit")
        CALL = "call", _("Call")
        JOINT_MEETING = "joint_meeting", _("Joint meeting with the mentee")

    mentorship = models.ForeignKey(
        "mentorships.Mentorship", on_delete=models.CASCADE, related_name="involvements"
    )
    member = models.ForeignKey(NetworkMember, on_delete=models.CASCADE, related_name="involvements")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, blank=True)
    meeting = models.ForeignKey(
        "mentorships.Meeting",
        verbose_name=_("meeting"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="involvements",
    )
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-occurred_on", "-id"]
        indexes: ClassVar = [models.Index(fields=["mentorship", "occurred_on"])]

    def __str__(self) -> str:
        return f"involvement {self.pk}"
