"""Lessons learned: what happened in a programme and what its people learned from it,
proposed by a mentor, coach or coordinator and discussed, adopted or declined by the
programme's coordinators. A lesson names nobody: its texts are checked against the names of
the programme's mentees and their networks when saved (services.names_in)."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Role
from backontrack.core.fields import EncryptedTextField
from backontrack.core.models import RowKeyed
from backontrack.programmes.models import Programme


class LessonStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    DISCUSSED = "discussed", _("Discussed")
    ADOPTED = "adopted", _("Adopted")
    DECLINED = "declined", _("Declined")


# The coordinators' moves: a proposed lesson is discussed (or declined at once); a discussed
# one is adopted or declined. Adopted and declined are final.
MOVES: dict[str, tuple[str, ...]] = {
    LessonStatus.PROPOSED: (LessonStatus.DISCUSSED, LessonStatus.DECLINED),
    LessonStatus.DISCUSSED: (LessonStatus.ADOPTED, LessonStatus.DECLINED),
}

# The roles a lesson is written in, as evaluators and liaisons see its author.
AUTHOR_ROLES = (Role.MENTOR, Role.COACH, Role.COORDINATOR)


class BuiltInTag(models.TextChoices):
    """The tags every programme has; a coordinator may add the programme's own."""

    TRAINING = "training", _("Training")
    CUSTODY = "custody", _("Custody")
    FAMILY = "family", _("Family and network")
    RE_ENTRY = "re_entry", _("Re-entry")
    COORDINATION = "coordination", _("Coordination")


class Tag(models.Model):
    """A built-in tag (`code` set, no programme; worded in the reader's language) or one a
    coordinator added to their programme (`name` as typed)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, null=True, blank=True, related_name="lesson_tags"
    )
    code = models.CharField(max_length=16, choices=BuiltInTag.choices, blank=True)
    name = models.CharField(_("name"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["programme_id", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="one_built_in_tag_per_code"
            ),
            models.UniqueConstraint(
                fields=["programme", "name"], name="one_tag_name_per_programme"
            ),
        ]

    def __str__(self) -> str:
        if self.code in BuiltInTag.values:
            return str(BuiltInTag(self.code).label)
        return self.name


class Lesson(RowKeyed):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="lessons"
    )
    title = EncryptedTextField(_("title"))
    what_happened = EncryptedTextField(_("what happened"))
    what_we_learned = EncryptedTextField(_("what we learned"))
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), related_name="lessons", blank=True)
    # When it happened, if the lesson is about a time (a lockdown, a release round).
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=LessonStatus.choices, default=LessonStatus.PROPOSED
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="lessons",
    )
    author_role = models.CharField(
        _("written as"), max_length=16, choices=[(r.value, r.label) for r in AUTHOR_ROLES]
    )
    # The name check found a word like a name in the programme, and the author confirmed it
    # is not a person: the coordinator reads it with that in mind before adopting.
    names_confirmed = models.BooleanField(default=False)
    proposed_on = models.DateField(_("proposed on"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["-proposed_on", "-id"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        indexes: ClassVar = [
            models.Index(fields=["programme", "status", "proposed_on"]),
            models.Index(fields=["programme", "author_role"]),
            models.Index(fields=["programme", "status", "decided_on"]),
        ]

    def __str__(self) -> str:
        return f"lesson {self.pk}"


class LessonVersion(RowKeyed):
    """What a lesson said before its author changed it: every earlier wording is kept."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = EncryptedTextField()
    what_happened = EncryptedTextField()
    what_we_learned = EncryptedTextField()
    tags = models.JSONField(default=list)  # the tag ids it had
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["lesson", "-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["lesson", "number"], name="one_lesson_version_number")
        ]

    def __str__(self) -> str:
        return f"version {self.number} of lesson {self.lesson_id}"


class LessonChange(RowKeyed):
    """One line of a lesson's history, kept as a code and its parameters and worded in the
    reader's language when shown (history.py); the coordinator's note as typed."""

    class Kind(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        EDITED = "edited", _("Edited")
        MOVED = "moved", _("Status changed")

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    params = models.JSONField(default=dict)
    note = EncryptedTextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} of lesson {self.lesson_id}"
