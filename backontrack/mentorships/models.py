"""Mentorships. A match creates one in `proposed`; the mentorship issue takes it on from
there (activation, phases, meetings, closure)."""

from datetime import date, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backontrack.core.fields import EncryptedTextField
from backontrack.core.models import RowKeyed
from backontrack.core.wording import Wording, in_words, with_typed
from backontrack.mentees.models import CustodyEvent, Mentee
from backontrack.mentors.models import Mentor
from backontrack.programmes.models import Programme


class MentorshipStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")


class Phase(models.TextChoices):
    REMAND = "remand", _("Remand")
    SENTENCE = "sentence", _("Sentence")
    RE_ENTRY = "re_entry", _("Re-entry")
    AFTERCARE = "aftercare", _("Aftercare")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Every month")


class ClosureType(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    ENDED_EARLY = "ended_early", _("Ended early")
    CANCELLED = "cancelled", _("Cancelled before it started")


class ExitInterview(models.TextChoices):
    HELD = "held", _("Held")
    DECLINED = "declined", _("Declined")
    NOT_POSSIBLE = "not_possible", _("Not possible")


class AfterContact(models.TextChoices):
    NONE = "none", _("No contact")
    THROUGH_PROGRAMME = "programme", _("Only through the programme")
    AGREED = "agreed", _("Contact as agreed between them")


class ReallocationReason(models.TextChoices):
    MENTOR_LEFT = "mentor_left", _("The mentor left or paused")
    CONFLICT = "conflict", _("Conflict between mentor and mentee")
    TRANSFER = "transfer", _("Transfer to a distant institution")
    MENTEE_REQUEST = "mentee_request", _("The mentee asked for another mentor")
    OTHER = "other", _("Other")


class AimArea(models.TextChoices):
    """The scheme's aim areas: what every goal works towards."""

    EVERYDAY = "everyday", _("Everyday life and conflicts")
    MOTIVATION = "motivation", _("Motivation for a crime-free life")
    RELATIONS = "relations", _("New relations outside criminal and extremist circles")
    FAMILY = "family", _("Family and network")
    RE_ENTRY = "re_entry", _("Re-entry: housing, education, work")


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Being worked on")
    ACHIEVED = "achieved", _("Achieved")
    PARTLY = "partly", _("Partly achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")
    DROPPED = "dropped", _("Dropped")


# A mentorship in one of these takes a place in its mentor's capacity and its coach's.
OPEN_MENTORSHIP_STATUSES = (
    MentorshipStatus.PROPOSED,
    MentorshipStatus.ACTIVE,
    MentorshipStatus.PAUSED,
)
# A mentorship in one of these goes on: meetings, check-ins and phase moves.
ONGOING = (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED)
# Pausing an active mentorship and resuming a paused one: the one move each way.
PAUSE_MOVES: dict[str, str] = {
    MentorshipStatus.ACTIVE: MentorshipStatus.PAUSED,
    MentorshipStatus.PAUSED: MentorshipStatus.ACTIVE,
}


class Mentorship(RowKeyed):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="mentorships"
    )
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
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    # Activation: the initial meeting and the signed mentorship agreement.
    initial_meeting_on = models.DateField(_("initial meeting"), null=True, blank=True)
    initial_meeting_with = models.CharField(
        _("present for the programme"), max_length=16, blank=True
    )
    agreement_signed_on = models.DateField(_("agreement signed"), null=True, blank=True)
    meeting_frequency = models.CharField(
        _("how often to meet"), max_length=16, choices=Frequency.choices, blank=True
    )
    planned_months = models.PositiveSmallIntegerField(_("planned duration (months)"), null=True)
    roles_agreed = EncryptedTextField(_("roles agreed"), blank=True)
    safety_rules = EncryptedTextField(_("safety rules"), blank=True)
    # Closure.
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_type = models.CharField(
        _("how it ended"), max_length=16, choices=ClosureType.choices, blank=True
    )
    closure_reason = EncryptedTextField(_("why it ended"), blank=True)
    exit_interview_mentee = models.CharField(
        _("exit interview with the mentee"),
        max_length=16,
        choices=ExitInterview.choices,
        blank=True,
    )
    exit_interview_mentor = models.CharField(
        _("exit interview with the mentor"),
        max_length=16,
        choices=ExitInterview.choices,
        blank=True,
    )
    after_closure_contact = models.CharField(
        _("contact after closure"), max_length=16, choices=AfterContact.choices, blank=True
    )
    rematch_eligible = models.BooleanField(_("may be matched again"), null=True)
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
            # The dashboard and the report count closures and follow-ups by closure date.
            models.Index(fields=["programme", "closed_on"]),
            # The coordinator's home counts the programme's active mentorships.
            models.Index(fields=["programme", "status"]),
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


