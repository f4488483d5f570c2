"""The access policy: the one place that says who may see or do what.

Default deny. Each predicate lists its conditions one per line. Views call these and answer
404 when a predicate says no, so that "not allowed" and "not found" look the same.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import AccountRequest, Organisation, Role, SignInLink, User
from backontrack.api.models import ApiClient, ApiToken, Scope
from backontrack.audit import context as audit_context
from backontrack.audit.models import AuditEvent, AuditEventSubject
from backontrack.concerns.models import Concern, ConcernRevision
from backontrack.disclosures.models import Disclosure
from backontrack.disclosures.models import Status as DisclosureStatus
from backontrack.evaluation.models import DueFollowUp, Indicator
from backontrack.lessons.models import MOVES, Lesson, LessonStatus
from backontrack.mentees.models import Consent, CustodyEvent, Mentee
from backontrack.mentors.models import (
    Attendance,
    ConflictOfInterest,
    Course,
    CourseSession,
    Mentor,
    ModuleSignOff,
    PoolDraft,
    ScreeningCheck,
)
from backontrack.mentorships.models import (
    ONGOING,
    OPEN_MENTORSHIP_STATUSES,
    PAUSE_MOVES,
    AlertWindow,
    CheckIn,
    Goal,
    Meeting,
    Mentorship,
    Plan,
    ReentryNeed,
    ReentryPlan,
)
from backontrack.network.models import Involvement, NetworkMember
from backontrack.programmes.models import MEMBER_ROLES, Programme, ProgrammeMembership
from backontrack.referrals.models import Referral, Screening
from backontrack.referrals.transitions import roles_allowed
from backontrack.reviews.models import Review
from backontrack.workinggroup.models import (
    OPEN_ACTION_STATUSES,
    AgendaItem,
    GroupAction,
    GroupMeeting,
    ItemKind,
    WorkingGroup,
)


def _active(user: object) -> User | None:
    """The active person; a system client's account is nobody here (only the register's
    writes below let it in)."""
    if not isinstance(user, User):
        return None
    if not user.is_authenticated:
        return None
    if not user.is_active:
        return None
    if is_system_account(user):
        return None
    return user


def authenticated_user(request: HttpRequest) -> User | None:
    """The signed-in, active user of a request, or None."""
    return _active(request.user)


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user, for views behind LoginRequiredMiddleware; 404 if there is none."""
    user = authenticated_user(request)
    if user is None:
        raise Http404
    return user


def has_role(user: object, role: Role) -> bool:
    active = _active(user)
    if active is None:
        return False
    return active.has_role(role)


# --- Programmes -----------------------------------------------------------------------------
# Case data belongs to one programme; people take part in programmes through memberships.
# The predicates below take the programme into account through these subqueries, so that a
# coordinator of one programme reaches nothing of another's (docs/guide/programmes.md).


def _taking_part(user: User, *roles: str) -> list[int]:
    """The ids of the programmes the user takes part in, in one of these roles that they hold,
    read once per user object, that is once per request (a page asks it of every list and
    record it shows; the queries that use the ids stay simple)."""
    held = tuple(role for role in roles or MEMBER_ROLES if user.has_role(role))
    cache: dict[tuple[str, ...], list[int]] = user.__dict__.setdefault("_taking_part", {})
    if held not in cache:
        # Unordered: the model's ordering would join the programmes only to sort the ids.
        cache[held] = sorted(
            ProgrammeMembership.objects.filter(user=user, role__in=held)
            .order_by()
            .values_list("programme_id", flat=True)
        )
    return cache[held]


def programmes_of(user: object, *roles: str) -> QuerySet[Programme]:
    """The programmes the user takes part in (in one of these roles, or any)."""
    active = _active(user)
    if active is None:
        return Programme.objects.none()
    return Programme.objects.filter(pk__in=_taking_part(active, *roles))


def programmes_coordinated_by(user: object) -> QuerySet[Programme]:
    return programmes_of(user, Role.COORDINATOR)


def _coordinated(user: object) -> frozenset[int]:
    """The ids of the programmes the user coordinates, read once per user object (a page
    asks this of many buttons)."""
    active = _active(user)
    if active is None or not active.has_role(Role.COORDINATOR):
        return frozenset()
    cached: frozenset[int] | None = getattr(active, "_coordinated_programmes", None)
    if cached is None:
        cached = frozenset(
            ProgrammeMembership.objects.filter(user=active, role=Role.COORDINATOR).values_list(
                "programme_id", flat=True
            )
        )
        active._coordinated_programmes = cached  # type: ignore[attr-defined]
    return cached


def coordinates(user: object, programme: Programme | int) -> bool:
    """A coordinator of this programme: screens its referrals, matches, steers its cases."""
    programme_id = programme if isinstance(programme, int) else programme.pk
    return programme_id in _coordinated(user)


def can_manage_programmes(user: object) -> bool:
    """The administrator creates programmes and says who takes part in them; they see no
    case data of any, and cannot add themselves."""
    return has_role(user, Role.ADMIN)


def programmes_visible_to(user: object) -> QuerySet[Programme]:
    """The administrator sees every programme; everyone else those they take part in."""
    if can_manage_programmes(user):
        return Programme.objects.all()
    return programmes_of(user)


def programme_for(user: object, pk: int) -> Programme:
    programme = programmes_visible_to(user).select_related("organisation").filter(pk=pk).first()
    if programme is None:
        raise Http404
    return programme


def can_change_programme_settings(user: object, programme: Programme) -> bool:
    """A programme's coordinators set its thresholds (each change kept in its history)."""
    return coordinates(user, programme)


def can_invite_into(user: object, programme: Programme) -> bool:
    """A coordinator of the programme may invite mentors of the corps into it."""
    return coordinates(user, programme)


def open_mentorships_held(user: User, programme: Programme) -> int:
    """How many open mentorships of the programme the person holds as mentor or coach (they
    must be reallocated before the person leaves the programme)."""
    return (
        Mentorship.objects.filter(programme=programme, status__in=OPEN_MENTORSHIP_STATUSES)
        .filter(Q(mentor__user=user) | Q(coach__user=user))
        .count()
    )


def can_administer_accounts(user: object) -> bool:
    """Admins manage users, organisations and institutions. They never see case files."""
    return has_role(user, Role.ADMIN)


def can_approve_account_changes(user: object) -> bool:
    """Coordinators approve case roles; administrators approve one another's grants of the
    auditor and administrator roles."""
    return has_role(user, Role.COORDINATOR) or can_administer_accounts(user)


def account_requests_to_decide(user: object) -> QuerySet[AccountRequest]:
    """The account changes waiting for this person's approval: of the role that approves
    them (a coordinator for case roles, an administrator for the auditor and administrator
    roles), never about themself and never ones they asked for."""
    active = _active(user)
    if active is None:
        return AccountRequest.objects.none()
    requests = (
        AccountRequest.objects.filter(
            status=AccountRequest.Status.PENDING, approver_role__in=active.roles
        )
        .exclude(user=active)
        .exclude(requested_by=active)
        .filter(user__is_active=True)
    )
    # Nor about, or asked by, another account of the same person (same name or address):
    # an administrator's own casework account never approves that administrator's requests.
    if active.email:
        requests = requests.exclude(user__email__iexact=active.email).exclude(
            requested_by__email__iexact=active.email
        )
    if active.first_name and active.last_name:
        same_name = {"first_name__iexact": active.first_name, "last_name__iexact": active.last_name}
        requests = requests.exclude(
            **{f"user__{key}": value for key, value in same_name.items()}
        ).exclude(**{f"requested_by__{key}": value for key, value in same_name.items()})
    return (
        requests.select_related("user", "user__organisation", "requested_by")
        .prefetch_related("user__role_grants")
        .order_by("requested_at", "id")
    )


def account_changes_visible_to(user: object) -> QuerySet[AccountRequest]:
    """The auditor oversees every request for a role or an e-mail change, as it happens."""
    if not can_read_audit_trail(user):
        return AccountRequest.objects.none()
    return AccountRequest.objects.select_related("user", "requested_by", "decided_by")


def signin_links_visible_to(user: object) -> QuerySet[SignInLink]:
    """The auditor sees every sign-in link sent (who sent it, for whom, why, whether it was
    used) — never the link itself, which is stored only as a hash."""
    if not can_read_audit_trail(user):
        return SignInLink.objects.none()
    return SignInLink.objects.select_related("user", "issued_by")


def account_request_for(user: object, pk: int) -> AccountRequest:
    request = account_requests_to_decide(user).filter(pk=pk).first()
    if request is None:
        raise Http404
    return request


# --- Mentees --------------------------------------------------------------------------------
# Protected models (Mentee, CustodyEvent, AuditEvent) are loaded in views only through the
# functions below; tests/test_access_policy.py fails when a view queries them directly.


def mentees_visible_to(user: object) -> QuerySet[Mentee]:
    """The register's records this user may see: a coordinator those of the people registered
    in, referred to or mentored in a programme they coordinate. Nobody else opens the
    register (mentors and coaches see their mentee on the mentorship's page)."""
    programme_ids = _register_programmes(user)
    if programme_ids is None:
        return Mentee.objects.none()
    return Mentee.objects.filter(in_programmes(programme_ids))


def _register_programmes(user: object) -> list[int] | None:
    """The programmes whose people the user may find in the register (None: nobody's)."""
    active = _active(user)
    if active is None or not active.has_role(Role.COORDINATOR):
        return None
    return _taking_part(active, Role.COORDINATOR)


def in_programmes(programme_ids: QuerySet | list[int]) -> Q:
    """The people registered in, referred to or mentored in these programmes."""
    return (
        Q(programme_id__in=programme_ids)
        | Q(pk__in=Referral.objects.filter(programme_id__in=programme_ids).values("mentee_id"))
        | Q(pk__in=Mentorship.objects.filter(programme_id__in=programme_ids).values("mentee_id"))
    )


