"""Readiness for matching: the one place that decides whether a mentor may be given a
mentee, or supervise one as coach, and says what is missing.

A mentor is ready when they are active, every screening check has passed and is in date,
every mentor module is signed off and its refresher is not overdue, and they have a place
left. A coach is ready when they are screened, trained and active in the same way, have the
coach-supervision module, and have coaching places left."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Min, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from backontrack.accounts.models import Role
from backontrack.mentorships.models import OPEN_MENTORSHIP_STATUSES, Mentorship
from backontrack.programmes.models import Programme, ProgrammeMembership

from .models import (
    Attendance,
    CheckKind,
    CheckResult,
    Mentor,
    MentorStatus,
    ModuleSignOff,
    ScreeningCheck,
    TrainingModule,
)


class Gap:
    """Kinds of things that can be missing; the match page groups exclusions by them."""

    STATUS = "status"
    SCREENING = "screening"
    TRAINING = "training"
    CAPACITY = "capacity"
    COACHING = "coaching"


@dataclass(frozen=True)
class Missing:
    kind: str
    text: str


@dataclass
class Readiness:
    mentor: Mentor
    missing: list[Missing]
    coach_missing: list[Missing]
    load: int
    coach_load: int
    checks: list[tuple[str, ScreeningCheck | None]]  # (label of the check, latest)
    sign_offs: list[tuple[TrainingModule, ModuleSignOff | None]]
    expiring_checks: list[str] = field(default_factory=list)  # screening: not for trainers
    expiring_training: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.missing

    @property
    def only_full(self) -> bool:
        """Ready in every way but one: the caseload is full."""
        return bool(self.missing) and all(gap.kind == Gap.CAPACITY for gap in self.missing)

    @property
    def coach_ready(self) -> bool:
        return not self.coach_missing

    @property
    def places_left(self) -> int:
        return max(self.mentor.capacity - self.load, 0)

    @property
    def coach_places_left(self) -> int:
        return max(self.mentor.coach_capacity - self.coach_load, 0)

    @property
    def expiring(self) -> list[str]:
        return self.expiring_checks + self.expiring_training

    @property
    def missing_without_screening(self) -> list[Missing]:
        """What is missing, for someone who may not see screening results: one line says
        that screening is incomplete, without which check or why."""
        gaps = [gap for gap in self.missing if gap.kind != Gap.SCREENING]
        if not self.screened:
            gaps.insert(0, Missing(Gap.SCREENING, _("Screening is not complete")))
        return gaps

    @property
    def training_missing(self) -> list[Missing]:
        return [gap for gap in self.missing if gap.kind == Gap.TRAINING]

    @property
    def screened(self) -> bool:
        return not any(gap.kind == Gap.SCREENING for gap in self.missing)

    @property
    def trained(self) -> bool:
        return not self.training_missing


def _day(value: date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def readiness_of(
    mentors: Iterable[Mentor],
    *,
    today: date | None = None,
    extra_load: dict[int, int] | None = None,
) -> dict[int, Readiness]:
    """Readiness of many mentors in a fixed number of queries. `extra_load` counts places
    taken by a draft that is not confirmed yet (the pool draft), per mentor id."""
    today = today or timezone.localdate()
    mentors = list(mentors)
    ids = [mentor.pk for mentor in mentors]
    # A check or sign-off is flagged as early as the mentor's earliest-warning programme asks
    # (the installation's default programme for a mentor in none yet).
    default_warning = Programme.objects.default().expiry_warning_days
    warning_days = dict(
        ProgrammeMembership.objects.filter(
            user__mentor_profile__in=ids, role__in=[Role.MENTOR, Role.COACH]
        )
        .values("user__mentor_profile")
        .annotate(days=Max("programme__expiry_warning_days"))
        .values_list("user__mentor_profile", "days")
    )
    modules = list(TrainingModule.objects.filter(is_active=True))
    latest_check: dict[tuple[int, str], ScreeningCheck] = {}
    for row in (
        ScreeningCheck.objects.filter(mentor_id__in=ids)
        .defer("note")
        .order_by("mentor_id", "kind", "-checked_on", "-id")
    ):
        latest_check.setdefault((row.mentor_id, row.kind), row)
    latest_sign_off: dict[tuple[int, int], ModuleSignOff] = {}
    for done in ModuleSignOff.objects.filter(mentor_id__in=ids).order_by(
        "mentor_id", "module_id", "-signed_off_on", "-id"
    ):
        latest_sign_off.setdefault((done.mentor_id, done.module_id), done)

    def warn_until(mentor: Mentor) -> date:
        return today + timedelta(days=warning_days.get(mentor.pk, default_warning))

    load: dict[int, int] = defaultdict(int)
    open_mentorships = Mentorship.objects.filter(status__in=OPEN_MENTORSHIP_STATUSES)
    for mentor_id, n in (
        open_mentorships.filter(mentor_id__in=ids)
        .values("mentor_id")
        .annotate(n=Count("id"))
        .values_list("mentor_id", "n")
    ):
        load[mentor_id] = n
    coach_load: dict[int, int] = defaultdict(int)
    for coach_id, n in (
        open_mentorships.filter(coach_id__in=ids)
        .values("coach_id")
        .annotate(n=Count("id"))
        .values_list("coach_id", "n")
    ):
        coach_load[coach_id] = n
    for mentor_id, places in (extra_load or {}).items():
        load[mentor_id] += places

    result = {}
    for mentor in mentors:
        missing: list[Missing] = []
        expiring_checks: list[str] = []
        expiring_training: list[str] = []
        if mentor.status != MentorStatus.ACTIVE:
            missing.append(
                Missing(
                    Gap.STATUS,
                    _("Status is “%(status)s”: only active mentors are matched")
                    % {"status": mentor.get_status_display()},
                )
            )
        checks: list[tuple[str, ScreeningCheck | None]] = []
        for kind in CheckKind:
            check: ScreeningCheck | None = latest_check.get((mentor.pk, kind.value))
            label = str(kind.label)
            checks.append((label, check))
            if check is None:
                text = _("%(check)s: not done") % {"check": label}
            elif check.result == CheckResult.PENDING:
                text = _("%(check)s: pending") % {"check": label}
            elif check.result == CheckResult.FAILED:
                text = _("%(check)s: not passed") % {"check": label}
            elif check.expires_on and check.expires_on < today:
                text = _("%(check)s: expired on %(date)s") % {
                    "check": label,
                    "date": _day(check.expires_on),
                }
            else:
                if check.expires_on and check.expires_on <= warn_until(mentor):
                    expiring_checks.append(
                        _("%(check)s runs out on %(date)s")
                        % {"check": label, "date": _day(check.expires_on)}
                    )
                continue
            missing.append(Missing(Gap.SCREENING, text))
        sign_offs: list[tuple[TrainingModule, ModuleSignOff | None]] = []
        coach_module_gap: Missing | None = None
        for module in modules:
            sign_off: ModuleSignOff | None = latest_sign_off.get((mentor.pk, module.pk))
            sign_offs.append((module, sign_off))
            gap = None
            if sign_off is None:
                gap = _("%(module)s: not signed off") % {"module": module}
            elif sign_off.expires_on and sign_off.expires_on < today:
                gap = _("%(module)s: refresher overdue since %(date)s") % {
                    "module": module,
                    "date": _day(sign_off.expires_on),
                }
            elif sign_off.expires_on and sign_off.expires_on <= warn_until(mentor):
                expiring_training.append(
                    _("%(module)s: refresher due by %(date)s")
                    % {"module": module, "date": _day(sign_off.expires_on)}
                )
            if gap is None:
                continue
            if module.for_coaches:
                coach_module_gap = Missing(Gap.COACHING, gap)
            else:
                missing.append(Missing(Gap.TRAINING, gap))
        coach_missing = list(missing)
        if coach_module_gap:
            coach_missing.append(coach_module_gap)
        if mentor.coach_capacity == 0:
            coach_missing.append(Missing(Gap.COACHING, _("Not a coach (no coaching places)")))
        elif coach_load[mentor.pk] >= mentor.coach_capacity:
            coach_missing.append(
                Missing(
                    Gap.CAPACITY,
                    _("Supervises %(load)s of %(capacity)s mentorships already")
                    % {"load": coach_load[mentor.pk], "capacity": mentor.coach_capacity},
                )
            )
        if load[mentor.pk] >= mentor.capacity:
            missing.append(
                Missing(
                    Gap.CAPACITY,
                    _("Full: %(load)s of %(capacity)s mentees")
                    % {"load": load[mentor.pk], "capacity": mentor.capacity},
                )
            )
        result[mentor.pk] = Readiness(
            mentor=mentor,
            missing=missing,
            coach_missing=coach_missing,
            load=load[mentor.pk],
            coach_load=coach_load[mentor.pk],
            checks=checks,
            sign_offs=sign_offs,
            expiring_checks=expiring_checks,
            expiring_training=expiring_training,
        )
    return result


def readiness_for(mentor: Mentor, *, today: date | None = None) -> Readiness:
    return readiness_of([mentor], today=today)[mentor.pk]


@dataclass(frozen=True)
class SignOffWaiting:
    mentor: Mentor
    module: TrainingModule
    course_id: int
    hours: Decimal


def sign_offs_waiting(mentors: QuerySet[Mentor], *, limit: int = 20) -> list[SignOffWaiting]:
    """Modules the mentors (a trainer's view of the corps) have attended the hours of but
    that nobody has signed off yet, oldest attendance first, in a fixed number of queries."""
    attended = (
        Attendance.objects.filter(mentor__in=mentors.exclude(status=MentorStatus.LEFT))
        .values("mentor_id", "session__course__module_id")
        .annotate(
            hours=Sum("hours"), course_id=Max("session__course_id"), since=Min("session__starts_at")
        )
        .order_by("since")
    )
    rows = list(attended)
    signed = set(
        ModuleSignOff.objects.filter(mentor_id__in={r["mentor_id"] for r in rows}).values_list(
            "mentor_id", "module_id"
        )
    )
    modules = {m.pk: m for m in TrainingModule.objects.filter(is_active=True)}
    due = [
        r
        for r in rows
        if (r["mentor_id"], r["session__course__module_id"]) not in signed
        and r["session__course__module_id"] in modules
        and r["hours"] >= modules[r["session__course__module_id"]].required_hours
    ][:limit]
    names = Mentor.objects.filter(pk__in={r["mentor_id"] for r in due}).only(
        "id", "first_name", "last_name"
    )
    by_id = {m.pk: m for m in names}
    return [
        SignOffWaiting(
            mentor=by_id[r["mentor_id"]],
            module=modules[r["session__course__module_id"]],
            course_id=r["course_id"],
            hours=r["hours"],
        )
        for r in due
    ]