class MentorshipChange(RowKeyed):
    """One change of a mentorship's status or phase: who, when, from what to what, and why."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status")
        PHASE = "phase", _("Phase")
        MENTOR = "mentor", _("Mentor")
        COACH = "coach", _("Coach")
        PLAN = "plan", _("Plan")
        GOAL = "goal", _("Goal")
        REENTRY = "reentry", _("Re-entry plan")

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    from_value = models.CharField(max_length=201, blank=True)
    # A status or phase code, a goal's "status:id", the new mentor's or coach's name; for
    # the plan and the re-entry plan, a code of CHANGE_WORDINGS.
    to_value = models.CharField(max_length=201)
    # Why, when the system says it: a code of CHANGE_WORDINGS. `reason` is what a person
    # typed; the parameters serve both codes.
    reason_code = models.CharField(max_length=24, blank=True)
    params = models.JSONField(default=dict, blank=True)
    reason = EncryptedTextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    occurred_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["occurred_at", "id"]
        indexes: ClassVar = [models.Index(fields=["mentorship", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.kind}: {self.from_value} → {self.to_value}"

    def to_label(self) -> str:
        if self.kind == self.Kind.GOAL:
            status = self.to_value.split(":")[0]
            return str(GoalStatus(status).label) if status in GoalStatus.values else ""
        if self.kind in (self.Kind.PLAN, self.Kind.REENTRY):
            said = in_words(CHANGE_WORDINGS, self.to_value, self.params)
            return self.to_value if said is None else said  # older rows: as written
        if self.kind in (self.Kind.MENTOR, self.Kind.COACH):
            return self.to_value  # the new mentor's or coach's name, written at the change
        choices = MentorshipStatus if self.kind == self.Kind.STATUS else Phase
        return str(choices(self.to_value).label) if self.to_value in choices.values else ""

    def reason_text(self) -> str:
        """Why, in the reader's language: what the system says, then what a person typed."""
        return with_typed(
            in_words(CHANGE_WORDINGS, self.reason_code, self.params) or "", self.reason
        )


