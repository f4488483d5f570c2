"""Every write to the mentor corps, training and matching; each audited in its transaction."""

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.accounts.models import Institution, Role, User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, dates
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused
from backontrack.mentees.models import Mentee
from backontrack.mentees.services import has_participation_consent
from backontrack.mentorships import services as mentorship_services
from backontrack.mentorships.models import OPEN_MENTORSHIP_STATUSES, Mentorship
from backontrack.programmes import services as programme_services
from backontrack.programmes.models import Programme, ProgrammeMembership
from backontrack.referrals import services as referral_services
from backontrack.referrals.models import Referral, Status

from .models import (
    STATUS_MOVES,
    Attendance,
    CheckKind,
    CheckResult,
    ConflictOfInterest,
    Course,
    CourseSession,
    Mentor,
    MentorStatus,
    MentorStatusChange,
    ModuleSignOff,
    ScreeningCheck,
    TrainingModule,
)
from .readiness import Gap, readiness_for

# Checks that run out and must be done again; a passed one needs its "valid until" date.
RENEWED_CHECKS = frozenset({CheckKind.CRIMINAL_RECORD, CheckKind.SECURITY_VETTING})


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


# --- Mentors --------------------------------------------------------------------------------


@dataclass
class MentorData:
    """The profile. A mentor updating their own profile changes only SELF_SERVICE_FIELDS."""

    first_name: str
    last_name: str
    gender: str
    languages: list[str]
    regions: list[str]
    competences: list[str]
    recruited_from: str
    prior_experience: str
    capacity: int
    coach_capacity: int
    user: User | None


SELF_SERVICE_FIELDS = ("languages", "regions", "competences", "prior_experience", "capacity")


def _check(data: MentorData, *, mentor: Mentor | None = None) -> None:
    if data.capacity < 1:
        raise Refused(_("Capacity must be at least one mentee."))
    if data.coach_capacity < 0:
        raise Refused(_("Coach capacity cannot be negative."))
    # The linked account sees the profile and its screening: only a mentor's or coach's own.
    user = data.user
    if user is not None:
        if not (user.has_role(Role.MENTOR) or user.has_role(Role.COACH)):
            raise Refused(_("The user account must have the mentor or coach role."))
        taken = Mentor.objects.filter(user=user)
        if mentor is not None:
            taken = taken.exclude(pk=mentor.pk)
        if taken.exists():
            raise Refused(_("This user account belongs to another mentor's profile."))


@transaction.atomic
def mentor_create(*, actor: User, data: MentorData, institutions: list[Institution]) -> Mentor:
    if not access.can_manage_mentors(actor):
        raise Refused(_("Only a coordinator registers mentors."))
    _check(data)
    now = timezone.now()
    mentor = Mentor.objects.create(
        status=MentorStatus.APPLICANT, status_changed_at=now, **data.__dict__
    )
    mentor.institutions.set(institutions)
    MentorStatusChange.objects.create(
        mentor=mentor, to_status=MentorStatus.APPLICANT, actor=actor, occurred_at=now
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=mentor,
        fields=[f.name for f in fields(data) if getattr(data, f.name) not in ("", [], None)],
    )
    return mentor


@transaction.atomic
def mentor_update(
    *,
    actor: User,
    mentor: Mentor,
    version: int,
    data: MentorData,
    institutions: list[Institution],
) -> Mentor:
    """A coordinator changes any of the profile; the mentor changes their own self-service
    fields and the institutions they cover, nothing else."""
    full = access.can_manage_mentors(actor)
    if not full and not access.is_own_mentor_profile(actor, mentor):
        raise Refused(_("You can change only your own profile."))
    _check(data, mentor=mentor)
    claim_version(mentor, version)
    names = [f.name for f in fields(data)] if full else list(SELF_SERVICE_FIELDS)
    changed = []
    for name in names:
        value = getattr(data, name)
        if getattr(mentor, name) != value:
            changed.append(name)
            setattr(mentor, name, value)
    if {i.pk for i in mentor.institutions.all()} != {i.pk for i in institutions}:
        mentor.institutions.set(institutions)
        changed.append("institutions")
    mentor.save()
    record(actor=actor, action=Action.CHANGE, obj=mentor, fields=changed)
    return mentor


