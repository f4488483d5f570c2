"""The working group: the agencies that coordinate the programme (the ministry, the security
service…), its people, its meetings and their minutes, and the actions it agrees.

A meeting's agenda is built from the concerns escalated to the working group, the
programme's matters and the open actions. A case appears on it under a pseudonymous
reference ("Case 2026-014"); a liaison sees a case item only while their agency holds a
readable disclosure about the person, and reads the case itself only in that disclosure.
Once the chair approves the minutes they are read-only (docs/decisions/0028)."""

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Organisation
from backontrack.concerns.models import Concern
from backontrack.core.fields import EncryptedTextField
from backontrack.core.models import RowKeyed
from backontrack.mentees.models import Mentee
from backontrack.programmes.models import Programme


class WorkingGroup(models.Model):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    # The member agencies are the organisations disclosures go to (accounts.Organisation).
    agencies = models.ManyToManyField(
        Organisation, verbose_name=_("member agencies"), related_name="working_groups"
    )
    # The agencies' people: their liaisons, and the programme's coordinators.
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="working_groups"
    )
    # A coordinator of the programme; the group's meetings are planned with them as chair.
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["name", "id"]
        verbose_name = _("working group")

    def __str__(self) -> str:
        return self.name


class GroupChange(models.Model):
    """One change of a group (set up, renamed, a new chair, an agency or a person joining or
    leaving, a leaver's open actions passed on): who, when, what. Stored as codes and
    references, worded in the reader's language when shown."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Set up")
        RENAMED = "renamed", _("Renamed")
        CHAIR = "chair", _("New chair")
        AGENCY_ADDED = "agency_added", _("Agency joined")
        AGENCY_REMOVED = "agency_removed", _("Agency left")
        MEMBER_ADDED = "member_added", _("Person joined")
        MEMBER_REMOVED = "member_removed", _("Person left")
        ACTIONS_PASSED = "actions_passed", _("Open actions passed on")

    group = models.ForeignKey(WorkingGroup, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The person who joined, left or chairs now, or whose open actions were passed on.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    # The chair before, or whom a leaver's open actions passed to.
    other = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", null=True)
    # The name before and after a renaming; how many actions were passed on.
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} of working group {self.group_id}"


class CaseReference(models.Model):
    """The pseudonymous name under which a person's case is on the group's agendas, the
    same at every meeting: "Case 2026-014"."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.PROTECT, related_name="+")
    mentee = models.ForeignKey(Mentee, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    number = models.PositiveIntegerField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["group", "mentee"], name="one_reference_per_case"),
            models.UniqueConstraint(fields=["group", "year", "number"], name="unique_reference"),
        ]

    def __str__(self) -> str:
        return str(
            _("Case %(year)s-%(number)s") % {"year": self.year, "number": f"{self.number:03d}"}
        )


class GroupMeeting(models.Model):
    group = models.ForeignKey(
        WorkingGroup,
        verbose_name=_("working group"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    held_on = models.DateField(_("date"))
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), related_name="+", blank=True
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Who wrote any of the minutes (an item's summary and decisions, an action agreed): the
    # minutes are approved by someone who is none of them (access.can_approve_minutes).
    minute_takers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("minute takers"), related_name="+", blank=True
    )
    planned_at = models.DateTimeField(default=timezone.now)
    minutes_approved_at = models.DateTimeField(_("minutes approved"), null=True, blank=True)
    minutes_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("minutes approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["-held_on", "-id"]
        verbose_name = _("working-group meeting")
        indexes: ClassVar = [models.Index(fields=["group", "held_on"])]

    def __str__(self) -> str:
        return f"working-group meeting {self.pk}"

    @property
    def minutes_approved(self) -> bool:
        return self.minutes_approved_at is not None

    def has_been_held(self, today: date | None = None) -> bool:
        return self.held_on <= (today or timezone.localdate())


class ItemKind(models.TextChoices):
    CASE = "case", _("Escalated concern")
    MATTER = "matter", _("Programme matter")
    ACTIONS = "actions", _("Open actions")


class AgendaItem(RowKeyed):
    meeting = models.ForeignKey(GroupMeeting, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    # A case item: the concern escalated to the working group, and the case's reference.
    concern = models.ForeignKey(
        Concern,
        verbose_name=_("concern"),
        on_delete=models.PROTECT,
        related_name="agenda_items",
        null=True,
        blank=True,
    )
    case = models.ForeignKey(
        CaseReference,
        verbose_name=_("case reference"),
        on_delete=models.PROTECT,
        related_name="items",
        null=True,
        blank=True,
    )
    title = EncryptedTextField(_("title"), blank=True)
    summary = EncryptedTextField(_("discussion summary"), blank=True)
    decisions = EncryptedTextField(_("decisions"), blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["position", "id"]
        verbose_name = _("agenda item")

    def __str__(self) -> str:
        return f"agenda item {self.pk}"

    def heading(self) -> str:
        """The item as the agenda names it: a case by its reference and the concern's
        category, never the person."""
        if self.kind == ItemKind.CASE and self.case is not None and self.concern is not None:
            return f"{self.case}: {self.concern.get_category_display()}"
        if self.kind == ItemKind.ACTIONS:
            return str(ItemKind.ACTIONS.label)
        return self.title


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class GroupAction(RowKeyed):
    """An action the group agreed on an agenda item: owned by a person or by an agency
    (whose liaisons answer for it), with a due date."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="actions")
    description = EncryptedTextField(_("action"))
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (person)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    owner_agency = models.ForeignKey(
        Organisation,
        verbose_name=_("owner (agency)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agreed_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["due_on", "id"]
        verbose_name = _("working-group action")
        indexes: ClassVar = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["owner_agency", "status"]),
        ]

    def __str__(self) -> str:
        return f"working-group action {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    def is_overdue(self, today: date | None = None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())

    def owner(self) -> str:
        person = self.owner_user
        if person is not None:
            return person.get_full_name() or person.username
        return str(self.owner_agency or "")
