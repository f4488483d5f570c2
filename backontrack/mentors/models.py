"""The mentor corps: mentors and coaches, their screening, their training, and conflicts of
interest. Readiness for matching is computed from these in readiness.py, nowhere else."""

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Institution, Region
from backontrack.core.fields import EncryptedTextField
from backontrack.core.models import RowKeyed
from backontrack.mentees.models import Gender, Language, Mentee
from backontrack.programmes.models import Programme

MAX_CAPACITY = 10


class MentorStatus(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    IN_TRAINING = "in_training", _("In training")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    LEFT = "left", _("Left the corps")


# from -> the statuses a coordinator may move a mentor to
STATUS_MOVES: dict[str, tuple[str, ...]] = {
    MentorStatus.APPLICANT: (MentorStatus.IN_TRAINING, MentorStatus.LEFT),
    MentorStatus.IN_TRAINING: (MentorStatus.ACTIVE, MentorStatus.LEFT),
    MentorStatus.ACTIVE: (MentorStatus.PAUSED, MentorStatus.LEFT),
    MentorStatus.PAUSED: (MentorStatus.ACTIVE, MentorStatus.LEFT),
    MentorStatus.LEFT: (),
}


class RecruitedFrom(models.TextChoices):
    CORPS = "corps", _("The service's existing mentor corps")
    EARLIER_PROGRAMME = "earlier_programme", _("An earlier programme")
    EXTERNAL = "external", _("External recruitment")


class Competence(models.TextChoices):
    RIGHT_WING = "right_wing", _("Right-wing extremism")
    LEFT_WING = "left_wing", _("Left-wing extremism")
    RELIGIOUS = "religious", _("Religiously motivated extremism")
    OTHER_EXTREMISM = "other_extremism", _("Other extremism")
    FAMILY = "family", _("Family and network work")
    RE_ENTRY = "re_entry", _("Re-entry: housing, education, work")


EXTREMISM_COMPETENCES = (
    Competence.RIGHT_WING,
    Competence.LEFT_WING,
    Competence.RELIGIOUS,
    Competence.OTHER_EXTREMISM,
)


class Mentor(RowKeyed):
    """A mentor (and, with coach capacity, a mentor coach) in the corps."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentor_profile",
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    regions = models.JSONField(_("regions covered"), default=list, blank=True)
    institutions = models.ManyToManyField(
        Institution, verbose_name=_("institutions covered"), blank=True, related_name="+"
    )
    competences = models.JSONField(_("competence areas"), default=list, blank=True)
    recruited_from = models.CharField(
        _("recruited from"), max_length=32, choices=RecruitedFrom.choices
    )
    prior_experience = EncryptedTextField(_("prior experience"), blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("capacity (active mentees)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
    )
    coach_capacity = models.PositiveSmallIntegerField(
        _("coach capacity (mentorships supervised)"),
        default=0,
        validators=[MaxValueValidator(50)],
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MentorStatus.choices, default=MentorStatus.APPLICANT
    )
    status_changed_at = models.DateTimeField(_("status changed"))
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["last_name", "first_name", "id"]
        verbose_name = _("mentor")
        verbose_name_plural = _("mentors")
        indexes: ClassVar = [
            models.Index(fields=["status", "last_name"]),
            models.Index(fields=["last_name", "first_name", "id"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1) & models.Q(capacity__lte=MAX_CAPACITY),
                name="mentor_capacity_between_1_and_max",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def language_labels(self) -> list[str]:
        return [str(Language(code).label) for code in self.languages if code in Language.values]

    def region_labels(self) -> list[str]:
        return [str(Region(code).label) for code in self.regions if code in Region.values]

    def competence_labels(self) -> list[str]:
        return [str(Competence(c).label) for c in self.competences if c in Competence.values]


class MentorStatusChange(RowKeyed):
    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=MentorStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=MentorStatus.choices)
    reason = EncryptedTextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class CheckKind(models.TextChoices):
    APPLICATION = "application", _("Application")
    INTERVIEW = "interview", _("Interview")
    CRIMINAL_RECORD = "criminal_record", _("Criminal-record check")
    SECURITY_VETTING = "security_vetting", _("Security vetting")
    REFERENCES = "references", _("References")
    COMMITMENT = "commitment", _("Signed commitment")


class CheckResult(models.TextChoices):
    PASSED = "passed", _("Passed")
    PENDING = "pending", _("Pending")
    FAILED = "failed", _("Not passed")


class ScreeningCheck(RowKeyed):
    """One screening check of a mentor. A check done again adds a row; the latest counts."""

    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(_("check"), max_length=24, choices=CheckKind.choices)
    result = models.CharField(_("result"), max_length=16, choices=CheckResult.choices)
    checked_on = models.DateField(_("date"))
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["kind", "-checked_on", "-id"]
        verbose_name = _("screening check")
        indexes: ClassVar = [models.Index(fields=["mentor", "kind", "checked_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.checked_on}"


class TrainingModule(models.Model):
    """A module of the curriculum, with the hours it needs and how often it is refreshed."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_da = models.CharField(_("name in Danish"), max_length=120)
    required_hours = models.DecimalField(_("hours required"), max_digits=5, decimal_places=1)
    refresher_months = models.PositiveSmallIntegerField(
        _("refresher every (months)"), null=True, blank=True
    )
    refresher_hours = models.DecimalField(
        _("hours for a refresher"), max_digits=5, decimal_places=1, default=Decimal("0")
    )
    for_coaches = models.BooleanField(_("for coaches only"), default=False)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("in the curriculum"), default=True)

    class Meta:
        ordering: ClassVar = ["for_coaches", "order", "id"]
        verbose_name = _("training module")

    def __str__(self) -> str:
        return self.name_da if (get_language() or "").startswith("da") else self.name


