"""A mentorship's life: activation, pause and resume, phases, reallocation, the coach, closure
and the coordinator's check-ins, each audited in the same transaction."""

from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, dates
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused
from backontrack.evaluation.followups import follow_ups_due_rebuild
from backontrack.mentees.models import CustodyEvent, CustodyStatus, Mentee
from backontrack.mentors.models import ConflictOfInterest, Mentor
from backontrack.mentors.readiness import Readiness, readiness_of
from backontrack.programmes.models import Programme

from ..alerts import alert_windows_rebuild
from ..models import (
    ONGOING,
    PAUSE_MOVES,
    CheckIn,
    ClosureType,
    Mentorship,
    MentorshipChange,
    MentorshipStatus,
    Phase,
    ReallocationReason,
)
from .reentry import reentry_plan_ensure


def phase_for(mentorship: Mentorship, *, today: date | None = None) -> str:
    """The phase a mentorship starts in, from the person's custody status: re-entry begins
    the programme's re-entry lead days before the expected release."""
    today = today or timezone.localdate()
    mentee = mentorship.mentee
    status = mentee.custody_status
    if status == CustodyStatus.REMAND:
        return Phase.REMAND
    if status == CustodyStatus.SENTENCED:
        in_window = _in_release_window(mentee, today, mentorship.programme.re_entry_days)
        return Phase.RE_ENTRY if in_window else Phase.SENTENCE
    return Phase.AFTERCARE


# What a custody event does to the phase of the person's ongoing mentorship:
# event -> {phase before: phase after}. Events not listed leave the phase as it is.
_RELEASED: dict[str, str] = {Phase.REMAND: Phase.AFTERCARE, Phase.SENTENCE: Phase.AFTERCARE}
PHASE_AFTER_EVENT: dict[str, dict[str, str]] = {
    "sentencing": {Phase.REMAND: Phase.SENTENCE},
    "release_on_licence": {**_RELEASED, Phase.RE_ENTRY: Phase.AFTERCARE},
    "release": {**_RELEASED, Phase.RE_ENTRY: Phase.AFTERCARE},
    "recall": {Phase.AFTERCARE: Phase.SENTENCE, Phase.RE_ENTRY: Phase.SENTENCE},
    "acquittal": {Phase.REMAND: Phase.RE_ENTRY},
    "admission": {Phase.AFTERCARE: Phase.REMAND, Phase.RE_ENTRY: Phase.REMAND},
}


def _in_release_window(mentee: Mentee, today: date, days: int) -> bool:
    release = mentee.expected_release_date
    return release is not None and release - today <= timedelta(days=days)


def _change(
    *,
    mentorship: Mentorship,
    kind: str,
    to: str,
    actor: User | None,
    reason: str = "",
    reason_code: str = "",
    params: dict[str, object] | None = None,
) -> None:
    """`reason` is what the person typed; `reason_code` and `params` what the system says
    (models.CHANGE_WORDINGS), put into words when the history is read."""
    from_value = mentorship.status if kind == MentorshipChange.Kind.STATUS else mentorship.phase
    MentorshipChange.objects.create(
        mentorship=mentorship,
        kind=kind,
        from_value=from_value,
        to_value=to,
        reason=reason.strip(),
        reason_code=reason_code,
        params=params or {},
        actor=actor,
        occurred_at=timezone.now(),
    )
    if kind == MentorshipChange.Kind.STATUS:
        mentorship.status = to
        mentorship.status_changed_at = timezone.now()
    else:
        mentorship.phase = to


def record_proposal(*, mentorship: Mentorship, actor: User) -> None:
    """The history's first line, written by the match that created the mentorship."""
    MentorshipChange.objects.create(
        mentorship=mentorship,
        kind=MentorshipChange.Kind.STATUS,
        to_value=MentorshipStatus.PROPOSED,
        actor=actor,
        occurred_at=timezone.now(),
    )
    alert_windows_rebuild([mentorship.pk])


@dataclass
class Agreement:
    initial_meeting_on: date
    initial_meeting_with: str  # "coordinator" or "coach"
    agreement_signed_on: date
    meeting_frequency: str
    planned_months: int
    roles_agreed: str
    safety_rules: str


