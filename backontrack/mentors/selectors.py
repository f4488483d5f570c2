"""Reads of the mentor corps, its training and matching: each loads through the access
policy and records what it showed, about whom, in the same call."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q

from backontrack.accounts.models import Role, User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.mentees.identity import index_for
from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import OPEN_MENTORSHIP_STATUSES, Mentorship
from backontrack.programmes.models import Programme
from backontrack.referrals.models import Referral

from . import matching, pool
from .models import ConflictOfInterest, Course, DraftProposal, Mentor, MentorStatus, PoolDraft
from .readiness import Readiness, readiness_of

MENTOR = Mentor._meta.label_lower
MENTORS_PER_PAGE = 25
PROPOSALS_PER_PAGE = 50
MENTORSHIP = Mentorship._meta.label_lower


@dataclass(frozen=True)
class Caseload:
    """A mentor's open mentorships: those they mentor, and those they supervise as coach."""

    mentoring: list[Mentorship]
    coaching: list[Mentorship]

    def __bool__(self) -> bool:
        return bool(self.mentoring or self.coaching)


def open_caseload(actor: User, mentor: Mentor) -> Caseload:
    """The mentor's open mentorships with the person's name, for the coordinator; the read
    is recorded."""
    open_ones = (
        access.mentorships_visible_to(actor)
        .filter(status__in=OPEN_MENTORSHIP_STATUSES)
        .select_related("mentee", "mentor", "coach")
    )
    caseload = Caseload(
        mentoring=list(open_ones.filter(mentor=mentor).order_by("mentee__last_name", "id")),
        coaching=list(open_ones.filter(coach=mentor).order_by("mentee__last_name", "id")),
    )
    if caseload:
        record(
            actor=actor,
            action=Action.LIST,
            object_type=MENTORSHIP,
            object_ids=[m.pk for m in caseload.mentoring + caseload.coaching],
            fields=["mentee", "status", "mentor", "coach"],
        )
    return caseload


def open_caseload_counts(user: User) -> tuple[int, int]:
    """How many open mentorships the account's mentor has as mentor and as coach: numbers
    only, for the administrator, who sees no case data."""
    open_ones = Mentorship.objects.filter(status__in=OPEN_MENTORSHIP_STATUSES)
    return (
        open_ones.filter(mentor__user=user).count(),
        open_ones.filter(coach__user=user).count(),
    )


def record_mentors(user: User, ids: Iterable[int], fields: list[str], detail: str = "") -> None:
    """A page that lists mentors by name (to choose from, or with their training) files the
    read under each of them."""
    record(
        actor=user,
        action=Action.LIST,
        object_type=MENTOR,
        object_ids=list(ids),
        fields=fields,
        detail=detail,
    )


def record_mentor(user: User, mentor: Mentor, fields: list[str]) -> None:
    """A page about one mentor, beyond their record page, shows these fields of it."""
    record(actor=user, action=Action.VIEW, obj=mentor, fields=fields)


@dataclass(frozen=True)
class MentorPage:
    page: Page
    rows: list[tuple[Mentor, Readiness]]


def mentors_found(user: User, data: dict[str, Any], page_number: str | None) -> MentorPage:
    """One page of the corps the user may see, filtered by status (those who left only when
    asked for), region and name, with each mentor's readiness."""
    mentors = access.mentors_visible_to(user).defer("prior_experience")
    used = []
    if status := data.get("status"):
        mentors = mentors.filter(status=status)
        used.append("status")
    else:
        mentors = mentors.exclude(status=MentorStatus.LEFT)
    if region := data.get("region"):
        mentors = mentors.filter(
            Q(regions__icontains=f'"{region}"') | Q(institutions__region=region)
        ).distinct()
        used.append("region")
    if query := data.get("q"):
        for word in query.split():
            mentors = mentors.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        used.append("name")
    page = Paginator(mentors.order_by("last_name", "first_name", "id"), MENTORS_PER_PAGE).get_page(
        page_number
    )
    readiness = readiness_of(page.object_list)
    record(
        actor=user,
        action=Action.SEARCH if used else Action.LIST,
        object_type=MENTOR,
        object_ids=[mentor.pk for mentor in page.object_list],
        fields=[*used, "status", "readiness"],
    )
    return MentorPage(
        page=page, rows=[(mentor, readiness[mentor.pk]) for mentor in page.object_list]
    )


@dataclass(frozen=True)
class MentorRecord:
    """A mentor's page: what of it this user sees."""

    mentor: Mentor
    details: bool
    screening: bool
    conflicts: list[ConflictOfInterest]