class TrainerKind(models.TextChoices):
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    CONSULTANCY = "consultancy", _("Consultancy")
    MINISTRY = "ministry", _("Ministry")
    PRISON_SERVICE = "prison_service", _("Prison and probation service")
    RESEARCHER = "researcher", _("University or research centre")
    NGO = "ngo", _("Non-governmental organisation")
    OTHER = "other", _("Other")


class Course(models.Model):
    """A course that teaches one module, run by a trainer from an organisation."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="courses"
    )
    module = models.ForeignKey(
        TrainingModule, verbose_name=_("module"), on_delete=models.PROTECT, related_name="courses"
    )
    title = models.CharField(_("title"), max_length=200)
    trainer_name = models.CharField(_("trainer"), max_length=200)
    trainer_organisation = models.CharField(_("trainer's organisation"), max_length=200)
    trainer_kind = models.CharField(
        _("kind of organisation"), max_length=24, choices=TrainerKind.choices
    )
    location = models.CharField(_("place"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name = _("course")

    def __str__(self) -> str:
        return self.title


class CourseSession(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering: ClassVar = ["starts_at", "id"]
        verbose_name = _("session")
        indexes: ClassVar = [models.Index(fields=["starts_at", "ends_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> Decimal:
        seconds = Decimal((self.ends_at - self.starts_at).total_seconds())
        return (seconds / Decimal(3600)).quantize(Decimal("0.1"))


class Attendance(models.Model):
    session = models.ForeignKey(CourseSession, on_delete=models.CASCADE, related_name="attendance")
    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="attendance")
    hours = models.DecimalField(_("hours attended"), max_digits=4, decimal_places=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["session", "mentor"], name="attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.mentor} at {self.session}"


class ModuleSignOff(RowKeyed):
    """The trainer's sign-off that a mentor has completed a module. A refresher adds a new
    sign-off; the latest counts."""

    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="sign_offs")
    module = models.ForeignKey(TrainingModule, on_delete=models.PROTECT, related_name="+")
    signed_off_on = models.DateField(_("signed off on"))
    expires_on = models.DateField(_("refresher due"), null=True, blank=True)
    hours = models.DecimalField(_("hours attended"), max_digits=5, decimal_places=1)
    note = EncryptedTextField(_("note"), max_length=300, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-signed_off_on", "-id"]
        indexes: ClassVar = [models.Index(fields=["mentor", "module", "signed_off_on"])]

    def __str__(self) -> str:
        return f"{self.module} {self.signed_off_on}"


class ConflictOfInterest(RowKeyed):
    """A reason a mentor must not mentor a particular person: declared by the mentor (a
    relative, a neighbour, a past case) or raised about the mentee (threats, a co-accused)."""

    class Side(models.TextChoices):
        MENTOR = "mentor", _("Declared by the mentor")
        MENTEE = "mentee", _("Raised about the mentee")

    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="conflicts")
    mentee = models.ForeignKey(Mentee, on_delete=models.CASCADE, related_name="+")
    side = models.CharField(_("recorded on"), max_length=8, choices=Side.choices)
    description = EncryptedTextField(_("what the conflict is"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-recorded_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["mentor", "mentee"], name="one_conflict_per_pair")
        ]

    def __str__(self) -> str:
        return f"conflict {self.mentor_id}/{self.mentee_id}"


class PoolDraft(models.Model):
    """A proposed assignment of mentors to every accepted referral, computed by the solver,
    for the coordinator to review, change and confirm. Nothing is matched until confirmed."""

    class State(models.TextChoices):
        OPEN = "open", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed")
        DISCARDED = "discarded", _("Discarded")

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="pool_drafts"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    optimal_score = models.DecimalField(max_digits=10, decimal_places=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"pool draft {self.pk}"


class DraftProposal(models.Model):
    draft = models.ForeignKey(PoolDraft, on_delete=models.CASCADE, related_name="proposals")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(
        Mentor, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    coach = models.ForeignKey(
        Mentor, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    score = models.DecimalField(max_digits=6, decimal_places=1, default=Decimal("0"))
    edited = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["draft", "referral"], name="one_proposal_per_referral")
        ]

    def __str__(self) -> str:
        return f"proposal {self.referral_id} -> {self.mentor_id}"