@transaction.atomic
def mentorship_activate(
    *, actor: User, mentorship: Mentorship, version: int, agreement: Agreement
) -> Mentorship:
    """Proposed → active, once the initial meeting has taken place with the coordinator or
    the coach present and the mentorship agreement is signed. The phase starts from the
    person's custody status."""
    if not access.can_manage_mentorship(actor, mentorship):
        raise Refused(_("Only a coordinator activates a mentorship."))
    if mentorship.status != MentorshipStatus.PROPOSED:
        raise Refused(_("Only a proposed mentorship can be activated."))
    today = timezone.localdate()
    for day in (agreement.initial_meeting_on, agreement.agreement_signed_on):
        if day <= today:
            dates.PROGRAMME_EVENT.require(day)
    missing = []
    if agreement.initial_meeting_on > today:
        missing.append(_("the initial meeting has not taken place yet"))
    if agreement.agreement_signed_on > today:
        missing.append(_("the agreement is dated in the future"))
    if agreement.initial_meeting_with not in ("coordinator", "coach"):
        missing.append(_("say whether the coordinator or the coach was at the initial meeting"))
    if not agreement.roles_agreed.strip() or not agreement.safety_rules.strip():
        missing.append(_("the agreement's roles and safety rules"))
    if missing:
        raise Refused(_("Not yet: %(missing)s.") % {"missing": "; ".join(missing)})
    claim_version(mentorship, version)
    for name, value in asdict(agreement).items():
        setattr(mentorship, name, value.strip() if isinstance(value, str) else value)
    _change(
        mentorship=mentorship,
        kind=MentorshipChange.Kind.STATUS,
        to=MentorshipStatus.ACTIVE,
        actor=actor,
    )
    _change(
        mentorship=mentorship,
        kind=MentorshipChange.Kind.PHASE,
        to=phase_for(mentorship),
        actor=actor,
        reason_code="custody_status",
    )
    mentorship.save()
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=mentorship,
        fields=["status", "phase", *(f.name for f in fields(Agreement))],
        detail="proposed -> active",
    )
    if mentorship.phase == Phase.RE_ENTRY:
        reentry_plan_ensure(mentorship, actor)
    alert_windows_rebuild([mentorship.pk])
    return mentorship


@transaction.atomic
def mentorship_pause_or_resume(
    *, actor: User, mentorship: Mentorship, version: int, to_status: str, reason: str
) -> Mentorship:
    if not access.can_manage_mentorship(actor, mentorship):
        raise Refused(_("Only a coordinator pauses or resumes a mentorship."))
    if PAUSE_MOVES.get(mentorship.status) != to_status:
        raise Refused(_("A mentorship cannot move from this status to that one."))
    if not reason.strip():
        raise Refused(_("Give the reason."))
    claim_version(mentorship, version)
    from_status = mentorship.status
    _change(
        mentorship=mentorship,
        kind=MentorshipChange.Kind.STATUS,
        to=to_status,
        actor=actor,
        reason=reason,
    )
    mentorship.save()
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=mentorship,
        fields=["status", "reason"],
        detail=f"{from_status} -> {to_status}",
    )
    alert_windows_rebuild([mentorship.pk])
    return mentorship


def _move_phase(
    *,
    mentorship: Mentorship,
    to: str,
    actor: User | None,
    reason: str = "",
    reason_code: str = "",
    params: dict[str, object] | None = None,
) -> None:
    from_phase = mentorship.phase
    _change(
        mentorship=mentorship,
        kind=MentorshipChange.Kind.PHASE,
        to=to,
        actor=actor,
        reason=reason,
        reason_code=reason_code,
        params=params,
    )
    # The version moves on, so that a form opened before this move cannot undo it.
    mentorship.version += 1
    mentorship.save(update_fields=["phase", "version"])
    if to == Phase.RE_ENTRY:
        reentry_plan_ensure(mentorship, actor)
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=mentorship,
        fields=["phase"],
        detail=f"{from_phase} -> {to}",
        username="" if actor else "(backontrack phases)",
    )
    alert_windows_rebuild([mentorship.pk])


