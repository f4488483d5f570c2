"""Reads of mentorships that show the person: each loads through the access policy and
files the read under the person in the same call."""

from collections.abc import Iterable

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access

from .alerts import quiet_since
from .models import Meeting, Mentorship

PERSON = ["name", "institution", "custody_status", "expected_release_date"]


def with_last_meeting(mentorships: QuerySet[Mentorship]) -> QuerySet[Mentorship]:
    return mentorships.annotate(
        last_meeting=Max("meetings__occurred_on", filter=Q(meetings__outcome=Meeting.Outcome.HELD))
    )


def record_mentees(
    user: object, mentorships: "Iterable[Mentorship]", fields: list[str], detail: str = ""
) -> None:
    """Every mentorship page shows the person: file their ids under the register's type, so
    that "who looked at this person" finds the page."""
    ids = sorted({m.mentee_id for m in mentorships})
    if ids:
        record(
            actor=user,
            action=Action.VIEW if len(ids) == 1 else Action.LIST,
            object_type="mentees.mentee",
            object_ids=ids,
            fields=fields,
            detail=detail,
        )


def is_quiet(mentorship: Mentorship) -> bool:
    """An active mentorship overdue for a meeting (the same rule as the alert)."""
    return quiet_since(mentorship, timezone.localdate()) is not None


def mentorship_shown(user: object, pk: int, fields: list[str], detail: str = "") -> Mentorship:
    """The mentorship the user may see (404 otherwise), its person's read recorded: every
    page of a mentorship shows at least the person's name."""
    mentorship = access.mentorship_for(user, pk)
    record_mentees(user, [mentorship], fields, detail)
    return mentorship
