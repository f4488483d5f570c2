"""When follow-ups fall due: 6, 12 and 24 months after a mentorship closed, or after an
eligible referral's screening for the comparison group. A due follow-up stays on the list
for LISTED_FOR_MONTHS months; after that it is missed, and the dashboard counts it as
unknown by its absence."""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, DateField, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

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


def _cases_due(
    point: int, mentorships: QuerySet[Mentorship], referrals: QuerySet[Referral], today: date
) -> tuple[QuerySet[Mentorship], QuerySet[Referral], date, date]:
    """The closed mentorships and comparison referrals whose follow-up at this point is due
    and not recorded, and the days (after the first, up to the second) their closure or
    screening fell on. The screening's day is asked as a range of its time (local midnights),
    which an index answers, not as a day worked out from every screening's time."""
    latest, earliest = months_before(today, point), months_before(today, point + LISTED_FOR_MONTHS)
    closed = mentorships.filter(closed_on__lte=latest, closed_on__gt=earliest).exclude(
        follow_ups__months=point
    )
    screened = referrals.filter(
        screening__decided_at__gte=_midnight_after(earliest),
        screening__decided_at__lt=_midnight_after(latest),
    ).exclude(follow_ups__months=point)
    return closed, screened, earliest, latest


def _midnight_after(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def due_follow_ups(
    mentorships: QuerySet[Mentorship], referrals: QuerySet[Referral], today: date
) -> list[Due]:
    """The follow-ups due and not recorded among these closed mentorships and comparison
    referrals, oldest first: two queries for each point, whatever the number of cases."""
    found: list[Due] = []
    for point in Point:
        closed, screened, _earliest, _latest = _cases_due(point, mentorships, referrals, today)
        found += [
            Due(Group.MENTORED, pk, programme, point, months_after(closed_on, point))
            for pk, programme, closed_on in closed.values_list("pk", "programme_id", "closed_on")
            if closed_on is not None
        ]
        found += [
            Due(Group.COMPARISON, pk, programme, point, months_after(decided_on, point))
            for pk, programme, decided_on in screened.values_list(
                "pk", "programme_id", "screening__decided_at__date"
            )
        ]
    return sorted(found, key=_listed_order)


def _listed_order(due: Due) -> tuple[date, str, int]:
    return due.due_on, due.group, due.case_id


def first_due_follow_ups(
    mentorships: QuerySet[Mentorship], referrals: QuerySet[Referral], today: date, limit: int
) -> tuple[list[Due], int]:
    """The first `limit` of `due_follow_ups` and how many there are, without loading the
    rest: for each point and group one query, which counts the cases and returns the first
    few by their due day (the day they closed or were screened, clipped as `months_after`
    clips it at the end of a shorter month) and number."""
    first: list[Due] = []
    count = 0
    for point in Point:
        closed, screened, earliest, latest = _cases_due(point, mentorships, referrals, today)
        sources = (
            (Group.MENTORED, closed, F("closed_on")),
            (Group.COMPARISON, screened, TruncDate("screening__decided_at")),
        )
        for group, cases, day in sources:
            rows = list(
                cases.annotate(
                    due_day=_clipped(day, group, point, earliest, latest),
                    cases=Window(Count("pk")),
                )
                .order_by("due_day", "pk")
                .values_list("pk", "programme_id", "due_day", "cases")[:limit]
            )
            count += rows[0][3] if rows else 0
            first += [
                Due(group, pk, programme, point, months_after(due_day, point))
                for pk, programme, due_day, _cases in rows
            ]
    return sorted(first, key=_listed_order)[:limit], count


def _clipped(day: F | TruncDate, group: str, point: int, earliest: date, latest: date) -> Case:
    """The day, or for the days after the end of a shorter month `point` months on, the last
    day that month keeps: days with the same due day then sort as one, by the case's number."""
    clipped = []
    month = date(earliest.year, earliest.month, 1)
    while month <= latest:
        last = date(month.year, month.month, monthrange(month.year, month.month)[1])
        kept = months_before(months_after(last, point), point)
        if kept < last:
            if group == Group.MENTORED:
                within = Q(closed_on__gt=kept, closed_on__lte=last)
            else:
                within = Q(
                    screening__decided_at__gte=_midnight_after(kept),
                    screening__decided_at__lt=_midnight_after(last),
                )
            clipped.append(When(within, then=Value(kept)))
        month = last + timedelta(days=1)
    return Case(*clipped, default=day, output_field=DateField())
