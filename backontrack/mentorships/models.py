"""Mentorships. A match creates one in `proposed`; the mentorship issue takes it on from
there (activation, phases, meetings, closure)."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backontrack.mentees.models import Mentee
from backontrack.mentors.models import Mentor


class MentorshipStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")


# A mentorship in one of these takes a place in its mentor's capacity and its coach's.
OPEN_MENTORSHIP_STATUSES = (
    MentorshipStatus.PROPOSED,
    MentorshipStatus.ACTIVE,
    MentorshipStatus.PAUSED,
)


class Mentorship(models.Model):
    mentee = models.ForeignKey(
        Mentee, verbose_name=_("mentee"), on_delete=models.PROTECT, related_name="mentorships"
    )
    referral = models.OneToOneField(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentorship",
    )
    mentor = models.ForeignKey(
        Mentor, verbose_name=_("mentor"), on_delete=models.PROTECT, related_name="mentorships"
    )
    coach = models.ForeignKey(
        Mentor,
        verbose_name=_("supervising coach"),
        on_delete=models.PROTECT,
        related_name="coached_mentorships",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=MentorshipStatus.choices,
        default=MentorshipStatus.PROPOSED,
    )
    match_score = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")
        indexes: ClassVar = [
            models.Index(fields=["mentor", "status"]),
            models.Index(fields=["coach", "status"]),
            models.Index(fields=["mentee", "status"]),
        ]
        constraints: ClassVar = [
            # One mentorship at a time per person: a second one would widen who sees them.
            models.UniqueConstraint(
                fields=["mentee"],
                condition=models.Q(status__in=["proposed", "active", "paused"]),
                name="one_open_mentorship_per_mentee",
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentee} / {self.mentor}"