def mentor_shown(user: User, pk: int) -> MentorRecord:
    """The mentor's page (404 if not theirs to see): the profile and training for all who
    may see it, the history for coordinators and the mentor, screening for those who screen,
    and the people the mentor has a conflict with, each read recorded."""
    mentor = access.mentor_for(user, pk)
    details = access.can_manage_mentors(user) or access.is_own_mentor_profile(user, mentor)
    screening = access.can_see_screening(user, mentor)
    conflicts = list(access.conflicts_of(user, mentor))
    record(
        actor=user,
        action=Action.VIEW,
        obj=mentor,
        fields=[
            "profile",
            "status",
            "training",
            *(["prior_experience", "status_history"] if details else []),
            *(["screening_checks"] if screening else []),
            *(["conflicts"] if conflicts else []),
        ],
    )
    if conflicts:
        record(
            actor=user,
            action=Action.VIEW,
            object_type="mentees.mentee",
            object_ids=[conflict.mentee_id for conflict in conflicts],
            fields=["name", "conflict_of_interest"],
            detail=f"on mentors.mentor #{mentor.pk}",
        )
    return MentorRecord(mentor=mentor, details=details, screening=screening, conflicts=conflicts)


def mentee_by_personal_id(user: User, personal_id: str) -> Mentee | None:
    """The person with this personal identification number, if the user may see them; the
    search is recorded whether or not it found someone."""
    mentee = access.mentee_by_personal_id(user, index_for(personal_id))
    record(
        actor=user,
        action=Action.SEARCH,
        object_type="mentees.mentee",
        object_ids=[mentee.pk] if mentee else [],
        fields=["personal_id"],
    )
    return mentee


def course_participants(user: User, course: Course) -> list[tuple[Mentor, Decimal, bool]]:
    """Who attended the course, with their hours and whether its module is signed off for
    them, by name; the read is filed under each of them."""
    attendance = list(
        access.attendance_visible_to(user)
        .filter(session__course=course)
        .select_related("mentor", "session")
        .order_by("mentor__last_name", "mentor__first_name", "session__starts_at")
    )
    hours: dict[int, Decimal] = {}
    people = {}
    for row in attendance:
        hours[row.mentor_id] = hours.get(row.mentor_id, Decimal("0")) + row.hours
        people[row.mentor_id] = row.mentor
    signed = set(
        access.sign_offs_visible_to(user)
        .filter(module=course.module, mentor_id__in=list(people))
        .values_list("mentor_id", flat=True)
    )
    record_mentors(
        user,
        sorted(people),
        ["attendance", "sign_off"],
        detail=f"course mentors.course #{course.pk}",
    )
    return [
        (mentor, hours[mentor_id], mentor_id in signed)
        for mentor_id, mentor in sorted(
            people.items(), key=lambda item: (item[1].last_name, item[1].first_name)
        )
    ]


def record_suggestions(
    user: User, referral: Referral, suggestions: list[matching.Suggestion]
) -> None:
    """The match pages show the referral and every mentor's score and readiness."""
    record(
        actor=user,
        action=Action.VIEW,
        obj=referral,
        fields=["mentee", "orientation", "languages", "institution", "suggestions"],
    )
    record_mentors(
        user,
        [s.mentor.pk for s in suggestions],
        ["score", "readiness"],
        detail=f"suggestions for referrals.referral #{referral.pk}",
    )


def referrals_waiting_for_pool(user: User, programme: Programme) -> list[Referral]:
    """The programme's open referrals a pool draft would match, their listing recorded."""
    waiting = pool.open_referrals(programme)
    record(
        actor=user,
        action=Action.LIST,
        object_type="referrals.referral",
        object_ids=[referral.pk for referral in waiting],
        fields=["status"],
    )
    return waiting


@dataclass(frozen=True)
class DraftPage:
    draft: PoolDraft
    page: Page
    rows: list[DraftProposal]


def pool_draft_shown(user: User, pk: int, page_number: str | None) -> DraftPage:
    """One page of the draft's proposals (404 if the draft is not the user's to see): the
    draft and the referrals on the page, with their people, are recorded."""
    draft = access.pool_draft_for(user, pk)
    proposals = draft.proposals.select_related(
        "referral", "referral__mentee", "referral__mentee__institution", "mentor", "coach"
    ).order_by("referral__referred_on", "referral_id")
    page = Paginator(proposals, PROPOSALS_PER_PAGE).get_page(page_number)
    rows = list(page.object_list)
    record(actor=user, action=Action.VIEW, obj=draft, fields=["proposals"])
    record(
        actor=user,
        action=Action.LIST,
        object_type="referrals.referral",
        object_ids=[proposal.referral_id for proposal in rows],
        fields=["mentee", "institution", "proposed_mentor", "proposed_coach"],
        detail=f"in mentors.pooldraft #{draft.pk}",
    )
    return DraftPage(draft=draft, page=page, rows=rows)


def mentors_to_invite(user: User, programme: Programme) -> list[Mentor]:
    """The mentors of the corps with an account who have not left and do not yet take part in
    the programme as mentors: the choices of the invitation, recorded as read."""
    mentors = list(
        Mentor.objects.filter(user__isnull=False, user__is_active=True)
        .exclude(status=MentorStatus.LEFT)
        .exclude(
            user__programme_memberships__programme=programme,
            user__programme_memberships__role=Role.MENTOR,
        )
        .select_related("user")
        .order_by("last_name", "first_name", "id")
    )
    if mentors:
        record_mentors(user, [m.pk for m in mentors], ["first_name", "last_name"])
    return mentors