def mentee_for(user: object, pk: int) -> Mentee:
    """One mentee the user may see, or 404 whether it is missing or not theirs to see."""
    programme_ids = _register_programmes(user)
    mentee = None
    if programme_ids is not None:
        # Most people are registered in a programme that refers them: the first part of the
        # register's rule (in_programmes) alone is a much simpler query to build. Anyone else,
        # and anyone missing, is asked the whole rule next.
        mentee = (
            Mentee.objects.filter(programme_id__in=programme_ids)
            .select_related("institution", "programme")
            .filter(pk=pk)
            .first()
        )
    if mentee is None:
        mentee = (
            mentees_visible_to(user)
            .select_related("institution", "programme")
            .filter(pk=pk)
            .first()
        )
    if mentee is None:
        raise Http404
    mentee._opened_for = _active(user)  # type: ignore[attr-defined]
    return mentee


def _opened_for(user: object, mentee: Mentee) -> bool:
    """Whether `mentee_for` loaded this very object for this very user object (that is, in
    this request): the register's rule was asked of the person then, so the lists of their
    own records (custody history, consents, disclosures) need not nest it again — building
    that subquery was most of the cost of the person's page. Any other object is checked
    in full."""
    active = _active(user)
    return active is not None and mentee.__dict__.get("_opened_for") is active


def _of_visible_mentee(user: object, mentee: Mentee) -> Q:
    """The records of this person, if the user may see the person."""
    if _opened_for(user, mentee):
        return Q(mentee=mentee)
    return Q(mentee__in=mentees_visible_to(user), mentee=mentee)


def can_manage_mentees(user: object) -> bool:
    """Register and change mentees and their custody history."""
    return has_role(user, Role.COORDINATOR)


def can_open_mentee_record(user: object, mentee_id: int) -> bool:
    """Whether the register's record of this person opens for the user (the mentorship
    page links back to it only then)."""
    return can_manage_mentees(user) and mentees_visible_to(user).filter(pk=mentee_id).exists()


def referrals_of_mentee(user: object, mentee: Mentee) -> QuerySet[Referral]:
    """The person's referrals the user may see, for their record: date and status only."""
    return (
        referrals_visible_to(user)
        .filter(mentee=mentee)
        .select_related("programme")
        .only("id", "mentee_id", "referred_on", "status", "programme__name")
        .order_by("-referred_on", "-id")
    )


def mentorships_of_mentee(user: object, mentee: Mentee) -> QuerySet[Mentorship]:
    """The person's mentorships the user may see, current and past, with mentor and coach,
    for their record: what its list shows only."""
    return (
        mentorships_visible_to(user)
        .filter(mentee=mentee)
        .select_related("programme", "mentor", "coach")
        .only(
            "id",
            "mentee_id",
            "status",
            "phase",
            "created_at",
            "closed_on",
            "programme__name",
            "mentor__first_name",
            "mentor__last_name",
            "coach__first_name",
            "coach__last_name",
        )
        .order_by("-created_at", "-id")
    )


def consents_of(user: object, mentee: Mentee) -> QuerySet[Consent]:
    return Consent.objects.filter(_of_visible_mentee(user, mentee))


def consent_for(user: object, mentee: Mentee, pk: int) -> Consent:
    consent = consents_of(user, mentee).filter(pk=pk).first()
    if consent is None:
        raise Http404
    return consent


def custody_events_of(user: object, mentee: Mentee) -> QuerySet[CustodyEvent]:
    """The person's custody history, for their record: what its table shows only (not the
    whole row of the account that recorded each event)."""
    return (
        CustodyEvent.objects.filter(_of_visible_mentee(user, mentee))
        .select_related("institution", "recorded_by")
        .only(
            "id",
            "row_key",
            "mentee_id",
            "kind",
            "occurred_on",
            "note",
            "institution__name",
            "recorded_by__first_name",
            "recorded_by__last_name",
            "recorded_by__username",
        )
    )


CLOSED_LIST = "mentorships:closed"


def require_stated_purpose(key: str) -> None:
    """A look that is not routine opens only with a purpose the person stated in this
    session (see audit.context); the events of the request carry it."""
    context = audit_context.current.get()
    stated = dict(context.purposes).get(key)
    if not stated:
        raise audit_context.PurposeRequired(key)
    audit_context.current.set(replace(context, stated=stated))


def mentee_for_audit(user: object, pk: int) -> Mentee:
    """The auditor identifies a person to see who looked at their record; the auditor sees
    no case data, only the name and the access history, and says why first."""
    require(can_read_audit_trail(user))
    mentee = Mentee.objects.filter(pk=pk).only("id", "first_name", "last_name").first()
    if mentee is None:
        raise Http404
    require_stated_purpose(f"mentee:{mentee.pk}")
    return mentee


def mentee_by_personal_id_for_audit(user: object, index: str) -> Mentee | None:
    require(can_read_audit_trail(user))
    return Mentee.objects.filter(personal_id_index=index).only("id").first()


# --- Referrals ------------------------------------------------------------------------------


def can_submit_referral(user: object) -> bool:
    """Prison and probation staff (referrers) and coordinators refer people."""
    return has_role(user, Role.REFERRER) or has_role(user, Role.COORDINATOR)


def can_screen_referrals(user: object) -> bool:
    """The coordinator's inbox: every open referral, with its reasons and criteria."""
    return has_role(user, Role.COORDINATOR)


def referrals_visible_to(user: object) -> QuerySet[Referral]:
    """A coordinator sees the referrals of the programmes they coordinate (and any they made
    themselves); a referrer sees the referrals they made, whichever the programme."""
    active = _active(user)
    if active is None:
        return Referral.objects.none()
    if has_role(active, Role.COORDINATOR):
        return Referral.objects.filter(
            Q(programme_id__in=_taking_part(active, Role.COORDINATOR)) | Q(referred_by=active)
        )
    if has_role(active, Role.REFERRER):
        return Referral.objects.filter(referred_by=active)
    return Referral.objects.none()