def follow_custody_event(*, actor: User, event: CustodyEvent) -> list[Mentorship]:
    """Move the phase of the person's ongoing mentorship as the custody event requires:
    sentencing, release, recall, acquittal, a new admission. Called in the transaction that
    records the event."""
    moved = []
    mentee = Mentee.objects.get(pk=event.mentee_id)
    for mentorship in (
        Mentorship.objects.select_for_update()
        .select_related("programme")
        .filter(mentee=mentee, status__in=ONGOING)
    ):
        to = PHASE_AFTER_EVENT.get(event.kind, {}).get(mentorship.phase)
        lead = mentorship.programme.re_entry_days
        if to == Phase.SENTENCE and _in_release_window(mentee, event.occurred_on, lead):
            to = Phase.RE_ENTRY
        if to is None or to == mentorship.phase:
            continue
        _move_phase(
            mentorship=mentorship,
            to=to,
            actor=actor,
            reason_code="custody_event",
            params={"event": event.kind, "date": event.occurred_on.isoformat()},
        )
        moved.append(mentorship)
    return moved


@transaction.atomic
def phases_due(*, today: date | None = None) -> list[Mentorship]:
    """The date-driven move: a mentorship in the sentence phase enters re-entry its
    programme's re-entry lead days before the expected release. Run daily (send-alerts
    does)."""
    today = today or timezone.localdate()
    longest = Programme.objects.aggregate(days=Max("re_entry_days"))["days"] or 0
    due = (
        Mentorship.objects.select_for_update()
        .select_related("programme", "mentee")
        .filter(
            status__in=ONGOING,
            phase=Phase.SENTENCE,
            mentee__expected_release_date__lte=today + timedelta(days=longest),
        )
    )
    moved = []
    for mentorship in due:
        lead = mentorship.programme.re_entry_days
        if not _in_release_window(mentorship.mentee, today, lead):
            continue
        _move_phase(
            mentorship=mentorship,
            to=Phase.RE_ENTRY,
            actor=None,
            reason_code="release_window",
            params={"days": lead},
        )
        moved.append(mentorship)
    return moved


@transaction.atomic
def phase_set(
    *, actor: User, mentorship: Mentorship, version: int, to: str, reason: str
) -> Mentorship:
    """The coordinator moves the phase by hand, with the reason."""
    if not access.can_manage_mentorship(actor, mentorship):
        raise Refused(_("Only a coordinator changes the phase by hand."))
    if mentorship.status not in ONGOING:
        raise Refused(_("Only an active or paused mentorship has a phase to change."))
    if to not in Phase.values or to == mentorship.phase:
        raise Refused(_("Choose another phase."))
    if not reason.strip():
        raise Refused(_("Give the reason."))
    claim_version(mentorship, version)
    _move_phase(mentorship=mentorship, to=to, actor=actor, reason=reason)
    return mentorship


def _reallocation_problems(
    mentorship: Mentorship, mentor: Mentor, readiness: Readiness, *, conflicted: bool
) -> list[str]:
    problems = []
    if mentor.pk == mentorship.mentor_id:
        problems.append(_("Choose a mentor other than the present one."))
    if mentor.pk == mentorship.coach_id:
        problems.append(_("The coach cannot be the mentor."))
    problems += [str(gap.text) for gap in readiness.missing]
    if conflicted:
        problems.append(
            _("A conflict of interest is recorded between %(mentor)s and this person.")
            % {"mentor": mentor}
        )
    return [str(p) for p in problems]


def reallocation_candidates(mentorship: Mentorship) -> list[Mentor]:
    """The mentors this mentorship may pass to, by the same rules as
    `mentorship_reallocate`: ready with a place, not its mentor or coach, no conflict of
    interest with the person."""
    from backontrack.mentors.matching import candidate_mentors

    mentors = candidate_mentors(programme_id=mentorship.programme_id)
    readiness = readiness_of(mentors)
    conflicted = set(
        ConflictOfInterest.objects.filter(
            mentee_id=mentorship.mentee_id, mentor__in=[m.pk for m in mentors]
        ).values_list("mentor_id", flat=True)
    )
    return [
        mentor
        for mentor in mentors
        if not _reallocation_problems(
            mentorship, mentor, readiness[mentor.pk], conflicted=mentor.pk in conflicted
        )
    ]


