"""Reads of concerns: each loads through the access policy and records, in the same call,
what it showed and about whom."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.mentorships.selectors import record_mentees

from .alerts import overdue_filter
from .models import (
    OPEN_CONCERN_STATUSES,
    SEVERITY_RANK,
    Concern,
    ConcernEvent,
    ConcernRevision,
    ConcernStatus,
)

PAGE_SIZE = 25
HOME_CONCERNS = 10
CONCERN = Concern._meta.label_lower
# What a concern's page shows of it.
READ_FIELDS = [
    "category",
    "severity",
    "status",
    "observed_at",
    "facts",
    "assessment",
    "triage_assessment",
    "next_step",
    "escalation_target",
    "passed_on",
    "outcome",
    "history",
]
LISTED_FIELDS = ["mentorship", "category", "severity", "status", "raised_at"]


def most_severe_first(concerns: QuerySet[Concern]) -> QuerySet[Concern]:
    rank = Case(
        *[When(severity=severity, then=Value(n)) for severity, n in SEVERITY_RANK.items()],
        output_field=IntegerField(),
    )
    return concerns.annotate(rank=rank).order_by("rank", "raised_at", "id")


def _listed(concerns: QuerySet[Concern]) -> QuerySet[Concern]:
    return concerns.select_related(
        "mentorship",
        "mentorship__programme",
        "mentorship__mentee",
        "mentorship__mentor",
        "mentorship__coach",
        "raised_by",
    )


def _record_listed(user: object, shown: Iterable[Concern], detail: str, searched: bool) -> None:
    shown = list(shown)
    if not shown:
        return
    record(
        actor=user,
        action=Action.SEARCH if searched else Action.LIST,
        object_type=CONCERN,
        object_ids=[c.pk for c in shown],
        fields=LISTED_FIELDS,
        detail=detail,
    )
    record_mentees(user, [c.mentorship for c in shown], ["name"], detail)


@dataclass
class ConcernPage:
    concern: Concern
    events: list[ConcernEvent]
    revisions: list[ConcernRevision]


def concern_page(user: object, pk: int) -> ConcernPage:
    """The concern the user may see (404 otherwise), what was observed and its history; the
    read recorded under the concern and the person."""
    concern = access.concern_for(user, pk)
    revisions = list(access.concern_revisions_of(user, concern))
    record(
        actor=user,
        action=Action.VIEW,
        obj=concern,
        fields=READ_FIELDS,
        detail=f"on mentorships.mentorship #{concern.mentorship_id}",
    )
    record_mentees(
        user, [concern.mentorship], ["name", "institution"], f"on concerns.concern #{concern.pk}"
    )
    return ConcernPage(
        concern=concern,
        events=list(concern.events.select_related("actor")),
        revisions=revisions,
    )


def concern_form_shown(user: object, concern: Concern, fields: list[str]) -> Concern:
    """A form that changes the concern (loaded by the view for its write) shows these fields
    of it and the person's name: recorded."""
    record(actor=user, action=Action.VIEW, obj=concern, fields=fields)
    record_mentees(user, [concern.mentorship], ["name"], f"on concerns.concern #{concern.pk}")
    return concern


def concerns_listed(user: object, filters: dict[str, Any], page_number: str | None) -> Page:
    """One page of the concerns the user may see, open ones unless a state is asked for,
    most severe and oldest first; the page's concerns and people recorded."""
    concerns = access.concerns_visible_to(user)
    used = []
    if programme := filters.get("programme"):
        concerns = concerns.filter(mentorship__programme=programme)
    if status := filters.get("status"):
        concerns = concerns.filter(status=status)
        used.append("status")
    else:
        concerns = concerns.filter(status__in=OPEN_CONCERN_STATUSES)
    for name in ("severity", "category"):
        if value := filters.get(name):
            concerns = concerns.filter(**{name: value})
            used.append(name)
    page = Paginator(most_severe_first(_listed(concerns)), PAGE_SIZE).get_page(page_number)
    _record_listed(user, page.object_list, "", bool(used))
    return page


@dataclass
class Untriaged:
    shown: list[Concern]  # most severe and oldest first, each with `overdue`
    count: int
    overdue: int


def untriaged_for_home(user: object, now: datetime | None = None) -> Untriaged:
    """The coordinator's concerns waiting for triage in the programmes they coordinate, each
    flagged when past its programme's limit; the same number of queries however many."""
    now = now or timezone.now()
    waiting = access.concerns_visible_to(user).filter(
        status=ConcernStatus.RAISED,
        mentorship__programme__in=access.programmes_coordinated_by(user),
    )
    shown = list(most_severe_first(_listed(waiting))[:HOME_CONCERNS])
    for concern in shown:
        concern.overdue = concern.triage_overdue(now)  # type: ignore[attr-defined]
    overdue = waiting.filter(overdue_filter(access.programmes_coordinated_by(user), now)).count()
    _record_listed(user, shown, "home page", False)
    return Untriaged(shown=shown, count=waiting.count(), overdue=overdue)


def own_concerns_for_home(user: object, now: datetime | None = None) -> list[Concern]:
    """The open concerns on the mentor's and the coach's own mentorships (and those they
    raised), each flagged when its triage is overdue."""
    now = now or timezone.now()
    concerns = access.concerns_visible_to(user).filter(status__in=OPEN_CONCERN_STATUSES)
    shown = list(most_severe_first(_listed(concerns))[:HOME_CONCERNS])
    for concern in shown:
        concern.overdue = concern.triage_overdue(now)  # type: ignore[attr-defined]
    _record_listed(user, shown, "home page", False)
    return shown


def open_concerns_by_mentor(coach: object) -> dict[int, list[Concern]]:
    """For the coach's home page: the open concerns on the mentorships of each mentor the
    coach supervises, by the mentor's profile id, most severe first — in one query. The
    read is recorded."""
    concerns = list(
        most_severe_first(
            _listed(
                access.concerns_visible_to(coach).filter(
                    status__in=OPEN_CONCERN_STATUSES,
                    mentorship__coach__user_id=getattr(coach, "pk", 0),
                )
            )
        )
    )
    by_mentor: dict[int, list[Concern]] = {}
    for concern in concerns:
        by_mentor.setdefault(concern.mentorship.mentor_id, []).append(concern)
    _record_listed(coach, concerns, "home page", False)
    return by_mentor