@transaction.atomic
def mentor_invite(
    *, actor: User, programme: Programme, mentor: Mentor
) -> list[ProgrammeMembership]:
    """A coordinator of the programme brings a mentor of the corps into it."""
    if mentor.status == MentorStatus.LEFT:
        raise Refused(_("%(name)s has left the corps.") % {"name": str(mentor)})
    if mentor.user is None:
        raise Refused(
            _("%(name)s has no account: ask an administrator to create one first.")
            % {"name": str(mentor)}
        )
    return programme_services.members_invite(actor=actor, programme=programme, user=mentor.user)


@transaction.atomic
def mentor_move(
    *, actor: User, mentor: Mentor, version: int, to_status: str, reason: str
) -> Mentor:
    """Move a mentor along applicant → in training → active ⇄ paused → left. Becoming active
    needs every screening check passed and every mentor module signed off; pausing and
    leaving need a reason; leaving needs the mentor's mentorships handed over first."""
    if not access.can_manage_mentors(actor):
        raise Refused(_("Only a coordinator changes a mentor's status."))
    # Lock the row first: a match in progress (which locks it too) finishes before or after.
    Mentor.objects.select_for_update().filter(pk=mentor.pk).first()
    if to_status not in STATUS_MOVES.get(mentor.status, ()):
        raise Refused(_("A mentor cannot move from this status to that one."))
    if to_status in (MentorStatus.PAUSED, MentorStatus.LEFT) and not reason.strip():
        raise Refused(_("Give the reason."))
    if to_status == MentorStatus.ACTIVE:
        gaps = [
            gap.text
            for gap in readiness_for(mentor).missing
            if gap.kind in (Gap.SCREENING, Gap.TRAINING)
        ]
        if gaps:
            raise Refused(
                _("The mentor is not screened and trained yet: %(gaps)s.")
                % {"gaps": "; ".join(gaps)}
            )
    if (
        to_status == MentorStatus.LEFT
        and Mentorship.objects.filter(
            Q(mentor=mentor) | Q(coach=mentor), status__in=OPEN_MENTORSHIP_STATUSES
        ).exists()
    ):
        raise Refused(
            _("The mentor still has open mentorships. Hand them over to another mentor first.")
        )
    claim_version(mentor, version)
    now = timezone.now()
    from_status = mentor.status
    mentor.status = to_status
    mentor.status_changed_at = now
    mentor.save(update_fields=["status", "status_changed_at", "version", "updated_at"])
    MentorStatusChange.objects.create(
        mentor=mentor,
        from_status=from_status,
        to_status=to_status,
        reason=reason.strip(),
        actor=actor,
        occurred_at=now,
    )
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=mentor,
        fields=["status", *(["reason"] if reason.strip() else [])],
        detail=f"{from_status} -> {to_status}",
    )
    return mentor


@transaction.atomic
def check_record(
    *,
    actor: User,
    mentor: Mentor,
    kind: str,
    result: str,
    checked_on: date,
    expires_on: date | None,
    note: str,
) -> ScreeningCheck:
    if not access.can_manage_mentors(actor):
        raise Refused(_("Only a coordinator records screening checks."))
    Mentor.objects.select_for_update().filter(pk=mentor.pk).first()
    if checked_on > timezone.localdate():
        raise Refused(_("The date of a check cannot be in the future."))
    dates.PROGRAMME_EVENT.require(checked_on)
    dates.EXPIRY.require(expires_on)
    if expires_on is not None and expires_on <= checked_on:
        raise Refused(_("A check must be valid until a date after it was done."))
    if kind in RENEWED_CHECKS and result == CheckResult.PASSED and expires_on is None:
        raise Refused(_("Say until when this check is valid: it must be renewed."))
    check = ScreeningCheck.objects.create(
        mentor=mentor,
        kind=kind,
        result=result,
        checked_on=checked_on,
        expires_on=expires_on if result == CheckResult.PASSED else None,
        note=note.strip(),
        recorded_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=check,
        fields=["kind", "result", "checked_on", "expires_on", *(["note"] if note else [])],
        detail=f"for mentors.mentor #{mentor.pk}",
    )
    return check