@transaction.atomic
def mentorship_reallocate(
    *,
    actor: User,
    mentorship: Mentorship,
    version: int,
    mentor: Mentor,
    reason: str,
    note: str,
) -> Mentorship:
    """Hand the mentorship to another ready mentor. It keeps its whole history — meetings,
    phases, agreement — and records who it passed from, to whom, and why."""
    if not access.can_manage_mentorship(actor, mentorship):
        raise Refused(_("Only a coordinator reallocates a mentorship."))
    if mentorship.status not in (MentorshipStatus.PROPOSED, *ONGOING):
        raise Refused(_("A closed mentorship is not reallocated."))
    if reason not in ReallocationReason.values:
        raise Refused(_("Choose why the mentorship moves to another mentor."))
    current = Mentor.objects.select_for_update().get(pk=mentor.pk)
    problems = _reallocation_problems(
        mentorship,
        current,
        readiness_of([current])[current.pk],
        conflicted=ConflictOfInterest.objects.filter(
            mentor=current, mentee_id=mentorship.mentee_id
        ).exists(),
    )
    if problems:
        raise Refused(" ".join(str(p) for p in problems))
    claim_version(mentorship, version)
    previous = mentorship.mentor
    MentorshipChange.objects.create(
        mentorship=mentorship,
        kind=MentorshipChange.Kind.MENTOR,
        from_value=str(previous),
        to_value=str(current),
        reason=note.strip(),
        reason_code="reallocated",
        params={"why": reason},
        actor=actor,
        occurred_at=timezone.now(),
    )
    mentorship.mentor = current
    mentorship.save(update_fields=["mentor"])
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=mentorship,
        fields=["mentor", "reason"],
        detail=f"mentors.mentor #{previous.pk} -> #{current.pk} ({reason})",
    )
    alert_windows_rebuild([mentorship.pk])
    return mentorship


def coach_candidates(mentorship: Mentorship) -> list[Mentor]:
    """The coaches who may take over the supervision: ready as coach with places left, not
    the mentor, no conflict of interest with the person, not the present coach."""
    from backontrack.mentors.matching import coach_options

    return [
        option.mentor
        for option in coach_options(
            mentorship.mentor,
            mentee_id=mentorship.mentee_id,
            programme_id=mentorship.programme_id,
        )
        if option.mentor.pk != mentorship.coach_id
    ]


@transaction.atomic
def mentorship_change_coach(
    *, actor: User, mentorship: Mentorship, version: int, coach: Mentor, reason: str
) -> Mentorship:
    """Hand the supervision to another coach, with the reason. The previous coach no longer
    reads the mentorship; the history records the change."""
    if not access.can_manage_mentorship(actor, mentorship):
        raise Refused(_("Only a coordinator changes the coach."))
    if mentorship.status not in (MentorshipStatus.PROPOSED, *ONGOING):
        raise Refused(_("A closed mentorship keeps its coach."))
    if not reason.strip():
        raise Refused(_("Give the reason."))
    Mentor.objects.select_for_update().filter(pk=coach.pk).first()
    if coach.pk not in {c.pk for c in coach_candidates(mentorship)}:
        raise Refused(
            _(
                "%(coach)s cannot take this mentorship: a coach must be ready, have a place, "
                "not be the mentor and have no conflict of interest with the person."
            )
            % {"coach": coach}
        )
    claim_version(mentorship, version)
    previous = mentorship.coach
    MentorshipChange.objects.create(
        mentorship=mentorship,
        kind=MentorshipChange.Kind.COACH,
        from_value=str(previous),
        to_value=str(coach),
        reason=reason.strip(),
        actor=actor,
        occurred_at=timezone.now(),
    )
    mentorship.coach = coach
    mentorship.save(update_fields=["coach"])
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=mentorship,
        fields=["coach", "reason"],
        detail=f"mentors.mentor #{previous.pk} -> #{coach.pk}",
    )
    alert_windows_rebuild([mentorship.pk])
    return mentorship