def referral_for(user: object, pk: int) -> Referral:
    referral = (
        referrals_visible_to(user)
        .select_related("programme", "mentee", "mentee__institution", "referred_by")
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        raise Http404
    if can_screen_referrals(user):
        # The referral of a closed case shows the case: it opens as the case does.
        closed = Mentorship.objects.filter(referral=referral, status="closed")
        if (closed_id := closed.values_list("pk", flat=True).first()) is not None:
            require_stated_purpose(f"mentorship:{closed_id}")
    return referral


def closed_mentorships_listed() -> None:
    """The list of closed cases names everyone whose work has ended: not routine either."""
    require_stated_purpose(CLOSED_LIST)


def can_move_referral(user: object, referral: Referral, to_status: str) -> bool:
    """The transition table (referrals/transitions.py) names the roles for each move. A
    coordinator makes a coordinator's move only in a programme they coordinate; whoever made
    the referral may take it back (withdraw it) where the table lets a referrer."""
    active = _active(user)
    if active is None:
        return False
    allowed = roles_allowed(referral.status, to_status)
    if Role.COORDINATOR in allowed and coordinates(active, referral.programme):
        return True
    return (
        Role.REFERRER in allowed
        and referral.referred_by_id == active.pk
        and (active.has_role(Role.REFERRER) or active.has_role(Role.COORDINATOR))
    )


def screening_of(user: object, referral: Referral) -> Screening | None:
    return (
        Screening.objects.filter(referral__in=referrals_visible_to(user), referral=referral)
        .select_related("decided_by")
        .first()
        if coordinates(user, referral.programme_id)
        else None
    )


def can_see_referral_details(user: object, referral: Referral) -> bool:
    """The coordinator sees everything: the register's record, the screening, the history.
    The referrer sees the status and outcome of their referral and what they sent
    (can_see_own_submission), never the register's record or the screening."""
    return coordinates(user, referral.programme_id)


def can_see_own_submission(user: object, referral: Referral) -> bool:
    """The referrer reads back, unchangeable, what they sent: the name they gave, the
    unit, the criteria, the orientation and their reasons."""
    active = _active(user)
    if active is None:
        return False
    if not active.has_role(Role.REFERRER):
        return False
    return referral.referred_by_id == active.pk


def outcome_reasons_of(user: object, referral_ids: Iterable[int]) -> dict[int, str]:
    """The reason code of each not-eligible decision among these referrals, for those the
    user may see: the referrer learns why in the programme's words, never the
    coordinator's notes or findings."""
    return dict(
        Screening.objects.filter(
            referral__in=referrals_visible_to(user),
            referral_id__in=list(referral_ids),
            decision="not_eligible",
        )
        .exclude(not_eligible_reason="")
        .values_list("referral_id", "not_eligible_reason")
    )


# --- Mentor corps and training ---------------------------------------------------------------


def can_manage_mentors(user: object) -> bool:
    """Coordinators register mentors, record their screening and conflicts, and match."""
    return has_role(user, Role.COORDINATOR)


def can_manage_training(user: object) -> bool:
    """The trainer plans courses, records attendance and signs off modules. Coordinators
    read the training records; nobody else writes them."""
    return has_role(user, Role.TRAINER)


def can_see_training(user: object) -> bool:
    return can_manage_training(user) or can_manage_mentors(user)


def _mentor_account(user: object) -> User | None:
    """An active account that holds the mentor or coach role (only such an account sees a
    mentor profile of its own)."""
    active = _active(user)
    if active is None or not (active.has_role(Role.MENTOR) or active.has_role(Role.COACH)):
        return None
    return active


def mentors_visible_to(user: object) -> QuerySet[Mentor]:
    """Coordinators and trainers see the corps (trainers the profile, readiness and training,
    never screening results or conflicts); a mentor or coach sees their own profile."""
    active = _active(user)
    if active is None:
        return Mentor.objects.none()
    if can_see_training(active):
        return Mentor.objects.all()
    if _mentor_account(active) is None:
        return Mentor.objects.none()
    return Mentor.objects.filter(user=active)


def mentor_for(user: object, pk: int) -> Mentor:
    mentor = mentors_visible_to(user).select_related("user").filter(pk=pk).first()
    if mentor is None:
        raise Http404
    return mentor


def own_mentor_profile(user: object) -> Mentor | None:
    account = _mentor_account(user)
    if account is None:
        return None
    return Mentor.objects.filter(user=account).first()


def is_own_mentor_profile(user: object, mentor: Mentor) -> bool:
    account = _mentor_account(user)
    return account is not None and mentor.user_id == account.pk


def open_mentorship_of(user: object, mentee_id: int) -> Mentorship | None:
    """The person's mentorship that is not closed, for the coordinator matching them."""
    if not can_screen_referrals(user):
        return None
    return (
        mentorships_visible_to(user)
        .filter(mentee_id=mentee_id, status__in=OPEN_MENTORSHIP_STATUSES)
        .select_related("mentor")
        .first()
    )


def can_edit_mentor(user: object, mentor: Mentor) -> bool:
    """The coordinator edits every profile; a mentor edits parts of their own."""
    return can_manage_mentors(user) or is_own_mentor_profile(user, mentor)


def can_see_screening(user: object, mentor: Mentor) -> bool:
    """Screening results (criminal record, vetting) are for the coordinator and the mentor
    themselves; never for other mentors, and not for the trainer."""
    return can_manage_mentors(user) or is_own_mentor_profile(user, mentor)


def checks_of(user: object, mentor: Mentor) -> QuerySet[ScreeningCheck]:
    if not can_see_screening(user, mentor):
        return ScreeningCheck.objects.none()
    return ScreeningCheck.objects.filter(mentor=mentor).select_related("recorded_by")


def conflicts_of(user: object, mentor: Mentor) -> QuerySet[ConflictOfInterest]:
    """Conflicts name a mentee, so only the coordinator sees them."""
    if not can_manage_mentors(user):
        return ConflictOfInterest.objects.none()
    return ConflictOfInterest.objects.filter(
        mentor=mentor, mentee__in=mentees_visible_to(user)
    ).select_related("mentee")


def mentee_by_personal_id(user: object, index: str) -> Mentee | None:
    return mentees_visible_to(user).filter(personal_id_index=index).first()


def courses_visible_to(user: object) -> QuerySet[Course]:
    """The courses of the programmes the trainer or coordinator takes part in."""
    active = _active(user)
    if active is None or not can_see_training(active):
        return Course.objects.none()
    return Course.objects.filter(
        programme_id__in=_taking_part(active, Role.TRAINER, Role.COORDINATOR)
    )


def course_for(user: object, pk: int) -> Course:
    course = courses_visible_to(user).select_related("module").filter(pk=pk).first()
    if course is None:
        raise Http404
    return course


def session_for(user: object, pk: int) -> CourseSession:
    session = (
        CourseSession.objects.filter(course__in=courses_visible_to(user), pk=pk)
        .select_related("course", "course__module")
        .first()
    )
    if session is None:
        raise Http404
    return session


def mentorship_of_referral(user: object, referral: Referral) -> Mentorship | None:
    if not can_screen_referrals(user):
        return None
    return (
        mentorships_visible_to(user)
        .filter(referral=referral)
        .select_related("mentor", "coach")
        .first()
    )


def attendance_visible_to(user: object) -> QuerySet[Attendance]:
    """Training records are read by the trainer and the coordinators."""
    if not can_see_training(user):
        return Attendance.objects.none()
    return Attendance.objects.filter(session__course__in=courses_visible_to(user))


def sign_offs_visible_to(user: object) -> QuerySet[ModuleSignOff]:
    if not can_see_training(user):
        return ModuleSignOff.objects.none()
    return ModuleSignOff.objects.all()


# --- Mentorships -----------------------------------------------------------------------------


def mentorships_visible_to(user: object) -> QuerySet[Mentorship]:
    """The coordinator sees the mentorships of the programmes they coordinate; a mentor the
    ones they mentor and a coach also those they supervise, in programmes they take part in.
    A mentor or coach who has left the corps sees none, and a closed mentorship is the
    coordinator's alone: nobody follows a person after the work with them has ended. Nobody
    else sees any."""
    active = _active(user)
    if active is None:
        return Mentorship.objects.none()
    if has_role(active, Role.COORDINATOR):
        return Mentorship.objects.filter(programme_id__in=_taking_part(active, Role.COORDINATOR))
    mine = Q(pk__in=[])
    if active.has_role(Role.MENTOR) or active.has_role(Role.COACH):
        mine |= Q(mentor__user=active) & ~Q(mentor__status="left")
    if active.has_role(Role.COACH):
        mine |= Q(coach__user=active) & ~Q(coach__status="left")
    return (
        Mentorship.objects.filter(mine)
        .filter(programme_id__in=_taking_part(active, Role.MENTOR, Role.COACH))
        .exclude(status="closed")
    )


def alert_windows_visible_to(user: object) -> QuerySet[AlertWindow]:
    """The alert windows of the open mentorships the user sees (`mentorships_visible_to`):
    a coordinator's are those of their programmes, asked of the window's own programme (only
    open mentorships have windows: decision 0038)."""
    active = _active(user)
    if active is None:
        return AlertWindow.objects.none()
    if has_role(active, Role.COORDINATOR):
        return AlertWindow.objects.filter(programme_id__in=_taking_part(active, Role.COORDINATOR))
    return AlertWindow.objects.filter(
        mentorship__in=mentorships_visible_to(active).exclude(status="closed").values("pk")
    )


def mentorship_for(user: object, pk: int) -> Mentorship:
    mentorship = (
        mentorships_visible_to(user)
        .select_related("programme", "mentee", "mentee__institution", "mentor", "coach", "referral")
        .filter(pk=pk)
        .first()
    )
    if mentorship is None:
        raise Http404
    if mentorship.status == "closed":
        # Only the coordinator sees a closed case, and not routinely: they say why.
        require_stated_purpose(f"mentorship:{mentorship.pk}")
    return mentorship


def can_manage_mentorship(user: object, mentorship: Mentorship) -> bool:
    """Activation, pausing and resuming are the coordinator's (of the mentorship's
    programme)."""
    return coordinates(user, mentorship.programme_id)


def can_activate_mentorship(user: object, mentorship: Mentorship) -> bool:
    """The coordinator activates a proposed mentorship."""
    return can_manage_mentorship(user, mentorship) and mentorship.status == "proposed"


def pause_or_resume_to(user: object, mentorship: Mentorship) -> str | None:
    """The status the coordinator may move the mentorship to by pausing an active one or
    resuming a paused one; None when they may not."""
    if not can_manage_mentorship(user, mentorship):
        return None
    return PAUSE_MOVES.get(mentorship.status)


def can_steer_ongoing_mentorship(user: object, mentorship: Mentorship) -> bool:
    """Check-ins and moving the phase by hand are the coordinator's, while the mentorship
    is active or paused."""
    return can_manage_mentorship(user, mentorship) and mentorship.status in ONGOING


def can_change_open_mentorship(user: object, mentorship: Mentorship) -> bool:
    """Reallocating, changing the coach and closing are the coordinator's, until the
    mentorship is closed."""
    return can_manage_mentorship(user, mentorship) and mentorship.status != "closed"


def is_mentor_of(user: object, mentorship: Mentorship) -> bool:
    account = _mentor_account(user)
    return account is not None and mentorship.mentor.user_id == account.pk


def can_see_coach_change_reasons(user: object, mentorship: Mentorship) -> bool:
    """Why a coach was changed is often about the previous coach: the coordinator and the
    supervising coach read it; the mentor sees only that the coach changed."""
    if coordinates(user, mentorship.programme_id):
        return True
    account = _active(user)
    return (
        account is not None
        and account.has_role(Role.COACH)
        and mentorship.coach.user_id == account.pk
    )


def can_see_reallocation_reasons(user: object, mentorship: Mentorship) -> bool:
    """Why a mentorship moved to another mentor (and the note with it) is about the previous
    mentor: the coordinator and the supervising coach read it; the mentor, the new one
    included, sees only that the mentor changed."""
    return can_see_coach_change_reasons(user, mentorship)


def can_record_meetings(user: object, mentorship: Mentorship) -> bool:
    """The mentor records the meetings of their active mentorship; the coordinator may too
    (a meeting they attended). The coach reads them."""
    if mentorship.status != "active":
        return False
    return is_mentor_of(user, mentorship) or coordinates(user, mentorship.programme_id)


def can_edit_meeting(user: object, meeting: Meeting) -> bool:
    """A meeting is changed by the mentor who recorded it, or by the coordinator; the next
    mentor after a reallocation reads the earlier mentor's meetings but does not rewrite
    them."""
    return meeting.pk in editable_meetings(user, meeting.mentorship, [meeting])


def editable_meetings(
    user: object, mentorship: Mentorship, meetings: Iterable[Meeting]
) -> set[int]:
    """Which of these meetings of the mentorship this person may change (see
    `can_edit_meeting`)."""
    if not can_record_meetings(user, mentorship):
        return set()
    coordinator = coordinates(user, mentorship.programme_id)
    me = getattr(user, "pk", None)
    return {m.pk for m in meetings if coordinator or m.recorded_by_id == me}


def can_edit_plan(user: object, mentorship: Mentorship) -> bool:
    """The mentor and the coordinator keep the plan and its goals while the mentorship is
    active or paused; the coach reads it."""
    if mentorship.status not in ONGOING:
        return False
    return is_mentor_of(user, mentorship) or coordinates(user, mentorship.programme_id)


def can_record_reviews(user: object, mentorship: Mentorship) -> bool:
    """The mentor and the coordinator record progress reviews while the mentorship is active
    or paused (the closure review before closing); the coach reads them."""
    return can_edit_plan(user, mentorship)


def reviews_of(user: object, mentorship: Mentorship) -> QuerySet[Review]:
    if not mentorships_visible_to(user).filter(pk=mentorship.pk).exists():
        return Review.objects.none()
    return (
        Review.objects.filter(mentorship=mentorship)
        .select_related("instrument", "recorded_by")
        .prefetch_related("ratings")
    )


def can_edit_network(user: object, mentorship: Mentorship) -> bool:
    """The mentor and the coordinator keep the mentee's network while the mentorship is
    active or paused; the coach reads it."""
    return can_edit_plan(user, mentorship)


def network_of(user: object, mentorship: Mentorship) -> QuerySet[NetworkMember]:
    """The mentee's network, for whoever sees the mentorship."""
    if not mentorships_visible_to(user).filter(pk=mentorship.pk).exists():
        return NetworkMember.objects.none()
    return NetworkMember.objects.filter(mentee_id=mentorship.mentee_id)


def network_member_for(user: object, mentorship: Mentorship, pk: int) -> NetworkMember:
    member = network_of(user, mentorship).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


def involvements_of(user: object, mentorship: Mentorship) -> QuerySet[Involvement]:
    if not mentorships_visible_to(user).filter(pk=mentorship.pk).exists():
        return Involvement.objects.none()
    return Involvement.objects.filter(mentorship=mentorship).select_related(
        "member", "meeting", "recorded_by"
    )


def reentry_plan_of(user: object, mentorship: Mentorship) -> ReentryPlan | None:
    return ReentryPlan.objects.filter(
        mentorship__in=mentorships_visible_to(user), mentorship=mentorship
    ).first()


def reentry_needs_of(user: object, mentorship: Mentorship) -> QuerySet[ReentryNeed]:
    return ReentryNeed.objects.filter(
        plan__mentorship__in=mentorships_visible_to(user), plan__mentorship=mentorship
    ).select_related("plan")


def reentry_need_for(user: object, mentorship: Mentorship, pk: int) -> ReentryNeed:
    need = reentry_needs_of(user, mentorship).filter(pk=pk).first()
    if need is None:
        raise Http404
    return need


def plan_of(user: object, mentorship: Mentorship) -> Plan | None:
    return Plan.objects.filter(
        mentorship__in=mentorships_visible_to(user), mentorship=mentorship
    ).first()


def goals_of(user: object, mentorship: Mentorship) -> QuerySet[Goal]:
    return Goal.objects.filter(mentorship__in=mentorships_visible_to(user), mentorship=mentorship)


def goal_for(user: object, mentorship: Mentorship, pk: int) -> Goal:
    goal = goals_of(user, mentorship).select_related("mentorship").filter(pk=pk).first()
    if goal is None:
        raise Http404
    return goal


def meetings_of(user: object, mentorship: Mentorship) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(mentorship__in=mentorships_visible_to(user), mentorship=mentorship)
        .select_related("recorded_by")
        .prefetch_related("goals")
    )


