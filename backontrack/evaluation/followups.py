"""When follow-ups fall due: 6, 12 and 24 months after a mentorship closed, or after an
eligible referral's screening for the comparison group. A due follow-up stays on the list
for LISTED_FOR_MONTHS months; after that it is missed, and the dashboard counts it as
unknown by its absence."""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.urls import reverse

from backontrack.mentorships.models import Mentorship
from backontrack.referrals.models import Referral

from .models import Group, Point

LISTED_FOR_MONTHS = 6


def months_after(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def months_before(day: date, months: int) -> date:
    return months_after(day, -months)


@dataclass(frozen=True)
class Due:
    group: str
    case_id: int
    programme_id: int
    months: int
    due_on: date

    @property
    def key(self) -> str:
        return f"follow_up:{self.group}:{self.case_id}:{self.months}"

    @property
    def form_url(self) -> str:
        name = "follow_up_mentorship" if self.group == Group.MENTORED else "follow_up_referral"
        return reverse(name, args=[self.case_id, self.months])

    @property
    def point_label(self) -> str:
        return str(Point(self.months).label)


def due_follow_ups(
    mentorships: QuerySet[Mentorship], referrals: QuerySet[Referral], today: date
) -> list[Due]:
    """The follow-ups due and not recorded among these closed mentorships and comparison
    referrals, oldest first: two queries for each point, whatever the number of cases."""
    found: list[Due] = []
    for point in Point:
        latest, earliest = (
            months_before(today, point),
            months_before(today, point + LISTED_FOR_MONTHS),
        )
        closed = (
            mentorships.filter(closed_on__lte=latest, closed_on__gt=earliest)
            .exclude(follow_ups__months=point)
            .values_list("pk", "programme_id", "closed_on")
        )
        found += [
            Due(Group.MENTORED, pk, programme, point, months_after(closed_on, point))
            for pk, programme, closed_on in closed
            if closed_on is not None
        ]
        screened = (
            referrals.filter(
                screening__decided_at__date__lte=latest, screening__decided_at__date__gt=earliest
            )
            .exclude(follow_ups__months=point)
            .values_list("pk", "programme_id", "screening__decided_at__date")
        )
        found += [
            Due(Group.COMPARISON, pk, programme, point, months_after(decided_on, point))
            for pk, programme, decided_on in screened
        ]
    return sorted(found, key=lambda due: (due.due_on, due.group, due.case_id))