@dataclass
class Closure:
    closed_on: date
    closure_type: str
    closure_reason: str
    exit_interview_mentee: str
    exit_interview_mentor: str
    after_closure_contact: str
    rematch_eligible: bool | None


def closure_missing(mentorship: Mentorship, closure: Closure) -> list[str]:
    """Everything a closure still lacks, all at once, so the coordinator is asked for it
    rather than refused one item at a time."""
    missing = []
    if closure.closed_on > timezone.localdate():
        missing.append(_("a closing date that is not in the future"))
    if closure.closure_type not in ClosureType.values:
        missing.append(_("how it ended"))
    elif mentorship.status == MentorshipStatus.PROPOSED:
        if closure.closure_type != ClosureType.CANCELLED:
            missing.append(_("a mentorship that never started can only be cancelled"))
    elif closure.closure_type == ClosureType.CANCELLED:
        missing.append(_("a mentorship that has started is completed or ended early"))
    if closure.closure_type != ClosureType.COMPLETED and not closure.closure_reason.strip():
        missing.append(_("why it ended"))
    if mentorship.status != MentorshipStatus.PROPOSED:
        if not closure.exit_interview_mentee:
            missing.append(_("the exit interview with the mentee (held, declined or not possible)"))
        if not closure.exit_interview_mentor:
            missing.append(_("the exit interview with the mentor"))
        if not closure.after_closure_contact:
            missing.append(_("the rule for contact after closure"))
    if closure.rematch_eligible is None:
        missing.append(_("whether the person may be matched again"))
    return [str(item) for item in missing]


@transaction.atomic
def mentorship_close(
    *, actor: User, mentorship: Mentorship, version: int, closure: Closure
) -> Mentorship:
    if not access.can_manage_mentorship(actor, mentorship):
        raise Refused(_("Only a coordinator closes a mentorship."))
    if mentorship.status == MentorshipStatus.CLOSED:
        raise Refused(_("The mentorship is already closed."))
    if closure.closed_on <= timezone.localdate():
        dates.PROGRAMME_EVENT.require(closure.closed_on)
    if missing := closure_missing(mentorship, closure):
        raise Refused(
            _("To close the mentorship, add: %(missing)s.") % {"missing": "; ".join(missing)}
        )
    claim_version(mentorship, version)
    for name, value in asdict(closure).items():
        setattr(mentorship, name, value.strip() if isinstance(value, str) else value)
    from_status = mentorship.status
    _change(
        mentorship=mentorship,
        kind=MentorshipChange.Kind.STATUS,
        to=MentorshipStatus.CLOSED,
        actor=actor,
        reason=closure.closure_reason,
        reason_code="closed",
        params={"closure": closure.closure_type},
    )
    mentorship.save()
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=mentorship,
        fields=["status", *(f.name for f in fields(Closure))],
        detail=f"{from_status} -> closed ({closure.closure_type})",
    )
    alert_windows_rebuild([mentorship.pk])
    follow_ups_due_rebuild(mentorships=[mentorship.pk])
    return mentorship


@transaction.atomic
def check_in_record(
    *, actor: User, mentorship: Mentorship, occurred_on: date, how: str, note: str
) -> CheckIn:
    """The coordinator's check-in with the mentor and mentee."""
    if not access.can_manage_mentorship(actor, mentorship):
        raise Refused(_("Check-ins are the coordinator's."))
    if mentorship.status not in ONGOING:
        raise Refused(_("Check-ins are recorded on an active or paused mentorship."))
    if occurred_on > timezone.localdate():
        raise Refused(_("A check-in cannot be recorded before it has taken place."))
    dates.PROGRAMME_EVENT.require(occurred_on)
    if how not in CheckIn.How.values:
        raise Refused(_("Choose from the options given."))
    check_in = CheckIn.objects.create(
        mentorship=mentorship,
        occurred_on=occurred_on,
        how=how,
        note=note.strip(),
        recorded_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=check_in,
        fields=["occurred_on", "how", *(["note"] if note.strip() else [])],
        detail=f"for mentorships.mentorship #{mentorship.pk}",
    )
    alert_windows_rebuild([mentorship.pk])
    return check_in


# --- Plan and goals -------------------------------------------------------------------------