def meeting_for(user: object, mentorship: Mentorship, pk: int) -> Meeting:
    meeting = meetings_of(user, mentorship).filter(pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting


def custody_events_for_mentorship(user: object, mentorship: Mentorship) -> QuerySet[CustodyEvent]:
    """The custody events of a mentorship's mentee since the mentorship began, for whoever
    may see the mentorship (its timeline)."""
    if not mentorships_visible_to(user).filter(pk=mentorship.pk).exists():
        return CustodyEvent.objects.none()
    return CustodyEvent.objects.filter(
        mentee_id=mentorship.mentee_id, occurred_on__gte=timezone.localdate(mentorship.created_at)
    ).select_related("institution")


def check_ins_of(user: object, mentorship: Mentorship) -> QuerySet[CheckIn]:
    """The coordinator's check-ins, with their notes: the coordinator's alone."""
    if not can_manage_mentorship(user, mentorship):
        return CheckIn.objects.none()
    return CheckIn.objects.filter(mentorship=mentorship).select_related("recorded_by")


def pool_drafts_visible_to(user: object) -> QuerySet[PoolDraft]:
    """Pool drafts name referrals and mentors: the programme's coordinators' alone."""
    if not can_screen_referrals(user):
        return PoolDraft.objects.none()
    return PoolDraft.objects.filter(programme__in=programmes_of(user, Role.COORDINATOR))


def pool_draft_for(user: object, pk: int) -> PoolDraft:
    draft = pool_drafts_visible_to(user).filter(pk=pk).first()
    if draft is None:
        raise Http404
    return draft


def can_read_audit_trail(user: object) -> bool:
    """The data-protection officer reads the audit trail; nobody else does."""
    return has_role(user, Role.AUDITOR)


def audit_events_visible_to(user: object) -> QuerySet[AuditEvent]:
    if can_read_audit_trail(user):
        return AuditEvent.objects.all()
    return AuditEvent.objects.none()


def audit_events_concerning(
    user: object, object_id: str, object_type: str = ""
) -> QuerySet[AuditEvent]:
    """Every event about a record, lists and searches that showed it included (through the
    index of records concerned); of any kind of record with that number unless one is named."""
    subjects = AuditEventSubject.objects.filter(object_id=object_id)
    if object_type:
        subjects = subjects.filter(object_type=object_type)
    return audit_events_visible_to(user).filter(id__in=subjects.values("event_id"))


def audit_events_about(user: object, obj: Mentee) -> QuerySet[AuditEvent]:
    """Every event that concerns this record: views, changes, and lists or searches in
    which it was shown."""
    subjects = AuditEventSubject.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).values("event_id")
    return audit_events_visible_to(user).filter(id__in=subjects)


def require(allowed: bool) -> None:
    """Raise 404 unless allowed: a refused page looks exactly like a missing one."""
    if not allowed:
        raise Http404


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise


def navigation_for(user: object) -> list[NavItem]:
    """The main navigation: each role sees only what it may use."""
    if _active(user) is None:
        return []
    items = [NavItem("home", _("Home"))]
    if can_screen_referrals(user):
        items.append(NavItem("referral_inbox", _("Referrals")))
    elif can_submit_referral(user):
        items.append(NavItem("my_referrals", _("My referrals")))
    if can_manage_mentees(user):
        items.append(NavItem("mentee_list", _("Mentees")))
    if has_role(user, Role.COORDINATOR) or _mentor_account(user) is not None:
        items.append(NavItem("mentorship_list", _("Mentorships")))
        items.append(NavItem("concern_list", _("Concerns")))
    if can_see_training(user):
        items.append(NavItem("mentor_list", _("Mentors")))
        items.append(NavItem("training", _("Training")))
    elif own_mentor_profile(user) is not None:
        items.append(NavItem("my_mentor_profile", _("My mentor profile")))
    if can_approve_account_changes(user):
        items.append(NavItem("approval_list", _("Approvals")))
    if has_role(user, Role.COORDINATOR):
        items.append(NavItem("disclosure_list", _("Disclosures")))
    elif is_liaison(user):
        items.append(NavItem("disclosure_inbox", _("Disclosures")))
    if has_role(user, Role.COORDINATOR) or is_liaison(user):
        items.append(NavItem("wg_meeting_list", _("Working group")))
    if can_manage_programmes(user) or has_role(user, Role.COORDINATOR):
        items.append(NavItem("programme_list", _("Programmes")))
    if can_administer_accounts(user):
        items += [
            NavItem("user_list", _("Users")),
            NavItem("organisation_list", _("Organisations")),
            NavItem("institution_list", _("Institutions")),
        ]
    if can_read_audit_trail(user):
        items.append(NavItem("audit_log", _("Audit trail")))
    if any(has_role(user, role) for role in MEMBER_ROLES):
        items.append(NavItem("lesson_list", _("Lessons learned")))
    elif reads_adopted_lessons_everywhere(user):
        items.append(NavItem("lesson_adopted", _("Adopted lessons")))
    if can_see_programme_dashboard(user):
        items.append(NavItem("evaluation_dashboard", _("Evaluation")))
    elif can_read_programme_report(user):
        items.append(NavItem("evaluation_report", _("Programme report")))
    items.append(NavItem("account", _("My account")))
    return items


# --- Concerns --------------------------------------------------------------------------------
# A concern is read — what was observed included — by whoever raised it, the mentorship's
# mentor and coach, and the coordinators of its programme; by nobody else. Coordinators
# triage, escalate and end it; the coach triages nothing alone (docs/guide/concerns.md).


def concerns_visible_to(user: object) -> QuerySet[Concern]:
    """The concerns on the mentorships the user sees (the coordinator's programmes, the
    mentor's and the coach's own), and those the user raised on a mentorship of a programme
    they still take part in that is not closed (a mentor reallocated away still follows what
    they reported)."""
    active = _active(user)
    if active is None:
        return Concern.objects.none()
    raised = (
        Q(raised_by=active)
        & Q(mentorship__programme_id__in=_taking_part(active))
        & ~Q(mentorship__status="closed")
    )
    if has_role(active, Role.COORDINATOR):
        # The coordinator's mentorships are their programmes' (`mentorships_visible_to`):
        # asked of the concern's own mentorship, not as the set of all of them.
        seen = Q(mentorship__programme_id__in=_taking_part(active, Role.COORDINATOR))
    else:
        seen = Q(mentorship__in=mentorships_visible_to(active).values("pk"))
    return Concern.objects.filter(seen | raised)


def concern_for(user: object, pk: int) -> Concern:
    concern = (
        concerns_visible_to(user)
        .select_related(
            "mentorship",
            "mentorship__programme",
            "mentorship__mentee",
            "mentorship__mentor",
            "mentorship__coach",
            "raised_by",
            "triaged_by",
            "escalated_by",
            "ended_by",
        )
        .filter(pk=pk)
        .first()
    )
    if concern is None:
        raise Http404
    if concern.mentorship.status == "closed":
        # As the closed mentorship itself: the coordinator's, with a stated purpose.
        require_stated_purpose(f"mentorship:{concern.mentorship_id}")
    return concern


def concerns_on(user: object, mentorship: Mentorship) -> QuerySet[Concern]:
    """The concerns on one mentorship the user may see (its timeline)."""
    return concerns_visible_to(user).filter(mentorship=mentorship).select_related("raised_by")


def can_read_concern(user: object, concern: Concern) -> bool:
    """What was observed, the triage and the outcome: the same people who see the concern."""
    return concerns_visible_to(user).filter(pk=concern.pk).exists()


