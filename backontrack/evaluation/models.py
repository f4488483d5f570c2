"""Evaluation: what became of people 6, 12 and 24 months after their mentorship closed, and of
eligible people who were never matched (the comparison group).

A follow-up holds codes only, never free text: it is counted on the programme dashboard and
exported, pseudonymised, to evaluators (docs/decisions/0026-evaluation.md)."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Mentorship
from backontrack.programmes.models import Programme
from backontrack.referrals.models import Referral


class Point(models.IntegerChoices):
    SIX = 6, _("6 months")
    TWELVE = 12, _("12 months")
    TWENTY_FOUR = 24, _("24 months")


class Group(models.TextChoices):
    MENTORED = "mentored", _("Mentored (after closure)")
    COMPARISON = "comparison", _("Eligible, never matched")


class Reconviction(models.TextChoices):
    NONE = "none", _("None")
    OTHER = "other", _("Another offence")
    EXTREMISM = "extremism", _("Hate-crime or terrorism offence")
    UNKNOWN = "unknown", _("Unknown")


class Custody(models.TextChoices):
    IN_CUSTODY = "in_custody", _("In custody")
    ON_LICENCE = "on_licence", _("Conditionally released (on licence)")
    RELEASED = "released", _("Released, no conditions")
    UNKNOWN = "unknown", _("Unknown")


class Housing(models.TextChoices):
    SETTLED = "settled", _("Settled housing")
    TEMPORARY = "temporary", _("Temporary housing")
    HOMELESS = "homeless", _("Homeless")
    NOT_APPLICABLE = "in_custody", _("In custody")
    UNKNOWN = "unknown", _("Unknown")


class Occupation(models.TextChoices):
    WORK = "work", _("In work")
    EDUCATION = "education", _("In education")
    NEITHER = "neither", _("Neither")
    UNKNOWN = "unknown", _("Unknown")


class MilieuContact(models.TextChoices):
    NONE = "none", _("None")
    SOME = "some", _("Some")
    STRONG = "strong", _("Strong")
    UNKNOWN = "unknown", _("Unknown")


class Source(models.TextChoices):
    REGISTER = "register", _("Register")
    MENTOR = "mentor", _("Mentor")
    SELF_REPORT = "self_report", _("Self-report")


class FollowUp(models.Model):
    """One follow-up of one person at one point: of a closed mentorship, or of an eligible
    referral that was never matched."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    mentee = models.ForeignKey(Mentee, on_delete=models.PROTECT, related_name="+")
    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups"
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups"
    )
    group = models.CharField(_("group"), max_length=16, choices=Group.choices)
    months = models.PositiveSmallIntegerField(_("follow-up"), choices=Point.choices)
    due_on = models.DateField(_("due"))
    recorded_on = models.DateField(_("as of"))
    reconviction = models.CharField(_("reconviction"), max_length=16, choices=Reconviction.choices)
    custody = models.CharField(_("custody status"), max_length=16, choices=Custody.choices)
    housing = models.CharField(_("housing"), max_length=16, choices=Housing.choices)
    occupation = models.CharField(_("work or education"), max_length=16, choices=Occupation.choices)
    milieu_contact = models.CharField(
        _("contact with the extremist milieu"), max_length=16, choices=MilieuContact.choices
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["due_on", "id"]
        verbose_name = _("follow-up")
        indexes: ClassVar = [models.Index(fields=["programme", "due_on"])]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["mentorship", "months"],
                condition=models.Q(mentorship__isnull=False),
                name="one_follow_up_per_mentorship_and_point",
            ),
            models.UniqueConstraint(
                fields=["referral", "months"],
                condition=models.Q(referral__isnull=False),
                name="one_follow_up_per_referral_and_point",
            ),
            models.CheckConstraint(
                condition=models.Q(mentorship__isnull=False, referral__isnull=True)
                | models.Q(mentorship__isnull=True, referral__isnull=False),
                name="follow_up_of_a_mentorship_or_a_referral",
            ),
        ]

    def __str__(self) -> str:
        return f"follow-up {self.pk} at {self.months} months"


class DueFollowUp(models.Model):
    """A follow-up not recorded yet, of a closed mentorship or of a comparison referral, at one
    point: the day its months count from (the closure, or the screening's local day) and the
    day it falls due. Derived from the records by `followups.follow_ups_due_rebuild`, which
    every service that changes them calls (docs/decisions/0043-follow-ups-due-kept.md); which
    of them are listed on a day is asked of `counted_from` (`followups.listed`), so a day
    passing needs no write."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=16, choices=Group.choices)
    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    months = models.PositiveSmallIntegerField(choices=Point.choices)
    counted_from = models.DateField()
    due_on = models.DateField()

    class Meta:
        indexes: ClassVar = [models.Index(fields=["programme", "months", "counted_from"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(mentorship__isnull=False, referral__isnull=True)
                | models.Q(mentorship__isnull=True, referral__isnull=False),
                name="due_follow_up_of_a_mentorship_or_a_referral",
            ),
        ]

    def __str__(self) -> str:
        return f"follow-up due at {self.months} months"


class Measure(models.TextChoices):
    """What an indicator of the theory of change follows."""

    GOAL_AREA = "goal_area", _("Goals of an aim area achieved")
    REVIEW_ITEM = "review_item", _("Ratings of a review item")
    FOLLOW_UP = "follow_up", _("A follow-up outcome")


class Indicator(models.Model):
    """One indicator of a programme's theory of change: what the programme expects to change,
    and the figure that shows whether it does — a goal area, a review item or a follow-up
    outcome (`target`: the aim area's code, the item's code, or "field=value" of a follow-up).
    Programme configuration, not personal data: evaluators and liaisons read it in the report."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="indicators")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("what the programme expects"), max_length=1000, blank=True)
    measure = models.CharField(_("measure"), max_length=16, choices=Measure.choices)
    target = models.CharField(_("what it follows"), max_length=64)
    active = models.BooleanField(_("shown on the dashboard and in the report"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["programme", "name", "id"]
        verbose_name = _("indicator")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["programme", "name"], name="one_indicator_name")
        ]

    def __str__(self) -> str:
        return self.name
