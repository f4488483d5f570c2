"""When follow-ups fall due: 6, 12 and 24 months after a mentorship closed, or after an
eligible referral's screening for the comparison group. A due follow-up stays on the list
for LISTED_FOR_MONTHS months; after that it is missed, and the dashboard counts it as
unknown by its absence.

The follow-ups not recorded yet are kept as rows (`DueFollowUp`, decision 0043): derived
from a case's records by `follow_ups_due_rebuild`, which every service that changes them
calls in its transaction, and asked which of them are listed on a day by `listed`."""

from calendar import monthrange
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Window
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from backontrack.core.access import comparison_referrals
from backontrack.mentorships.models import Mentorship, MentorshipStatus
from backontrack.referrals.models import Referral

from .models import DueFollowUp, FollowUp, Group, Point

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


def _listed_days(point: int, today: date) -> tuple[date, date]:
    """The days (after the first, up to the second) a closure or a screening falls on for its
    follow-up at this point to be listed today."""
    return months_before(today, point + LISTED_FOR_MONTHS), months_before(today, point)


def _midnight_after(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def due_follow_ups(
    mentorships: QuerySet[Mentorship], referrals: QuerySet[Referral], today: date
) -> list[Due]:
    """The follow-ups due and not recorded among these closed mentorships and comparison
    referrals, oldest first, worked out from the records themselves (two queries for each
    point, each reading every closure or screening of its six months): the definition the
    kept rows are held to (tests/test_evaluation.py); the pages and send-alerts read the rows."""
    found: list[Due] = []
    for point in Point:
        earliest, latest = _listed_days(point, today)
        closed = mentorships.filter(closed_on__lte=latest, closed_on__gt=earliest).exclude(
            follow_ups__months=point
        )
        screened = referrals.filter(
            screening__decided_at__gte=_midnight_after(earliest),
            screening__decided_at__lt=_midnight_after(latest),
        ).exclude(follow_ups__months=point)
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


# The rows as the list's follow-ups, in its order: by the due day, the group, the case's number.
CASE = Coalesce("mentorship_id", "referral_id")
FIELDS = ("group", "case", "programme_id", "months", "due_on")
LISTED_ORDER = ("due_on", "group", "case")


def listed(rows: QuerySet[DueFollowUp], today: date) -> QuerySet[DueFollowUp]:
    """The rows listed today: for each point, those counted from a day of its six months (an
    index range each)."""
    ranges = Q()
    for point in Point:
        earliest, latest = _listed_days(point, today)
        ranges |= Q(months=point, counted_from__gt=earliest, counted_from__lte=latest)
    return rows.filter(ranges).annotate(case=CASE)


def listed_follow_ups(rows: QuerySet[DueFollowUp], today: date) -> list[Due]:
    """The follow-ups of these rows listed today, oldest first (one query)."""
    return [Due(*row) for row in listed(rows, today).order_by(*LISTED_ORDER).values_list(*FIELDS)]


def first_due_follow_ups(
    rows: QuerySet[DueFollowUp], today: date, limit: int
) -> tuple[list[Due], int]:
    """The first `limit` of `listed_follow_ups` and how many there are, in one query."""
    found = list(
        listed(rows, today)
        .annotate(cases=Window(Count("pk")))
        .order_by(*LISTED_ORDER)
        .values_list(*FIELDS, "cases")[:limit]
    )
    return [Due(*row[:-1]) for row in found], found[0][-1] if found else 0


# The cases whose rows are to be derived when the `follow_ups_due_deferred` block ends
# (None outside such a block): mentorships, referrals.
_deferred: ContextVar[tuple[set[int], set[int]] | None] = ContextVar(
    "follow_ups_due_deferred", default=None
)
LOADED_TOGETHER = 500


@contextmanager
def follow_ups_due_deferred() -> Iterator[None]:
    """Within the block the services' rebuilds are noted, and each case noted has its rows
    derived once, when the block ends (the demo writes its stories through the services and
    then dates them with updates). If the block raises, nothing is derived: its transaction is
    rolled back. A block within another adds its cases to the outer one's."""
    if _deferred.get() is not None:
        yield
        return
    pending: tuple[set[int], set[int]] = (set(), set())
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    follow_ups_due_rebuild(mentorships=sorted(pending[0]), referrals=sorted(pending[1]))


def follow_ups_due_rebuild(
    *, mentorships: Iterable[int] = (), referrals: Iterable[int] = ()
) -> None:
    """Derive the follow-ups due of these mentorships and referrals again from their records:
    one row for each point not recorded yet of a closed mentorship (from its closure) or of a
    comparison referral (from its screening's local day). Called by every service that closes
    a mentorship, decides a screening, matches a referral or records a follow-up, in its
    transaction; `backontrack rebuild-alerts` calls it for every case. In a
    `follow_ups_due_deferred` block the cases are only noted."""
    mentorship_ids, referral_ids = list(mentorships), list(referrals)
    if (pending := _deferred.get()) is not None:
        pending[0].update(mentorship_ids)
        pending[1].update(referral_ids)
        return
    for start in range(0, len(mentorship_ids), LOADED_TOGETHER):
        batch = mentorship_ids[start : start + LOADED_TOGETHER]
        DueFollowUp.objects.filter(mentorship_id__in=batch).delete()
        closed = [
            (pk, programme, closed_on)
            for pk, programme, closed_on in Mentorship.objects.filter(
                pk__in=batch, status=MentorshipStatus.CLOSED
            ).values_list("pk", "programme_id", "closed_on")
            if closed_on is not None
        ]
        _write(Group.MENTORED, closed, FollowUp.objects.filter(mentorship_id__in=batch))
    for start in range(0, len(referral_ids), LOADED_TOGETHER):
        batch = referral_ids[start : start + LOADED_TOGETHER]
        DueFollowUp.objects.filter(referral_id__in=batch).delete()
        screened = [
            (pk, programme, timezone.localdate(decided_at))
            for pk, programme, decided_at in comparison_referrals()
            .filter(pk__in=batch)
            .values_list("pk", "programme_id", "screening__decided_at")
        ]
        _write(Group.COMPARISON, screened, FollowUp.objects.filter(referral_id__in=batch))


def _write(
    group: str, cases: Iterable[tuple[int, int, date]], follow_ups: QuerySet[FollowUp]
) -> None:
    case = "mentorship_id" if group == Group.MENTORED else "referral_id"
    recorded = set(follow_ups.values_list(case, "months"))
    DueFollowUp.objects.bulk_create(
        DueFollowUp(
            programme_id=programme,
            group=group,
            months=point,
            counted_from=day,
            due_on=months_after(day, point),
            **{case: pk},
        )
        for pk, programme, day in cases
        for point in Point
        if (pk, point) not in recorded
    )


def follow_ups_due_rebuild_all() -> int:
    """Derive every case's follow-ups due again (`backontrack rebuild-alerts`); returns the
    number of rows."""
    DueFollowUp.objects.all().delete()
    follow_ups_due_rebuild(
        mentorships=Mentorship.objects.filter(status=MentorshipStatus.CLOSED).values_list(
            "pk", flat=True
        ),
        referrals=comparison_referrals().values_list("pk", flat=True),
    )
    return DueFollowUp.objects.count()