def can_raise_concern(user: object, mentorship: Mentorship) -> bool:
    """The mentorship's mentor, its coach and a coordinator of its programme raise concerns
    while it is open."""
    if mentorship.status == "closed":
        return False
    if coordinates(user, mentorship.programme_id):
        return True
    account = _mentor_account(user)
    if account is None:
        return False
    if not mentorships_visible_to(account).filter(pk=mentorship.pk).exists():
        return False
    return is_mentor_of(account, mentorship) or (
        account.has_role(Role.COACH) and mentorship.coach.user_id == account.pk
    )


def can_triage_concern(user: object, concern: Concern) -> bool:
    """A coordinator of the programme triages a concern that waits for it."""
    return concern.status == "raised" and coordinates(user, concern.mentorship.programme_id)


def can_escalate_concern(user: object, concern: Concern) -> bool:
    """A coordinator of the programme escalates a triaged concern."""
    return concern.status == "triaged" and coordinates(user, concern.mentorship.programme_id)


def can_resolve_concern(user: object, concern: Concern) -> bool:
    """A coordinator of the programme resolves a triaged or escalated concern."""
    return concern.status in ("triaged", "escalated") and coordinates(
        user, concern.mentorship.programme_id
    )


def can_close_concern(user: object, concern: Concern) -> bool:
    """A coordinator of the programme closes a concern that needs no action, before it is
    escalated."""
    return concern.status in ("raised", "triaged") and coordinates(
        user, concern.mentorship.programme_id
    )


def can_correct_concern(user: object, concern: Concern) -> bool:
    """Whoever raised the concern corrects what they observed while it is open (the earlier
    text is kept)."""
    return (
        concern.status in ("raised", "triaged", "escalated")
        and concern.raised_by_id == getattr(_active(user), "pk", None)
        and can_read_concern(user, concern)
    )


def concern_revisions_of(user: object, concern: Concern) -> QuerySet[ConcernRevision]:
    if not can_read_concern(user, concern):
        return ConcernRevision.objects.none()
    return ConcernRevision.objects.filter(concern=concern).select_related("changed_by")


# --- Lessons learned ------------------------------------------------------------------------
# A programme's lessons are read by everyone who takes part in it (coordinators, coaches,
# mentors, trainers) and written by its mentors, coaches and coordinators; its coordinators
# discuss, adopt and decline them. An adopted lesson names nobody (its texts were checked
# against the programme's names when saved): evaluators and liaisons read the adopted ones
# of every programme, with each author shown by role only (docs/guide/lessons.md).

LESSON_AUTHOR_ROLES = (Role.COORDINATOR, Role.COACH, Role.MENTOR)


def lessons_visible_to(user: object) -> QuerySet[Lesson]:
    active = _active(user)
    if active is None:
        return Lesson.objects.none()
    return Lesson.objects.filter(programme_id__in=_taking_part(active))


def lesson_for(user: object, pk: int) -> Lesson:
    lesson = lessons_visible_to(user).select_related("programme", "author").filter(pk=pk).first()
    if lesson is None:
        raise Http404
    return lesson


def lesson_programmes_of(user: object) -> QuerySet[Programme]:
    """The programmes the user may write lessons in."""
    return programmes_of(user, *LESSON_AUTHOR_ROLES)


def can_read_lessons(user: object) -> bool:
    """Whoever takes part in a programme reads its lessons."""
    return programmes_of(user).exists()


def can_propose_lesson(user: object, programme: Programme) -> bool:
    return lesson_programmes_of(user).filter(pk=programme.pk).exists()


def can_edit_lesson(user: object, lesson: Lesson) -> bool:
    """The author changes their lesson while it is proposed (not once it is discussed)."""
    active = _active(user)
    return (
        active is not None
        and lesson.author_id == active.pk
        and lesson.status == LessonStatus.PROPOSED
        and can_propose_lesson(active, lesson.programme)
    )


def lesson_moves_for(user: object, lesson: Lesson) -> tuple[str, ...]:
    """The statuses the user may move the lesson to: a coordinator of its programme's."""
    if not coordinates(user, lesson.programme_id):
        return ()
    return MOVES.get(lesson.status, ())


def can_move_lesson(user: object, lesson: Lesson, to_status: str) -> bool:
    return to_status in lesson_moves_for(user, lesson)


def can_manage_lesson_tags(user: object, programme: Programme) -> bool:
    """A programme's coordinators add its own tags beside the built-in ones."""
    return coordinates(user, programme)


def reads_adopted_lessons_everywhere(user: object) -> bool:
    """Evaluators and liaisons read the adopted lessons of every programme, and nothing
    else of lessons."""
    return has_role(user, Role.EVALUATOR) or has_role(user, Role.LIAISON)


def adopted_lessons_visible_to(user: object) -> QuerySet[Lesson]:
    if reads_adopted_lessons_everywhere(user):
        return Lesson.objects.filter(status=LessonStatus.ADOPTED)
    return lessons_visible_to(user).filter(status=LessonStatus.ADOPTED)


def adopted_lesson_programmes_for(user: object) -> QuerySet[Programme]:
    if reads_adopted_lessons_everywhere(user):
        return Programme.objects.all()
    return programmes_of(user)


def can_read_adopted_lessons(user: object) -> bool:
    return reads_adopted_lessons_everywhere(user) or can_read_lessons(user)


# --- Evaluation: follow-ups, the programme dashboard, the evaluator's data set ---------------
# A follow-up is recorded by a coordinator of the case's programme, of a closed mentorship or
# of an eligible referral never matched (the comparison group). The dashboard is the
# coordinators' (of their programmes) and the evaluators' (of every programme, pseudonymised:
# counts under 5 shown as "<5"); the data set is the evaluators' alone. Neither ever reaches
# a case page (docs/guide/evaluation.md).


def can_record_follow_ups(user: object) -> bool:
    return has_role(user, Role.COORDINATOR)


def follow_up_mentorships_visible_to(user: object) -> QuerySet[Mentorship]:
    """The closed mentorships of the programmes the user coordinates."""
    active = _active(user)
    if active is None or not can_record_follow_ups(active):
        return Mentorship.objects.none()
    return Mentorship.objects.filter(
        programme_id__in=_taking_part(active, Role.COORDINATOR), status="closed"
    )


def comparison_referrals() -> QuerySet[Referral]:
    """Referrals found eligible whose person was never matched: the comparison group."""
    return Referral.objects.filter(screening__decision="eligible", mentorship__isnull=True).exclude(
        status="matched"
    )


def follow_up_referrals_visible_to(user: object) -> QuerySet[Referral]:
    """The comparison group's referrals of the programmes the user coordinates."""
    active = _active(user)
    if active is None or not can_record_follow_ups(active):
        return Referral.objects.none()
    return comparison_referrals().filter(programme_id__in=_taking_part(active, Role.COORDINATOR))


def due_follow_ups_visible_to(user: object) -> QuerySet[DueFollowUp]:
    """The follow-ups due kept for the cases of `follow_up_mentorships_visible_to` and
    `follow_up_referrals_visible_to`: those of the programmes the user coordinates."""
    active = _active(user)
    if active is None or not can_record_follow_ups(active):
        return DueFollowUp.objects.none()
    return DueFollowUp.objects.filter(programme_id__in=_taking_part(active, Role.COORDINATOR))


def follow_up_mentorship_for(user: object, pk: int) -> Mentorship:
    found = follow_up_mentorships_visible_to(user).select_related("programme").filter(pk=pk)
    mentorship = found.first()
    if mentorship is None:
        raise Http404
    return mentorship


def follow_up_referral_for(user: object, pk: int) -> Referral:
    found = follow_up_referrals_visible_to(user).select_related("programme", "screening")
    referral = found.filter(pk=pk).first()
    if referral is None:
        raise Http404
    return referral


def can_record_follow_up(user: object, programme_id: int) -> bool:
    return coordinates(user, programme_id)


def sees_pseudonymised_figures(user: object) -> bool:
    """Whoever is not a coordinator sees the programme's figures with small counts hidden."""
    return not has_role(user, Role.COORDINATOR)


def can_see_programme_dashboard(user: object) -> bool:
    return has_role(user, Role.COORDINATOR) or has_role(user, Role.EVALUATOR)


def evaluation_programmes_visible_to(user: object) -> QuerySet[Programme]:
    """A coordinator evaluates the programmes they coordinate; an evaluator every programme
    (they take part in none, and see only pseudonymised figures)."""
    if has_role(user, Role.COORDINATOR):
        return programmes_coordinated_by(user)
    if has_role(user, Role.EVALUATOR):
        return Programme.objects.all()
    return Programme.objects.none()


def evaluation_programme_for(user: object, pk: int) -> Programme:
    programme = evaluation_programmes_visible_to(user).filter(pk=pk).first()
    if programme is None:
        raise Http404
    return programme


def can_export_evaluation_data_set(user: object) -> bool:
    return has_role(user, Role.EVALUATOR)


# The theory of change is set by the programme's coordinators; its indicators' trajectories
# are read wherever the dashboard is. The programme report is the coordinators' (of their
# programmes), the evaluators' and the liaisons' (of every programme): always with counts under
# 5 shown as "<5", for it is a document that leaves the programme (docs/guide/evaluation.md).


def indicators_visible_to(user: object) -> QuerySet[Indicator]:
    """The indicators of the programmes the user coordinates."""
    return Indicator.objects.filter(programme__in=programmes_coordinated_by(user))


def indicator_for(user: object, pk: int) -> Indicator:
    indicator = indicators_visible_to(user).select_related("programme").filter(pk=pk).first()
    if indicator is None:
        raise Http404
    return indicator


def can_manage_indicators(user: object, programme: Programme | int) -> bool:
    return coordinates(user, programme)


def can_read_programme_report(user: object) -> bool:
    return has_role(user, Role.COORDINATOR) or has_role(user, Role.EVALUATOR) or is_liaison(user)


def report_programmes_visible_to(user: object) -> QuerySet[Programme]:
    """A coordinator reports on the programmes they coordinate; an evaluator and a liaison
    read every programme's report."""
    if has_role(user, Role.COORDINATOR):
        return programmes_coordinated_by(user)
    if has_role(user, Role.EVALUATOR) or is_liaison(user):
        return Programme.objects.all()
    return Programme.objects.none()


