"""Reads about a mentor's caseload, for the pages that warn before a mentor leaves."""

from dataclasses import dataclass

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.mentorships.models import OPEN_MENTORSHIP_STATUSES, Mentorship

from .models import Mentor

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
    open_ones = Mentorship.objects.filter(status__in=OPEN_MENTORSHIP_STATUSES).select_related(
        "mentee", "mentor", "coach"
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