@transaction.atomic
def conflict_record(
    *, actor: User, mentor: Mentor, mentee: Mentee, side: str, description: str
) -> ConflictOfInterest:
    if not access.can_manage_mentors(actor):
        raise Refused(_("Only a coordinator records conflicts of interest."))
    if not description.strip():
        raise Refused(_("Say what the conflict is."))
    # The mentor's row is locked, as a match or a coach change locks it: a conflict recorded
    # at the same moment cannot slip past their checks.
    Mentor.objects.select_for_update().filter(pk=mentor.pk).first()
    if ConflictOfInterest.objects.filter(mentor=mentor, mentee=mentee).exists():
        raise Refused(_("A conflict between this mentor and this person is already recorded."))
    conflict = ConflictOfInterest.objects.create(
        mentor=mentor, mentee=mentee, side=side, description=description.strip(), recorded_by=actor
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=conflict,
        fields=["mentee", "side", "description"],
        detail=f"for mentors.mentor #{mentor.pk} and mentees.mentee #{mentee.pk}",
    )
    return conflict


# --- Training -------------------------------------------------------------------------------


@dataclass
class CourseData:
    module: TrainingModule
    title: str
    trainer_name: str
    trainer_organisation: str
    trainer_kind: str
    location: str
    # The programme whose mentors the course is for; the installation's default when not chosen.
    programme: Programme | None = None


@transaction.atomic
def course_create(*, actor: User, data: CourseData) -> Course:
    if not access.can_manage_training(actor):
        raise Refused(_("Only a trainer plans courses."))
    values = {**data.__dict__, "programme": data.programme or Programme.objects.default()}
    course = Course.objects.create(created_by=actor, **values)
    record(actor=actor, action=Action.CREATE, obj=course, fields=list(data.__dict__))
    return course


@transaction.atomic
def course_update(*, actor: User, course: Course, version: int, data: CourseData) -> Course:
    if not access.can_manage_training(actor):
        raise Refused(_("Only a trainer changes courses."))
    if data.module != course.module and Attendance.objects.filter(session__course=course).exists():
        raise Refused(_("Attendance is recorded, so the course's module can no longer change."))
    claim_version(course, version)
    changed = []
    for name, value in data.__dict__.items():
        if name == "programme" and value is None:
            continue
        if getattr(course, name) != value:
            changed.append(name)
            setattr(course, name, value)
    course.save()
    record(actor=actor, action=Action.CHANGE, obj=course, fields=changed)
    return course


def _overlapping(starts_at: datetime, ends_at: datetime) -> Q:
    return Q(starts_at__lt=ends_at, ends_at__gt=starts_at)


@transaction.atomic
def session_add(
    *, actor: User, course: Course, starts_at: datetime, ends_at: datetime
) -> CourseSession:
    """A session of a course. It may not overlap another session of the same course or of
    the same trainer."""
    if not access.can_manage_training(actor):
        raise Refused(_("Only a trainer plans sessions."))
    if ends_at <= starts_at:
        raise Refused(_("A session must end after it starts."))
    if ends_at - starts_at > timedelta(hours=12):
        raise Refused(_("A session can last at most 12 hours; add one session per day."))
    dates.SESSION.require(timezone.localdate(starts_at))
    clash = (
        CourseSession.objects.filter(_overlapping(starts_at, ends_at))
        .filter(Q(course=course) | Q(course__trainer_name__iexact=course.trainer_name))
        .select_related("course")
        .first()
    )
    if clash is not None:
        raise Refused(
            _("This overlaps the session of %(course)s from %(start)s to %(end)s.")
            % {
                "course": clash.course,
                "start": timezone.localtime(clash.starts_at).strftime("%Y-%m-%d %H:%M"),
                "end": timezone.localtime(clash.ends_at).strftime("%H:%M"),
            }
        )
    session = CourseSession.objects.create(course=course, starts_at=starts_at, ends_at=ends_at)
    record(
        actor=actor,
        action=Action.CREATE,
        obj=session,
        fields=["starts_at", "ends_at"],
        detail=f"for mentors.course #{course.pk}",
    )
    return session