class Meeting(RowKeyed):
    class Kind(models.TextChoices):
        PRISON_VISIT = "prison_visit", _("Prison visit")
        PHONE = "phone", _("Phone")
        VIDEO = "video", _("Video")
        ACCOMPANIED_LEAVE = "accompanied_leave", _("Accompanied leave")
        COMMUNITY = "community", _("Meeting in the community")
        FAMILY = "family", _("Family or network meeting")

    class Outcome(models.TextChoices):
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("The mentee did not come")

    class NotHeldReason(models.TextChoices):
        LOCKDOWN = "lockdown", _("Lockdown")
        TRANSFER = "transfer", _("Transfer")
        DECLINED = "declined", _("The mentee declined")
        ILLNESS = "illness", _("Illness")
        MENTOR = "mentor", _("The mentor could not come")
        OTHER = "other", _("Other")

    class Engagement(models.TextChoices):
        HIGH = "high", _("Engaged")
        SOME = "some", _("Somewhat engaged")
        LOW = "low", _("Reluctant")
        NONE = "none", _("Not engaged")

    class Topic(models.TextChoices):
        EVERYDAY = "everyday", _("Everyday life and conflicts")
        MOTIVATION = "motivation", _("Motivation for a crime-free life")
        RELATIONS = "relations", _("New relations")
        FAMILY = "family", _("Family and network")
        RE_ENTRY = "re_entry", _("Re-entry: housing, education, work")
        IDEOLOGY = "ideology", _("Views, faith and ideology")
        WELLBEING = "wellbeing", _("Wellbeing")
        OTHER = "other", _("Other")

    class Participant(models.TextChoices):
        MENTEE = "mentee", _("Mentee")
        MENTOR = "mentor", _("Mentor")
        COACH = "coach", _("Coach")
        COORDINATOR = "coordinator", _("Coordinator")
        STAFF = "staff", _("Prison or probation staff")
        FAMILY = "family", _("Family or network")

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="meetings")
    occurred_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    outcome = models.CharField(
        _("did it take place?"), max_length=16, choices=Outcome.choices, default=Outcome.HELD
    )
    not_held_reason = models.CharField(
        _("why not"), max_length=16, choices=NotHeldReason.choices, blank=True
    )
    duration_minutes = models.PositiveSmallIntegerField(_("minutes"), null=True, blank=True)
    participants = models.JSONField(_("who took part"), default=list, blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    engagement = models.CharField(
        _("mentee engagement"), max_length=8, choices=Engagement.choices, blank=True
    )
    facts = EncryptedTextField(_("what happened (facts)"), blank=True)
    assessment = EncryptedTextField(_("your assessment"), blank=True)
    follow_up = EncryptedTextField(_("follow-up"), blank=True)
    goals: "models.ManyToManyField[Goal, Any]" = models.ManyToManyField(
        "Goal", verbose_name=_("goals worked on"), blank=True, related_name="meetings"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["-occurred_on", "-id"]
        verbose_name = _("meeting")
        indexes: ClassVar = [models.Index(fields=["mentorship", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"

    def topic_labels(self) -> list[str]:
        return [str(self.Topic(t).label) for t in self.topics if t in self.Topic.values]

    def participant_labels(self) -> list[str]:
        return [
            str(self.Participant(p).label)
            for p in self.participants
            if p in self.Participant.values
        ]


class MeetingRevision(RowKeyed):
    """The meeting as it was before a change made more than 48 hours after it was recorded,
    with why it was changed. The earlier content is kept encrypted as JSON."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="revisions")
    earlier = EncryptedTextField()
    reason = EncryptedTextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"revision of meeting {self.meeting_id}"


class CheckIn(RowKeyed):
    """The coordinator's check-in on a mentorship: twice in the first month, then monthly."""

    class How(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        PHONE = "phone", _("Phone")
        VIDEO = "video", _("Video")

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="checkins")
    occurred_on = models.DateField(_("date"))
    how = models.CharField(_("how"), max_length=8, choices=How.choices)
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-occurred_on", "-id"]
        indexes: ClassVar = [models.Index(fields=["mentorship", "occurred_on"])]

    def __str__(self) -> str:
        return f"check-in {self.occurred_on}"


class AlertWindow(models.Model):
    """The days on which one alert of an open mentorship holds: from `begins_on` up to the
    day before `ends_on` (with no end, until its records change). Derived from the records
    the rules read by `alerts.alert_windows_rebuild`, which every service that changes one
    of them calls; the days are kept rather than a flag so that a day passing needs no
    write. The home counts and picks the mentorships with an alert from these rows
    (decision 0038)."""

    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="alert_windows"
    )
    # The mentorship's, kept with it: a coordinator's count is a range of one programme's
    # windows, without joining the mentorships.
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    begins_on = models.DateField()
    ends_on = models.DateField(null=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["begins_on", "ends_on", "mentorship"]),
            models.Index(fields=["mentorship", "begins_on", "ends_on"]),
            models.Index(fields=["programme", "begins_on", "ends_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.begins_on} to {self.ends_on or ''}"


class SentAlert(models.Model):
    """An alert e-mailed to a person, so that send-alerts never sends it twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)
    sent_on = models.DateField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "key"], name="alert_sent_once")
        ]

    def __str__(self) -> str:
        return self.key


class Plan(RowKeyed):
    """The mentorship plan: the custody constraints it works within. Its goals hang off the
    mentorship. One plan per mentorship; edits are version-checked."""

    mentorship = models.OneToOneField(Mentorship, on_delete=models.CASCADE, related_name="plan")
    custody_constraints = EncryptedTextField(_("custody constraints"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    def __str__(self) -> str:
        return f"plan of mentorship {self.mentorship_id}"


class Goal(RowKeyed):
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="goals")
    area = models.CharField(_("aim area"), max_length=16, choices=AimArea.choices)
    title = EncryptedTextField(_("goal"))
    steps = EncryptedTextField(_("steps"), blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=GoalStatus.choices, default=GoalStatus.ACTIVE
    )
    outcome_reason = EncryptedTextField(_("about the outcome"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["status", "target_date", "id"]
        indexes: ClassVar = [models.Index(fields=["mentorship", "status"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="goal_progress_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"goal {self.pk}"


class NeedDomain(models.TextChoices):
    HOUSING = "housing", _("Housing")
    EDUCATION = "education", _("Education")
    EMPLOYMENT = "employment", _("Employment")
    FINANCES = "finances", _("Finances and ID")
    HEALTH = "health", _("Health and treatment")
    SOCIAL = "social", _("Social relations and leisure")
    FAMILY = "family", _("Family")


class NeedStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    SECURED = "secured", _("Secured")
    NOT_NEEDED = "not_needed", _("Not needed")
    DECLINED = "declined", _("Declined by the mentee")


# What the system writes into a mentorship's history, put into words when shown.
CHANGE_WORDINGS: dict[str, Wording] = {
    # The plan and the re-entry plan (MentorshipChange.to_value)
    "constraints_updated": Wording(_("Custody constraints updated")),
    "reentry_plan_made": Wording(_("Re-entry plan made")),
    "release_date": Wording(_("Release date: %(date)s"), dates=("date",)),
    "need_status": Wording(
        "%(domain)s: %(status)s", choices={"domain": NeedDomain, "status": NeedStatus}
    ),
    # Why (MentorshipChange.reason_code)
    "custody_status": Wording(_("Started from the custody status.")),
    "custody_event": Wording(
        _("Custody event: %(event)s on %(date)s."),
        choices={"event": CustodyEvent.Kind},
        dates=("date",),
    ),
    "release_window": Wording(_("The expected release is within %(days)s days.")),
    "new_goal": Wording(_("New goal: %(area)s"), choices={"area": AimArea}),
    "goal_area": Wording("%(area)s", choices={"area": AimArea}),
    "release_was": Wording(_("Was %(was)s."), dates=("was",)),
    "release_from_record": Wording(_("From the person's record; was %(was)s."), dates=("was",)),
    "reallocated": Wording("%(why)s.", choices={"why": ReallocationReason}),
    "closed": Wording("%(closure)s.", choices={"closure": ClosureType}),
}

# A need in one of these is settled: it no longer counts against readiness for release.
SETTLED_NEEDS = (NeedStatus.SECURED, NeedStatus.NOT_NEEDED, NeedStatus.DECLINED)


class NeedOwner(models.TextChoices):
    MENTOR = "mentor", _("Mentor")
    MUNICIPALITY = "municipality", _("Municipality")
    JOB_CENTRE = "job_centre", _("Job centre")
    PROBATION = "probation", _("Probation officer")
    OTHER = "other", _("Other")


# When each need should be settled, in days before the release: the plan's defaults.
NEED_DUE_DAYS: dict[str, int] = {
    NeedDomain.HOUSING: 45,
    NeedDomain.EDUCATION: 30,
    NeedDomain.EMPLOYMENT: 30,
    NeedDomain.FINANCES: 30,
    NeedDomain.HEALTH: 21,
    NeedDomain.SOCIAL: 14,
    NeedDomain.FAMILY: 14,
}


class ReentryPlan(models.Model):
    """What must be in place on release, domain by domain. Due dates are kept relative to
    the release date, so that a new release date moves them all."""

    mentorship = models.OneToOneField(
        Mentorship, on_delete=models.CASCADE, related_name="reentry_plan"
    )
    release_date = models.DateField(_("release date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    def __str__(self) -> str:
        return f"re-entry plan of mentorship {self.mentorship_id}"


class ReentryNeed(RowKeyed):
    plan = models.ForeignKey(ReentryPlan, on_delete=models.CASCADE, related_name="needs")
    domain = models.CharField(_("domain"), max_length=16, choices=NeedDomain.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.NOT_STARTED
    )
    owner = models.CharField(
        _("who arranges it"), max_length=16, choices=NeedOwner.choices, default=NeedOwner.MENTOR
    )
    due_days_before = models.PositiveSmallIntegerField(_("due, days before release"))
    notes = EncryptedTextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["plan", "domain"], name="one_need_per_domain")
        ]
        indexes: ClassVar = [models.Index(fields=["domain", "status"])]

    def __str__(self) -> str:
        return f"{self.domain}: {self.status}"

    @property
    def settled(self) -> bool:
        return self.status in SETTLED_NEEDS

    def due_on(self, release: date | None) -> date | None:
        return release - timedelta(days=self.due_days_before) if release else None