def report_programme_for(user: object, pk: int) -> Programme:
    programme = report_programmes_visible_to(user).filter(pk=pk).first()
    if programme is None:
        raise Http404
    return programme


# --- Supervision (coach sessions, mentor wellbeing) -----------------------------------------
# A coach supervises the mentors of the open mentorships whose coach they are. The coach reads
# the sessions they held in full; each mentor reads their own part of a session (their own
# mentorships' guidance, their own wellbeing), never another mentor's; the coordinator sees
# that sessions happen (dates, format, coverage), never guidance nor wellbeing scores.

from backontrack.supervision.models import (  # noqa: E402 - this block's own models
    AgreedAction,
    Discussion,
    Participant,
    Session,
)


def _coach_account(user: object) -> User | None:
    active = _active(user)
    if active is None or not active.has_role(Role.COACH):
        return None
    return active


def supervised_mentors(user: object) -> QuerySet[Mentor]:
    """The mentors this coach supervises: those of the open mentorships they coach, in the
    programmes they take part in as coach."""
    coach = _coach_account(user)
    if coach is None:
        return Mentor.objects.none()
    coached = Mentorship.objects.filter(
        coach__user=coach,
        status__in=OPEN_MENTORSHIP_STATUSES,
        programme_id__in=_taking_part(coach, Role.COACH),
    ).exclude(coach__status="left")
    return Mentor.objects.filter(pk__in=coached.values("mentor_id")).exclude(user=coach)


def supervised_mentorships(user: object, mentor: Mentor) -> QuerySet[Mentorship]:
    """The open mentorships of this mentor that the coach supervises: the only ones a session
    with the mentor may discuss."""
    coach = _coach_account(user)
    if coach is None:
        return Mentorship.objects.none()
    return (
        mentorships_visible_to(coach)
        .filter(coach__user=coach, mentor=mentor, status__in=OPEN_MENTORSHIP_STATUSES)
        .select_related("mentee", "programme")
    )


def can_record_supervision(user: object) -> bool:
    """A coach who supervises at least one mentor records sessions with them."""
    return supervised_mentors(user).exists()


def supervision_sessions_visible_to(user: object) -> QuerySet:
    """The sessions a coach held, in programmes they take part in as coach; the sessions a
    mentor took part in, in programmes they take part in. Nobody else sees any (the
    coordinator's overview is read through `supervision_overview_of`)."""
    active = _active(user)
    if active is None:
        return Session.objects.none()
    mine = Q(pk__in=[])
    if active.has_role(Role.COACH):
        mine |= Q(coach__user=active, programme_id__in=_taking_part(active, Role.COACH))
    if active.has_role(Role.MENTOR) or active.has_role(Role.COACH):
        mine |= Q(
            participants__mentor__user=active,
            programme_id__in=_taking_part(active, Role.MENTOR, Role.COACH),
        )
    return Session.objects.filter(mine).distinct()


