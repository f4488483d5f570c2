"""Coach supervision: a coach's sessions with one mentor or a group of the mentors they
supervise, each mentor's wellbeing and workload at the session, the mentorships discussed
with the guidance given (encrypted, facts apart from assessment) and the actions agreed.

Nothing here is ever deleted: a correction keeps the session as it was (SessionRevision)."""

from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backontrack.core.fields import EncryptedTextField
from backontrack.core.models import RowKeyed

# A score from 1 (low) to 5 (high); None is "prefer not to say".
SCORES = range(1, 6)
# Emotional strain at or above this, at two sessions in a row, alerts the coordinator.
HIGH_STRAIN = 4


# The wellbeing questions: (field, label, what 1 and 5 mean).
QUESTIONS = (
    ("workload", _("Workload"), _("1 light, 5 very heavy")),
    ("strain", _("Emotional strain"), _("1 low, 5 very high")),
    ("supported", _("Feeling supported"), _("1 not at all, 5 fully")),
    ("safe", _("Feeling safe"), _("1 not at all, 5 fully")),
)


class Format(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")
    GROUP = "group", _("Group")


class Session(RowKeyed):
    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.PROTECT, related_name="supervision_sessions"
    )
    coach = models.ForeignKey(
        "mentors.Mentor",
        verbose_name=_("coach"),
        on_delete=models.PROTECT,
        related_name="supervision_sessions_held",
    )
    held_on = models.DateField(_("date"))
    format = models.CharField(_("format"), max_length=16, choices=Format.choices)
    next_on = models.DateField(_("next session"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["-held_on", "-id"]
        verbose_name = _("supervision session")
        indexes: ClassVar = [
            models.Index(fields=["coach", "held_on"]),
            models.Index(fields=["programme", "held_on"]),
        ]

    def __str__(self) -> str:
        return f"supervision {self.held_on}"


class Participant(RowKeyed):
    """One mentor at a session, with their wellbeing and workload then and whether they
    confirmed the session's record."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="participants")
    mentor = models.ForeignKey(
        "mentors.Mentor", on_delete=models.PROTECT, related_name="supervision_participations"
    )
    workload = models.PositiveSmallIntegerField(_("workload"), null=True, blank=True)
    strain = models.PositiveSmallIntegerField(_("emotional strain"), null=True, blank=True)
    supported = models.PositiveSmallIntegerField(_("feeling supported"), null=True, blank=True)
    safe = models.PositiveSmallIntegerField(_("feeling safe"), null=True, blank=True)
    caseload = models.PositiveSmallIntegerField(_("caseload"))
    hours = models.PositiveSmallIntegerField(_("hours since the last session"), null=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["session", "mentor__last_name", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["session", "mentor"], name="one_part_per_mentor")
        ]
        indexes: ClassVar = [models.Index(fields=["mentor", "session"])]

    def __str__(self) -> str:
        return f"{self.mentor} at {self.session}"

    def scores(self) -> list[tuple[str, int | None]]:
        """Each question's label and score (None: prefer not to say), in the form's order."""
        return [(str(label), getattr(self, name)) for name, label, _hint in QUESTIONS]


class Discussion(RowKeyed):
    """A mentorship discussed with its mentor at a session: what was discussed (facts) and
    the coach's guidance (assessment), each encrypted."""

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="discussions"
    )
    mentorship = models.ForeignKey(
        "mentorships.Mentorship", on_delete=models.PROTECT, related_name="supervision_discussions"
    )
    facts = EncryptedTextField(_("what was discussed (facts)"), blank=True)
    guidance = EncryptedTextField(_("guidance given (assessment)"), blank=True)

    class Meta:
        ordering: ClassVar = ["participant", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["participant", "mentorship"], name="one_discussion_per_mentorship"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["mentorship", "participant"])]

    def __str__(self) -> str:
        return f"discussion of mentorship {self.mentorship_id}"

    @property
    def recorded_at(self) -> datetime:
        """When the session was recorded (the timeline orders a day's entries by it)."""
        return self.participant.session.recorded_at


class Owner(models.TextChoices):
    MENTOR = "mentor", _("The mentor")
    COACH = "coach", _("The coach")


class AgreedAction(RowKeyed):
    """An action agreed with a mentor at a session, owned by the mentor or the coach; open
    until its owner or the coach marks it done."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="actions")
    text = EncryptedTextField(_("action"))
    owner = models.CharField(_("owner"), max_length=8, choices=Owner.choices)
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering: ClassVar = ["due_on", "id"]
        indexes: ClassVar = [models.Index(fields=["participant", "done_at"])]

    def __str__(self) -> str:
        return f"action {self.pk}"

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_on < timezone.localdate()


class SessionRevision(RowKeyed):
    """The session as it was before a correction (its parts, wellbeing and guidance as
    encrypted JSON), with who corrected it and why."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="revisions")
    earlier = EncryptedTextField()
    reason = EncryptedTextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"revision of session {self.session_id}"