@transaction.atomic
def attendance_record(
    *, actor: User, session: CourseSession, hours_by_mentor: dict[Mentor, Decimal]
) -> list[Attendance]:
    """Set who attended a session, and for how long; mentors left out are removed. Refused
    before anything is written if any line is wrong."""
    if not access.can_manage_training(actor):
        raise Refused(_("Only a trainer records attendance."))
    if session.starts_at > timezone.now():
        raise Refused(_("Attendance can be recorded once the session has started."))
    already = set(Attendance.objects.filter(session=session).values_list("mentor_id", flat=True))
    problems = []
    for mentor, hours in hours_by_mentor.items():
        if hours <= 0 or hours > session.hours:
            problems.append(
                _("%(mentor)s: hours must be more than 0 and at most %(max)s.")
                % {"mentor": mentor, "max": session.hours}
            )
        if mentor.status == MentorStatus.LEFT and mentor.pk not in already:
            problems.append(_("%(mentor)s has left the corps.") % {"mentor": mentor})
        elsewhere = (
            Attendance.objects.filter(mentor=mentor)
            .exclude(session=session)
            .filter(session__starts_at__lt=session.ends_at, session__ends_at__gt=session.starts_at)
            .select_related("session__course")
            .first()
        )
        if elsewhere is not None:
            problems.append(
                _("%(mentor)s attended %(course)s at the same time.")
                % {"mentor": mentor, "course": elsewhere.session.course}
            )
    if problems:
        raise Refused(" ".join(problems))
    present = {mentor.pk for mentor in hours_by_mentor}
    removed = sorted(already - present)
    Attendance.objects.filter(session=session, mentor_id__in=removed).delete()
    rows = []
    for mentor, hours in hours_by_mentor.items():
        row, _created = Attendance.objects.update_or_create(
            session=session, mentor=mentor, defaults={"hours": hours, "recorded_by": actor}
        )
        rows.append(row)
    record(
        actor=actor,
        action=Action.CHANGE,
        object_type="mentors.mentor",
        object_ids=sorted(present | set(removed)),
        fields=["attendance"],
        detail=f"session mentors.coursesession #{session.pk}: "
        f"{len(present)} present, {len(removed)} removed",
    )
    return rows


def hours_towards(mentor: Mentor, module: TrainingModule) -> tuple[Decimal, Decimal]:
    """(hours attended that count, hours needed) for the mentor's next sign-off of the
    module: the full module the first time, the refresher hours since the last sign-off
    after that."""
    last = (
        ModuleSignOff.objects.filter(mentor=mentor, module=module)
        .order_by("-signed_off_on", "-id")
        .first()
    )
    attended = Attendance.objects.filter(mentor=mentor, session__course__module=module)
    needed = module.required_hours
    if last is not None:
        attended = attended.filter(session__starts_at__date__gt=last.signed_off_on)
        needed = module.refresher_hours
    total = attended.aggregate(total=Sum("hours"))["total"] or Decimal("0")
    return total, needed


@transaction.atomic
def module_sign_off(
    *, actor: User, mentor: Mentor, module: TrainingModule, signed_off_on: date, note: str
) -> ModuleSignOff:
    """The trainer signs off a module once the mentor has attended the hours it needs."""
    if not access.can_manage_training(actor):
        raise Refused(_("Only a trainer signs off modules."))
    if signed_off_on > timezone.localdate():
        raise Refused(_("A sign-off cannot be dated in the future."))
    dates.PROGRAMME_EVENT.require(signed_off_on)
    attended, needed = hours_towards(mentor, module)
    if attended <= 0 or attended < needed:
        raise Refused(
            _(
                "%(mentor)s has attended %(attended)s of the %(needed)s hours %(module)s needs; "
                "record their attendance first."
            )
            % {"mentor": mentor, "attended": attended, "needed": needed, "module": module}
        )
    sign_off = ModuleSignOff.objects.create(
        mentor=mentor,
        module=module,
        signed_off_on=signed_off_on,
        expires_on=_add_months(signed_off_on, module.refresher_months)
        if module.refresher_months
        else None,
        hours=attended,
        note=note.strip(),
        signed_off_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=sign_off,
        fields=["module", "signed_off_on", "expires_on"],
        detail=f"for mentors.mentor #{mentor.pk}",
    )
    return sign_off


# --- Matching -------------------------------------------------------------------------------