def supervision_session_for(user: object, pk: int) -> Session:
    session = (
        supervision_sessions_visible_to(user)
        .select_related("coach", "programme", "recorded_by")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    return session


def is_coach_of_session(user: object, session: Session) -> bool:
    coach = _coach_account(user)
    return coach is not None and session.coach.user_id == coach.pk


def supervision_parts_of(user: object, session: Session) -> QuerySet:
    """The parts of the session this person reads: every mentor's for the coach who held it,
    their own for a mentor."""
    parts = Participant.objects.filter(
        session__in=supervision_sessions_visible_to(user), session=session
    ).select_related("mentor")
    if is_coach_of_session(user, session):
        return parts
    return parts.filter(mentor__user=_active(user))


def can_correct_supervision(user: object, session: Session) -> bool:
    """The coach who held the session corrects it (the earlier version is kept)."""
    return is_coach_of_session(user, session)


def can_confirm_supervision(user: object, part: Participant) -> bool:
    """A mentor confirms their own part of a session, once."""
    account = _mentor_account(user)
    return account is not None and part.mentor.user_id == account.pk and part.confirmed_at is None


def can_read_supervision_guidance(
    user: object, discussion: Discussion, *, escalated: bool | None = None
) -> bool:
    """The guidance given on a mentorship is read by the coach who gave it and by the mentor
    it was given to; a coordinator of the programme reads it only once a concern on that
    mentorship was escalated (then the guidance is part of what the coordinator must weigh).
    `escalated` is that fact when the caller already knows it (a timeline of one mentorship)."""
    account = _active(user)
    if account is None:
        return False
    session = discussion.participant.session
    if is_coach_of_session(account, session):
        return True
    if discussion.participant.mentor.user_id == account.pk and (
        _mentor_account(account) is not None
    ):
        return True
    if not coordinates(account, session.programme_id):
        return False
    if escalated is None:
        escalated = has_escalated_concern(discussion.mentorship_id)
    return escalated


def has_escalated_concern(mentorship_id: int) -> bool:
    """Whether a concern on the mentorship was ever escalated (it stays so once resolved)."""
    return Concern.objects.filter(mentorship_id=mentorship_id, escalated_at__isnull=False).exists()


def latest_escalated_concern(user: object, mentorship: Mentorship) -> Concern | None:
    """The latest concern on the mentorship that was escalated, if the user sees it."""
    return (
        concerns_on(user, mentorship)
        .filter(escalated_at__isnull=False)
        .order_by("-escalated_at", "-id")
        .first()
    )


def took_part_in_session(user: object, discussion: Discussion) -> bool:
    """The coach who held the session or the mentor the mentorship was discussed with."""
    account = _active(user)
    if account is None:
        return False
    return (
        is_coach_of_session(account, discussion.participant.session)
        or discussion.participant.mentor.user_id == account.pk
    )


def can_see_wellbeing(user: object, mentor: Mentor) -> bool:
    """A mentor's wellbeing scores are seen by the mentor and by a coach who supervises them;
    never by the coordinator or another mentor."""
    if is_own_mentor_profile(user, mentor):
        return True
    return supervised_mentors(user).filter(pk=mentor.pk).exists()


def wellbeing_mentor_for(user: object, pk: int) -> Mentor:
    mentor = Mentor.objects.select_related("user").filter(pk=pk).first()
    if mentor is None or not can_see_wellbeing(user, mentor):
        raise Http404
    return mentor


def agreed_actions_visible_to(user: object) -> QuerySet:
    """The actions of the sessions a person sees: every one of the coach's sessions, a
    mentor's own."""
    active = _active(user)
    if active is None:
        return AgreedAction.objects.none()
    sessions = supervision_sessions_visible_to(active)
    held = Q(participant__session__coach__user=active) if active.has_role(Role.COACH) else Q()
    own = Q(participant__mentor__user=active)
    return AgreedAction.objects.filter(participant__session__in=sessions).filter(
        (held | own) if held else own
    )


def can_mark_action_done(user: object, action: AgreedAction) -> bool:
    """An open action is marked done by its owner (the mentor, or the coach) or the coach."""
    if action.done_at is not None:
        return False
    session = action.participant.session
    if is_coach_of_session(user, session):
        return True
    return action.owner == "mentor" and is_own_mentor_profile(user, action.participant.mentor)


def agreed_action_for(user: object, pk: int) -> AgreedAction:
    action = (
        agreed_actions_visible_to(user)
        .select_related("participant__session__coach", "participant__mentor")
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404
    return action


def supervision_discussions_of(user: object, mentorship: Mentorship) -> QuerySet:
    """The sessions that discussed the mentorship, for its timeline: the coordinator sees each
    (date, format, coach); the coach who held it and the mentor it was held with see theirs."""
    active = _active(user)
    if active is None or not mentorships_visible_to(active).filter(pk=mentorship.pk).exists():
        return Discussion.objects.none()
    discussions = Discussion.objects.filter(mentorship=mentorship).select_related(
        "participant__session__coach", "participant__mentor"
    )
    if coordinates(active, mentorship.programme_id):
        return discussions
    return discussions.filter(
        participant__session__in=supervision_sessions_visible_to(active)
    ).filter(Q(participant__session__coach__user=active) | Q(participant__mentor__user=active))


def can_see_supervision_overview(user: object) -> bool:
    """The coordinator sees that sessions happen: dates and coverage, never their content."""
    return has_role(user, Role.COORDINATOR)


def supervision_overview_of(user: object) -> QuerySet:
    """The sessions of the programmes the coordinator coordinates (dates, formats, who took
    part and which mentorships were discussed; the view shows nothing more)."""
    if not can_see_supervision_overview(user):
        return Session.objects.none()
    return Session.objects.filter(programme__in=programmes_coordinated_by(user))


def own_supervision_part_for(user: object, session_pk: int) -> Participant:
    """The person's own part of a session they took part in as mentor (404 otherwise)."""
    account = _mentor_account(user)
    if account is None:
        raise Http404
    part = (
        Participant.objects.filter(
            session__in=supervision_sessions_visible_to(user),
            session_id=session_pk,
            mentor__user=account,
        )
        .select_related("mentor", "session")
        .first()
    )
    if part is None:
        raise Http404
    return part


# --- Disclosures ----------------------------------------------------------------------------
# A disclosure releases chosen sections of one person's case to one agency (the disclosures
# app). The programme's coordinators propose, decide (never their own proposal, from any
# account of theirs) and revoke; the agency's liaisons read the frozen snapshot of an
# approved one until it expires or is revoked, and nothing else of any case; the auditor
# reads the record of every disclosure.


def disclosures_visible_to(user: object) -> QuerySet[Disclosure]:
    """The disclosures of the programmes the user coordinates, in every state."""
    active = _active(user)
    if active is None or not active.has_role(Role.COORDINATOR):
        return Disclosure.objects.none()
    return Disclosure.objects.filter(programme_id__in=_taking_part(active, Role.COORDINATOR))


def disclosure_for(user: object, pk: int) -> Disclosure:
    disclosure = (
        disclosures_visible_to(user)
        .select_related("mentee", "recipient", "programme", "proposed_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if disclosure is None:
        raise Http404
    return disclosure


def is_liaison(user: object) -> bool:
    """A liaison of an agency: reads what was disclosed to it, never a case."""
    active = _active(user)
    return (
        active is not None and active.has_role(Role.LIAISON) and active.organisation_id is not None
    )


def disclosures_received_by(user: object) -> QuerySet[Disclosure]:
    """What was released to the liaison's agency: approved disclosures (revoked and expired
    ones too, shown without their content). Never a proposal or a refusal."""
    active = _active(user)
    if active is None or not is_liaison(active):
        return Disclosure.objects.none()
    return Disclosure.objects.filter(
        recipient_id=active.organisation_id,
        status__in=[DisclosureStatus.APPROVED, DisclosureStatus.REVOKED],
    )


def disclosure_received_for(user: object, pk: int) -> Disclosure:
    disclosure = disclosures_received_by(user).select_related("recipient").filter(pk=pk).first()
    if disclosure is None:
        raise Http404
    return disclosure


def can_read_disclosed_content(user: object, disclosure: Disclosure) -> bool:
    """A liaison of the recipient reads the snapshot while it is approved and not expired."""
    return (
        is_liaison(user)
        and disclosure.recipient_id == getattr(user, "organisation_id", None)
        and disclosure.status == DisclosureStatus.APPROVED
        and not disclosure.is_expired()
    )


def can_propose_disclosure(user: object, mentee: Mentee) -> bool:
    """A coordinator who sees the person proposes releasing parts of their case."""
    return can_manage_mentees(user) and mentees_visible_to(user).filter(pk=mentee.pk).exists()


def can_decide_disclosure(user: object, disclosure: Disclosure) -> bool:
    """A second coordinator of the programme decides: never the proposer, nor another
    account of the same person (accounts.User.person_key)."""
    active = _active(user)
    return (
        active is not None
        and coordinates(active, disclosure.programme_id)
        and disclosure.status == DisclosureStatus.PROPOSED
        and not active.is_same_person(disclosure.proposed_by)
    )


def can_withdraw_disclosure(user: object, disclosure: Disclosure) -> bool:
    """The proposer (from any account of theirs) withdraws a proposal nobody decided yet."""
    active = _active(user)
    return (
        active is not None
        and coordinates(active, disclosure.programme_id)
        and disclosure.status == DisclosureStatus.PROPOSED
        and active.is_same_person(disclosure.proposed_by)
    )


def can_revoke_disclosure(user: object, disclosure: Disclosure) -> bool:
    """Any coordinator of the programme takes back an approved disclosure before it expires."""
    return (
        coordinates(user, disclosure.programme_id)
        and disclosure.status == DisclosureStatus.APPROVED
        and not disclosure.is_expired()
    )


def disclosures_about(user: object, mentee: Mentee) -> QuerySet[Disclosure]:
    """Every disclosure made about the person: for their programmes' coordinators and for
    the auditor."""
    if can_read_audit_trail(user) or (
        can_manage_mentees(user)
        and (_opened_for(user, mentee) or mentees_visible_to(user).filter(pk=mentee.pk).exists())
    ):
        found = Disclosure.objects.filter(mentee=mentee)
    else:
        return Disclosure.objects.none()
    return found.select_related("recipient", "proposed_by", "decided_by", "revoked_by")


def mentee_for_disclosures(user: object, pk: int) -> Mentee:
    """The person whose disclosures are listed: the coordinator's own, or, for the auditor,
    once they have said why they look at this person."""
    if can_read_audit_trail(user):
        return mentee_for_audit(user, pk)
    return mentee_for(user, pk)


def disclosures_noted_for(user: object, mentorship: Mentorship) -> QuerySet[Disclosure]:
    """That disclosures were made (when, to whom; never what), for the mentor and coach of
    the mentorship when its programme says so. (Coordinators read them on the person's
    record.)"""
    if coordinates(user, mentorship.programme_id):
        return Disclosure.objects.none()
    if not mentorship.programme.mentors_see_disclosures:
        return Disclosure.objects.none()
    if not mentorships_visible_to(user).filter(pk=mentorship.pk).exists():
        return Disclosure.objects.none()
    return (
        Disclosure.objects.filter(
            mentee_id=mentorship.mentee_id,
            status__in=[DisclosureStatus.APPROVED, DisclosureStatus.REVOKED],
        )
        .select_related("recipient")
        .only("id", "decided_at", "status", "expires_on", "recipient__name", "proposed_at")
    )


def can_see_programme_figures(user: object) -> bool:
    """A liaison sees each programme's counts (small numbers suppressed), never a case."""
    return is_liaison(user)


# --- The working group -----------------------------------------------------------------------
# The programme's coordinators run its working groups: plan meetings, write the minutes, agree
# actions; the meeting's chair approves the minutes, which are read-only from then on. A
# liaison sees the meetings of the groups they are a member of, for an agency that is a member
# too, and of the agenda only what is no case, or a case their agency holds a readable
# disclosure about (docs/decisions/0028-working-group.md).


def working_groups_visible_to(user: object) -> QuerySet[WorkingGroup]:
    active = _active(user)
    if active is None:
        return WorkingGroup.objects.none()
    run = Q(programme_id__in=_coordinated(active))
    if is_liaison(active):
        run |= Q(members=active, agencies=active.organisation_id)
    return WorkingGroup.objects.filter(run).distinct()


def working_groups_run_by(user: object) -> QuerySet[WorkingGroup]:
    """The groups of the programmes the user coordinates."""
    return WorkingGroup.objects.filter(programme_id__in=_coordinated(user))


def group_meetings_visible_to(user: object) -> QuerySet[GroupMeeting]:
    return GroupMeeting.objects.filter(group__in=working_groups_visible_to(user).values("pk"))


def group_meeting_for(user: object, pk: int) -> GroupMeeting:
    meeting = (
        group_meetings_visible_to(user)
        .select_related("group", "chair", "minutes_approved_by")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def can_run_group(user: object, group: WorkingGroup) -> bool:
    """A coordinator of the group's programme plans its meetings and writes their minutes."""
    return coordinates(user, group.programme_id)


def can_edit_minutes(user: object, meeting: GroupMeeting) -> bool:
    """The minutes are written until the chair approves them, never after."""
    return can_run_group(user, meeting.group) and not meeting.minutes_approved


def _wrote_minutes(person: User, takers: Iterable[User]) -> bool:
    return any(person.is_same_person(taker) for taker in takers)


def can_approve_minutes(user: object, meeting: GroupMeeting) -> bool:
    """A second pair of eyes, once the meeting has been held: the chair approves minutes that
    someone else wrote. Minutes the chair had a hand in are approved by another coordinator of
    the programme who attended and wrote none of them (nor did another account of theirs).
    A liaison never approves: they do not see every item, so cannot vouch for the whole."""
    active = _active(user)
    if active is None or not can_edit_minutes(active, meeting) or not meeting.has_been_held():
        return False
    takers = list(meeting.minute_takers.all())
    if _wrote_minutes(active, takers):
        return False
    if not _wrote_minutes(meeting.chair, takers):
        return meeting.chair_id == active.pk
    return meeting.attendees.filter(pk=active.pk).exists()


def minutes_approver_wanted(meeting: GroupMeeting) -> str:
    """Who is to approve the minutes: "chair" when someone else wrote them, "attendee" when
    the chair had a hand in them (another coordinator who attended and wrote none), "nobody"
    when every coordinator who attended wrote some of them."""
    takers = list(meeting.minute_takers.all())
    # Read whichever way it goes, so that the meeting's page costs the same either way.
    attending = list(
        meeting.attendees.filter(
            is_active=True,
            role_grants__role=Role.COORDINATOR,
            programme_memberships__programme_id=meeting.group.programme_id,
            programme_memberships__role=Role.COORDINATOR,
        ).distinct()
    )
    if not _wrote_minutes(meeting.chair, takers):
        return "chair"
    if any(not _wrote_minutes(person, takers) for person in attending):
        return "attendee"
    return "nobody"


# --- Setting up a working group ---------------------------------------------------------------
# The programme's coordinators set up its groups and say who belongs to them: the member
# agencies, their liaisons and the programme's coordinators. A member who leaves loses the
# group from then on and keeps their part in its past meetings. Nobody adds themself (no one
# gives themself a part in what the group discusses). The administrator creates the agencies
# and the liaisons' accounts, and has no part in a group: its meetings discuss cases.


def can_set_up_group(user: object, programme: Programme | int) -> bool:
    return coordinates(user, programme)


def working_group_for_managing(user: object, pk: int) -> WorkingGroup:
    group = working_groups_run_by(user).select_related("programme", "chair").filter(pk=pk).first()
    if group is None:
        raise Http404
    return group


def group_agency_candidates(group: WorkingGroup) -> QuerySet[Organisation]:
    """The agencies that may join: active organisations not in the group yet."""
    return Organisation.objects.filter(is_active=True).exclude(working_groups=group)


def _may_belong(group: WorkingGroup) -> Q:
    return Q(
        role_grants__role=Role.LIAISON,
        organisation_id__in=group.agencies.values("pk"),
    ) | Q(
        role_grants__role=Role.COORDINATOR,
        programme_memberships__programme_id=group.programme_id,
        programme_memberships__role=Role.COORDINATOR,
    )


def group_member_candidates(user: object, group: WorkingGroup) -> QuerySet[User]:
    """Who the user may add to the group: the active liaisons of its member agencies and the
    programme's active coordinators who are not members yet; never the user, nor another
    account of theirs."""
    active = _active(user)
    if active is None or not can_run_group(active, group):
        return User.objects.none()
    found = (
        User.objects.filter(is_active=True)
        .exclude(username__startswith=SYSTEM_ACCOUNT_PREFIX)
        .filter(_may_belong(group))
        .exclude(working_groups=group)
        .exclude(pk=active.pk)
    )
    if active.person_key:
        found = found.exclude(person_key=active.person_key)
    return found.distinct()


def group_member_for(user: object, group: WorkingGroup, pk: int) -> User:
    """A member of a group the user runs (to take them off it)."""
    if not can_run_group(user, group):
        raise Http404
    member = group.members.select_related("organisation").filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


def group_agency_for(user: object, group: WorkingGroup, pk: int) -> Organisation:
    if not can_run_group(user, group):
        raise Http404
    agency = group.agencies.filter(pk=pk).first()
    if agency is None:
        raise Http404
    return agency


def _disclosed_people(user: object) -> QuerySet[Disclosure]:
    """The disclosures the liaison's agency may read now (approved, not expired)."""
    return disclosures_received_by(user).filter(
        status=DisclosureStatus.APPROVED, expires_on__gte=timezone.localdate()
    )


def case_disclosed_to(organisation_id: int | None, mentee_id: int | None) -> bool:
    """Whether the agency holds a readable disclosure about the person (an action on their
    case may go to it)."""
    if organisation_id is None or mentee_id is None:
        return False
    return Disclosure.objects.filter(
        recipient_id=organisation_id,
        mentee_id=mentee_id,
        status=DisclosureStatus.APPROVED,
        expires_on__gte=timezone.localdate(),
    ).exists()


def agenda_items_visible_to(user: object) -> QuerySet[AgendaItem]:
    """The items of the meetings the user sees: every item for the programme's coordinators;
    for a liaison, the items that are no case, and a case only while their agency holds a
    readable disclosure about the person."""
    items = AgendaItem.objects.filter(meeting__in=group_meetings_visible_to(user).values("pk"))
    active = _active(user)
    if active is None or active.has_role(Role.COORDINATOR):
        return items.filter(meeting__group__programme_id__in=_coordinated(active))
    return items.filter(
        ~Q(kind=ItemKind.CASE)
        | Q(case__mentee_id__in=_disclosed_people(active).values("mentee_id"))
    )


def disclosures_behind(user: object, mentee_ids: Iterable[int]) -> dict[int, list[Disclosure]]:
    """For a liaison, the readable disclosures to their agency about these people, by person:
    the only way a case on the agenda reaches them."""
    found: dict[int, list[Disclosure]] = {}
    if not is_liaison(user):
        return found
    for disclosure in _disclosed_people(user).filter(mentee_id__in=list(mentee_ids)):
        found.setdefault(disclosure.mentee_id, []).append(disclosure)
    return found


def agenda_item_for(user: object, pk: int) -> AgendaItem:
    item = (
        agenda_items_visible_to(user)
        .select_related("meeting", "meeting__group", "concern", "case")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    return item


def group_actions_visible_to(user: object) -> QuerySet[GroupAction]:
    """The actions on the items the user sees, and those they or their agency own in a group
    they see."""
    active = _active(user)
    if active is None:
        return GroupAction.objects.none()
    owned = Q(owner_user=active)
    if is_liaison(active):
        owned |= Q(owner_agency_id=active.organisation_id)
        # An action on a case says something of the case: a liaison reads it, even their own,
        # only while their agency holds a readable disclosure about the person.
        owned &= ~Q(item__kind=ItemKind.CASE) | Q(
            item__case__mentee_id__in=_disclosed_people(active).values("mentee_id")
        )
    return GroupAction.objects.filter(
        Q(item__in=agenda_items_visible_to(active).values("pk"))
        | (owned & Q(item__meeting__group__in=working_groups_visible_to(active).values("pk")))
    )


def own_group_actions(user: object) -> QuerySet[GroupAction]:
    """The open actions the user owns, or their agency does (for a liaison): their home page's
    list, the overdue ones flagged."""
    active = _active(user)
    if active is None:
        return GroupAction.objects.none()
    owned = Q(owner_user=active)
    if is_liaison(active):
        owned |= Q(owner_agency_id=active.organisation_id)
    return group_actions_visible_to(active).filter(owned, status__in=OPEN_ACTION_STATUSES)


def group_action_for(user: object, pk: int) -> GroupAction:
    action = (
        group_actions_visible_to(user)
        .select_related(
            "item", "item__meeting", "item__meeting__group", "owner_user", "owner_agency"
        )
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404
    return action


def can_move_group_action(user: object, action: GroupAction) -> bool:
    """The programme's coordinators, the action's owner, and the owning agency's liaisons
    say how an action stands."""
    active = _active(user)
    if active is None:
        return False
    return (
        coordinates(active, action.item.meeting.group.programme_id)
        or action.owner_user_id == active.pk
        or (is_liaison(active) and action.owner_agency_id == active.organisation_id)
    )


# --- The API ----------------------------------------------------------------------------------
# A person's token acts as the person, within the scopes their roles allow: the API reads
# through the same selectors as the pages, so everything above applies to it as it is. A
# system client (docs/guide/api.md) is not a person: its account holds no role, signs in
# nowhere, and may only write to the register of its programme.

SYSTEM_ACCOUNT_PREFIX = "system:"

SCOPES_OF_ROLE: dict[str, tuple[str, ...]] = {
    Role.COORDINATOR: (
        Scope.MENTEES_READ,
        Scope.MENTEES_WRITE,
        Scope.CUSTODY_EVENTS_WRITE,
        Scope.REGISTER_IMPORT,
        Scope.REFERRALS_READ,
        Scope.MENTORSHIPS_READ,
        Scope.MEETINGS_READ,
        Scope.PLANS_READ,
        Scope.FIGURES_READ,
    ),
    Role.MENTOR: (Scope.MENTORSHIPS_READ, Scope.MEETINGS_READ, Scope.PLANS_READ),
    Role.COACH: (Scope.MENTORSHIPS_READ, Scope.MEETINGS_READ, Scope.PLANS_READ),
    Role.REFERRER: (Scope.REFERRALS_READ, Scope.REFERRALS_WRITE),
    Role.LIAISON: (Scope.DISCLOSURES_READ, Scope.FIGURES_READ),
    Role.EVALUATOR: (Scope.FIGURES_READ,),
}
SYSTEM_CLIENT_SCOPES: tuple[str, ...] = (Scope.CUSTODY_EVENTS_WRITE, Scope.REGISTER_IMPORT)


def is_system_account(user: object) -> bool:
    """A system client's account. Its user name has a colon, which no person's may have
    (Django's user-name rule), so no person's account is ever taken for one."""
    return isinstance(user, User) and user.username.startswith(SYSTEM_ACCOUNT_PREFIX)


def _system_client(user: object) -> ApiClient | None:
    if not (isinstance(user, User) and user.is_active and is_system_account(user)):
        return None
    cache = user.__dict__.setdefault("_api_client", {})
    if "client" not in cache:
        cache["client"] = ApiClient.objects.filter(account=user).first()
    client: ApiClient | None = cache["client"]
    return client


def api_scopes_of(user: object) -> list[str]:
    """The scopes the user may give a token: those of their roles (an auditor, an
    administrator and a trainer have none: the API has nothing for them)."""
    if _system_client(user) is not None:
        return list(SYSTEM_CLIENT_SCOPES)
    active = _active(user)
    if active is None:
        return []
    return [
        scope.value
        for scope in Scope
        if any(scope in SCOPES_OF_ROLE.get(role, ()) for role in active.roles)
    ]


def can_create_api_token(user: object) -> bool:
    return _active(user) is not None and bool(api_scopes_of(user))


def api_tokens_of(user: object) -> QuerySet[ApiToken]:
    """A person's own tokens; nobody sees another's."""
    active = _active(user)
    if active is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=active, client__isnull=True)


def api_token_for(user: object, pk: int) -> ApiToken:
    token = api_tokens_of(user).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token


def can_manage_api_clients(user: object, programme: Programme) -> bool:
    """A coordinator connects the programme's register: a client can do no more than they
    can themselves (record custody events, import the register), and never reads."""
    return coordinates(user, programme)


def api_client_is_answered_for(client: ApiClient) -> bool:
    """A system works while the coordinator responsible for it still coordinates its
    programme; once they lose the role or leave, it is suspended until another confirms it."""
    return coordinates(client.responsible, client.programme_id)


def api_clients_suspended(clients: Iterable[ApiClient]) -> set[int]:
    """The ids of the systems among these that are suspended (as api_client_is_answered_for
    says of each), in two queries however many there are."""
    clients = list(clients)
    coordinators = set(
        User.objects.filter(
            pk__in={client.responsible_id for client in clients},
            is_active=True,
            role_grants__role=Role.COORDINATOR,
        )
        .exclude(username__startswith=SYSTEM_ACCOUNT_PREFIX)
        .values_list("pk", flat=True)
    )
    held = set(
        ProgrammeMembership.objects.filter(
            user_id__in=coordinators, role=Role.COORDINATOR
        ).values_list("user_id", "programme_id")
    )
    return {
        client.pk for client in clients if (client.responsible_id, client.programme_id) not in held
    }


def can_confirm_api_client(user: object, client: ApiClient) -> bool:
    """Another coordinator of the programme takes over a suspended system."""
    return coordinates(user, client.programme_id) and not api_client_is_answered_for(client)


def api_clients_visible_to(user: object) -> QuerySet[ApiClient]:
    return ApiClient.objects.filter(programme_id__in=_coordinated(user))


def api_client_for(user: object, pk: int) -> ApiClient:
    client = api_clients_visible_to(user).select_related("programme").filter(pk=pk).first()
    if client is None:
        raise Http404
    return client


def can_write_register(user: object, programme: Programme | int) -> bool:
    """Import persons and custody events into the programme's register: its coordinators,
    and its system clients."""
    programme_id = programme if isinstance(programme, int) else programme.pk
    client = _system_client(user)
    if client is not None:
        return client.programme_id == programme_id
    return coordinates(user, programme_id)


def api_client_programme(user: object) -> Programme | None:
    """The programme a system client writes to (None for a person)."""
    client = _system_client(user)
    return client.programme if client is not None else None


def register_mentees_writable_by(user: object) -> QuerySet[Mentee]:
    """The people whose custody events the register may record for this user: for a
    coordinator the records they keep, for a system client those of its programme. The
    register's writes look them up by the register's id and show nothing of them."""
    client = _system_client(user)
    if client is not None:
        return Mentee.objects.filter(in_programmes([client.programme_id]))
    return mentees_visible_to(user)