def match_problems(
    *,
    referral: Referral,
    mentor: Mentor,
    coach: Mentor | None,
    extra_load: dict[int, int] | None = None,
    extra_coach_load: dict[int, int] | None = None,
) -> list[str]:
    """Everything that stops this match, in words; empty when it may be made. The single
    check behind the match page, the service and the pool draft."""
    from .readiness import readiness_of

    # Judge the mentor and coach as they are stored now, not as the caller loaded them.
    current = Mentor.objects.in_bulk([mentor.pk, *([coach.pk] if coach else [])])
    mentor = current[mentor.pk]
    coach = current[coach.pk] if coach else None
    problems = []
    if referral.status != Status.ACCEPTED:
        problems.append(_("Only an accepted referral can be matched."))
    if not has_participation_consent(referral.mentee):
        problems.append(_("The mentee's consent to take part is not on record."))
    readiness = readiness_of(current.values(), extra_load=extra_load)
    for gap in readiness[mentor.pk].missing:
        problems.append(_("%(mentor)s: %(gap)s") % {"mentor": mentor, "gap": gap.text})
    if Mentorship.objects.filter(
        mentee_id=referral.mentee_id, status__in=OPEN_MENTORSHIP_STATUSES
    ).exists():
        problems.append(_("This person already has a mentorship that is not closed."))
    conflicted = set(
        ConflictOfInterest.objects.filter(
            mentee_id=referral.mentee_id, mentor_id__in=list(current)
        ).values_list("mentor_id", flat=True)
    )
    if mentor.pk in conflicted:
        problems.append(
            _("A conflict of interest is recorded between %(mentor)s and this person.")
            % {"mentor": mentor}
        )
    if coach is not None and coach.pk != mentor.pk and coach.pk in conflicted:
        problems.append(
            _("A conflict of interest is recorded between coach %(coach)s and this person.")
            % {"coach": coach}
        )
    taking_part = set(
        Mentor.objects.filter(pk__in=list(current))
        .filter(
            user__programme_memberships__programme_id=referral.programme_id,
            user__programme_memberships__role=Role.MENTOR,
        )
        .values_list("pk", flat=True)
    )
    if mentor.pk not in taking_part:
        problems.append(
            _("%(mentor)s does not take part in the referral's programme as a mentor.")
            % {"mentor": mentor}
        )
    if coach is not None and coach.pk != mentor.pk:
        coaching = Mentor.objects.filter(
            pk=coach.pk,
            user__programme_memberships__programme_id=referral.programme_id,
            user__programme_memberships__role=Role.COACH,
        )
        if not coaching.exists():
            problems.append(
                _("%(coach)s does not take part in the referral's programme as a coach.")
                % {"coach": coach}
            )
    if coach is None:
        problems.append(_("Choose a supervising coach."))
    elif coach.pk == mentor.pk:
        problems.append(_("The coach cannot be the mentor."))
    else:
        coach_readiness = readiness[coach.pk]
        coach_readiness.coach_load += (extra_coach_load or {}).get(coach.pk, 0)
        for gap in coach_readiness.coach_missing:
            problems.append(_("Coach %(coach)s: %(gap)s") % {"coach": coach, "gap": gap.text})
        if coach_readiness.coach_ready and coach_readiness.coach_places_left <= 0:
            problems.append(_("Coach %(coach)s has no coaching places left.") % {"coach": coach})
    return problems


def _match(
    *, actor: User, referral: Referral, version: int, mentor: Mentor, coach: Mentor, score: float
) -> Mentorship:
    # Lock the mentor and coach rows so that two matches cannot both take a last place.
    list(Mentor.objects.select_for_update().filter(pk__in=[mentor.pk, coach.pk]))
    problems = match_problems(referral=referral, mentor=mentor, coach=coach)
    if problems:
        raise Refused(" ".join(problems))
    mentorship = Mentorship.objects.create(
        programme_id=referral.programme_id,
        mentee_id=referral.mentee_id,
        referral=referral,
        mentor=mentor,
        coach=coach,
        match_score=Decimal(str(round(score, 1))),
        created_by=actor,
        status_changed_at=timezone.now(),
    )
    mentorship_services.record_proposal(mentorship=mentorship, actor=actor)
    record(
        actor=actor,
        action=Action.CREATE,
        obj=mentorship,
        fields=["mentee", "mentor", "coach", "status"],
        detail=f"from referrals.referral #{referral.pk}",
    )
    referral_services.referral_mark_matched(actor=actor, referral=referral, version=version)
    return mentorship


@transaction.atomic
def referral_match(
    *, actor: User, referral: Referral, version: int, mentor: Mentor, coach: Mentor, score: float
) -> Mentorship:
    """Match an accepted referral with a ready mentor and a ready supervising coach: the
    referral moves to matched and a mentorship is proposed."""
    if not access.can_move_referral(actor, referral, Status.MATCHED):
        raise Refused(_("You cannot make this move."))
    return _match(
        actor=actor, referral=referral, version=version, mentor=mentor, coach=coach, score=score
    )
