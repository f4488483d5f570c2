"""The programme dashboard: each figure of a programme and period as a table (a chart is drawn
from its first column), computed with a fixed number of queries whatever the number of cases.

Counts are aggregated in the database. Where the figure rests on encrypted fields (a
referral's criteria and orientation) or on a median, the rows it needs are read in one query
and counted here. For a pseudonymised reader every count under SMALL, and every median or
share resting on fewer than SMALL people, is shown as "<5" (`suppressed`)."""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from statistics import median
from typing import Any

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Region
from backontrack.mentors.models import Mentor, MentorStatus
from backontrack.mentors.readiness import readiness_of
from backontrack.mentorships.models import (
    AimArea,
    ClosureType,
    Frequency,
    Goal,
    GoalStatus,
    Meeting,
    Mentorship,
    NeedDomain,
    NeedStatus,
    Phase,
    ReentryNeed,
)
from backontrack.programmes.models import Programme, ProgrammeMembership
from backontrack.referrals.models import Orientation, Referral, ReferralTransition, Status
from backontrack.reviews.models import Instrument, Rating

from .followups import months_after
from .models import FollowUp, Group, MilieuContact, Point, Reconviction

SMALL = 5
HIDDEN = "<5"
# Meetings a month that each agreed frequency asks for.
PER_MONTH = {Frequency.WEEKLY: 4.3, Frequency.FORTNIGHTLY: 2.2, Frequency.MONTHLY: 1.0}


@dataclass(frozen=True)
class Period:
    programme: Programme
    start: date
    end: date


@dataclass
class Table:
    """One figure: rows of a label and values. `counts` says which columns are counts of
    people or cases (suppressed under SMALL for a pseudonymised reader); a value of another
    column is a median or a share, with the count of people it rests on in `bases`."""

    key: str
    title: str | Promise
    columns: list[str | Promise]
    rows: list[tuple[str | Promise, list[Any]]] = field(default_factory=list)
    counts: set[int] = field(default_factory=lambda: {0})
    bases: dict[tuple[int, int], int] = field(default_factory=dict)
    note: str | Promise = ""

    def add(self, label: str | Promise, values: list[Any], bases: Iterable[int] = ()) -> None:
        row = len(self.rows)
        for column, base in zip(
            (c for c in range(len(values)) if c not in self.counts), bases, strict=False
        ):
            self.bases[(row, column)] = base
        self.rows.append((label, values))

    def suppressed(self) -> "Table":
        """The table as a pseudonymised reader sees it."""
        shown = Table(self.key, self.title, self.columns, counts=self.counts, note=self.note)
        for row, (label, values) in enumerate(self.rows):
            cells = []
            for column, value in enumerate(values):
                if column in self.counts:
                    small = isinstance(value, int) and value < SMALL
                else:
                    small = self.bases.get((row, column), SMALL) < SMALL
                cells.append(HIDDEN if small and value not in (None, "") else value)
            shown.rows.append((label, cells))
        return shown

    def bars(self) -> list[tuple[str | Promise, Any, float]]:
        """Each row's label, its first value and the bar's length (0 to 100) for the chart."""
        numbers = [v[0] for _label, v in self.rows if isinstance(v[0], int | float)]
        top = max(numbers, default=0) or 1
        return [
            (label, v[0], round(100 * v[0] / top, 1) if isinstance(v[0], int | float) else 0)
            for label, v in self.rows
        ]


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _median(values: list[int] | list[float]) -> float | str:
    return round(float(median(values)), 1) if values else ""


def _days(
    earlier: date | datetime | None, later: date | datetime | None, zone: tzinfo
) -> int | None:
    """Days from one step to the next, a moment counting as its local day in `zone` (the
    current time zone, looked up once by the caller rather than for every value)."""
    if earlier is None or later is None:
        return None
    if isinstance(earlier, datetime):
        earlier = timezone.localdate(earlier, zone)
    if isinstance(later, datetime):
        later = timezone.localdate(later, zone)
    return (later - earlier).days


def _labelled(choices: Any, counted: dict[Any, int]) -> list[tuple[str | Promise, int]]:
    return [(label, counted.get(value, 0)) for value, label in choices.choices]


def referrals(period: Period) -> list[Table]:
    """Referrals received in the period: by criterion, orientation and institution's region
    and kind. The criteria and the orientation are encrypted: read in one query, counted here."""
    received = Referral.objects.filter(
        programme=period.programme, referred_on__range=(period.start, period.end)
    )
    by_criterion: Counter[str] = Counter()
    by_orientation: Counter[str] = Counter()
    fields = ("charged_with_terrorism", "convicted_of_terrorism", "hate_crime", "vulnerable")
    for referral in received.only("row_key", "orientation", *fields):
        by_criterion.update(name for name in fields if getattr(referral, name))
        by_orientation[referral.orientation] += 1
    criteria = Table("criteria", _("Referrals by criterion"), [_("Referrals")])
    criterion_labels = {
        "charged_with_terrorism": _("Charged with terrorism"),
        "convicted_of_terrorism": _("Convicted of terrorism"),
        "hate_crime": _("Hate-crime-aggravated offence"),
        "vulnerable": _("Vulnerable to radicalisation"),
    }
    for name in fields:
        criteria.add(criterion_labels[name], [by_criterion[name]])
    criteria.note = _("A referral may meet more than one criterion.")
    orientation = Table("orientation", _("Referrals by orientation"), [_("Referrals")])
    for label, number in _labelled(Orientation, by_orientation):
        orientation.add(label, [number])
    regions: dict[str | None, int] = dict(
        received.values_list("mentee__institution__region")
        .annotate(n=Count("id"))
        .values_list("mentee__institution__region", "n")
    )
    region = Table("region", _("Referrals by the institution's region"), [_("Referrals")])
    for label, number in _labelled(Region, regions):
        region.add(label, [number])
    region.add(_("No institution"), [regions.get(None, 0)])
    return [criteria, orientation, region]


def funnel(period: Period) -> Table:
    """Referrals received in the period, how far they came, and the median days of each step."""
    received = Referral.objects.filter(
        programme=period.programme, referred_on__range=(period.start, period.end)
    )
    steps = list(
        received.values_list(
            "pk",
            "referred_on",
            "screening__decision",
            "screening__decided_at",
            "mentorship__created_at",
            "mentorship__initial_meeting_on",
        )
    )
    accepted_at = dict(
        ReferralTransition.objects.filter(referral__in=received, to_status=Status.ACCEPTED)
        .order_by("referral_id", "occurred_at")
        .values_list("referral_id", "occurred_at")
    )
    table = Table(
        "funnel",
        _("From referral to active mentorship"),
        [_("Referrals"), _("Median days from the step before")],
    )
    zone = timezone.get_current_timezone()
    eligible = [s for s in steps if s[2] in (Status.ELIGIBLE, Status.ACCEPTED, Status.MATCHED)]
    accepted = [s for s in eligible if s[0] in accepted_at or s[4] is not None]
    matched = [s for s in accepted if s[4] is not None]
    active = [s for s in matched if s[5] is not None]
    rows: list[tuple[str | Promise, list[Any], list[int | None]]] = [
        (_("Received"), steps, []),
        (_("Eligible"), eligible, [_days(s[1], s[3], zone) for s in eligible]),
        (
            _("Accepted"),
            accepted,
            [_days(s[3], accepted_at.get(s[0]), zone) for s in accepted],
        ),
        (_("Matched"), matched, [_days(accepted_at.get(s[0], s[3]), s[4], zone) for s in matched]),
        (_("Active"), active, [_days(s[4], s[5], zone) for s in active]),
    ]
    for label, reached, days in rows:
        known = [d for d in days if d is not None]
        table.add(label, [len(reached), _median(known)], [len(known)])
    return table


def _month_ends(period: Period) -> list[date]:
    """The last day of each month of the period (at most 36), the last one cut at its end."""
    ends: list[date] = []
    month = date(period.start.year, period.start.month, 1)
    while month <= period.end and len(ends) < 36:
        ends.append(min(months_after(month, 1) - timedelta(days=1), period.end))
        month = months_after(month, 1)
    return ends


def caseload(period: Period) -> list[Table]:
    """Mentorships under way at each month's end (one query), and those under way now by phase."""
    mentorships = Mentorship.objects.filter(programme=period.programme)
    ends = _month_ends(period)
    counted = mentorships.aggregate(
        **{
            f"m{n}": Count(
                "id",
                filter=Q(initial_meeting_on__lte=day)
                & (Q(closed_on__isnull=True) | Q(closed_on__gt=day)),
            )
            for n, day in enumerate(ends)
        }
    )
    over_time = Table(
        "caseload", _("Mentorships under way at each month's end"), [_("Mentorships")]
    )
    for n, day in enumerate(ends):
        over_time.add(day.strftime("%Y-%m"), [counted[f"m{n}"]])
    phases = dict(
        mentorships.filter(status__in=("active", "paused"))
        .values_list("phase")
        .annotate(n=Count("id"))
        .values_list("phase", "n")
    )
    by_phase = Table("phase", _("Mentorships under way today, by phase"), [_("Mentorships")])
    for label, number in _labelled(Phase, phases):
        by_phase.add(label, [number])
    return [over_time, by_phase]


def meeting_frequency(period: Period) -> Table:
    """For the mentorships under way in the period, by agreed frequency: how many, the median
    of held meetings a month, and how many met at least as often as agreed."""
    under_way = (
        Mentorship.objects.filter(programme=period.programme, initial_meeting_on__lte=period.end)
        .exclude(closed_on__lt=period.start)
        .exclude(meeting_frequency="")
        .annotate(
            held=Count(
                "meetings",
                filter=Q(
                    meetings__outcome=Meeting.Outcome.HELD,
                    meetings__occurred_on__range=(period.start, period.end),
                ),
            )
        )
        .values_list("meeting_frequency", "initial_meeting_on", "closed_on", "held")
    )
    rates: dict[str, list[float]] = defaultdict(list)
    for frequency, started, closed, held in under_way:
        if started is None:
            continue
        begin, finish = max(started, period.start), min(closed or period.end, period.end)
        months = max((finish - begin).days / 30.44, 0.5)
        rates[frequency].append(held / months)
    table = Table(
        "meetings",
        _("Meetings held against the agreed frequency"),
        [_("Mentorships"), _("Median meetings a month"), _("Met as often as agreed")],
        counts={0, 2},
    )
    for value, label in Frequency.choices:
        found = rates.get(value, [])
        met = sum(1 for rate in found if rate >= PER_MONTH[Frequency(value)] * 0.9)
        table.add(label, [len(found), _median(found), met], [len(found)])
    return table


def goals(period: Period) -> Table:
    """Goals of the programme's mentorships settled in the period, by aim area and outcome."""
    settled = (
        Goal.objects.filter(
            mentorship__programme=period.programme,
            updated_at__range=(_aware(period.start), _aware(period.end) + timedelta(days=1)),
        )
        .exclude(status=GoalStatus.ACTIVE)
        .values_list("area", "status")
        .annotate(n=Count("id"))
    )
    counted = {(area, status): n for area, status, n in settled}
    outcomes = [s for s in GoalStatus if s != GoalStatus.ACTIVE]
    table = Table(
        "goals",
        _("Goals settled, by aim area"),
        [s.label for s in outcomes],
        counts=set(range(len(outcomes))),
    )
    for area in AimArea:
        table.add(area.label, [counted.get((area.value, s.value), 0) for s in outcomes])
    return table


def reviews(period: Period) -> Table:
    """Each item of the default instrument: of the people rated on it at least twice in the
    period, how many went better, the same, or worse from the first rating to the last.

    The ratings are read in one query, in the order they were given, and counted in one
    pass: each person's first and last value of each item, then up, level or down by item."""
    ratings = (
        Rating.objects.filter(
            review__mentorship__programme=period.programme,
            review__held_on__range=(period.start, period.end),
            value__isnull=False,
        )
        .order_by("review__held_on", "review_id")
        .values_list("review__mentorship_id", "review__instrument_id", "item_code", "value")
    )
    first: dict[tuple[int, int, str], int] = {}
    last: dict[tuple[int, int, str], int] = {}
    for mentorship, instrument_id, code, value in ratings:
        if value is None:
            continue
        key = (mentorship, instrument_id, code)
        if key not in first:
            first[key] = value
        last[key] = value
    moves: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    for key, start in first.items():
        end = last[key]
        moves[key[1], key[2]]["same" if end == start else "up" if end > start else "down"] += 1
    table = Table(
        "reviews",
        _("Review items: people who went better, the same, or worse"),
        [_("Better"), _("The same"), _("Worse")],
        counts={0, 1, 2},
    )
    used = {instrument_id for instrument_id, _code in moves}
    for instrument in Instrument.objects.all():
        if instrument.pk not in used:
            continue
        for item in instrument.items():
            moved = moves.get((instrument.pk, item["code"]), Counter())
            protective = item["kind"] == "protective"
            better, worse = (
                (moved["up"], moved["down"]) if protective else (moved["down"], moved["up"])
            )
            kind = _("protective") if protective else _("risk")
            table.add(f"{item['domain']}: {item['label']} ({kind})", [better, moved["same"], worse])
    return table


def reentry(period: Period) -> Table:
    """Re-entry needs of the people released in the period: how many were secured by then."""
    needs = (
        ReentryNeed.objects.filter(
            plan__mentorship__programme=period.programme,
            plan__release_date__range=(period.start, min(period.end, timezone.localdate())),
        )
        .values_list("domain")
        .annotate(
            n=Count("id"),
            secured=Count("id", filter=Q(status=NeedStatus.SECURED)),
            not_needed=Count("id", filter=Q(status=NeedStatus.NOT_NEEDED)),
        )
        .values_list("domain", "n", "secured", "not_needed")
    )
    counted = {domain: (n, secured, not_needed) for domain, n, secured, not_needed in needs}
    table = Table(
        "reentry",
        _("Re-entry needs of the people released, secured by the release"),
        [_("Needs"), _("Secured"), _("Not needed")],
        counts={0, 1, 2},
    )
    for domain in NeedDomain:
        table.add(domain.label, list(counted.get(domain.value, (0, 0, 0))))
    return table


def closures(period: Period) -> Table:
    closed = dict(
        Mentorship.objects.filter(
            programme=period.programme, closed_on__range=(period.start, period.end)
        )
        .values_list("closure_type")
        .annotate(n=Count("id"))
        .values_list("closure_type", "n")
    )
    table = Table("closures", _("Mentorships closed, by how they ended"), [_("Mentorships")])
    for label, number in _labelled(ClosureType, closed):
        table.add(label, [number])
    return table


def follow_ups(period: Period) -> list[Table]:
    """Follow-ups due in the period, by group and point: reconviction and milieu contact."""
    recorded = FollowUp.objects.filter(
        programme=period.programme, due_on__range=(period.start, period.end)
    )
    tables = []
    for key, title, field_name, choices in (
        ("reconviction", _("Reconviction at each follow-up"), "reconviction", Reconviction),
        (
            "milieu",
            _("Contact with the extremist milieu at each follow-up"),
            "milieu_contact",
            MilieuContact,
        ),
    ):
        counted = {
            (group, months, value): n
            for group, months, value, n in recorded.values_list("group", "months", field_name)
            .annotate(n=Count("id"))
            .values_list("group", "months", field_name, "n")
        }
        table = Table(
            key, title, [label for _v, label in choices.choices], counts=set(range(len(choices)))
        )
        for group in Group:
            for point in Point:
                table.add(
                    f"{group.label}, {point.label}",
                    [counted.get((group.value, point.value, v), 0) for v in choices.values],
                )
        tables.append(table)
    return tables


def mentor_corps(period: Period) -> Table:
    """The programme's mentors by status, how many are ready to be matched, and the share of
    mentorships under way whose coach is active."""
    members = ProgrammeMembership.objects.filter(
        programme=period.programme, role__in=("mentor", "coach")
    ).values("user_id")
    mentors = list(Mentor.objects.filter(user_id__in=members))
    ready = sum(1 for r in readiness_of(mentors).values() if r.ready)
    by_status = Counter(m.status for m in mentors)
    under_way = Mentorship.objects.filter(
        programme=period.programme, status__in=("active", "paused")
    ).aggregate(n=Count("id"), coached=Count("id", filter=Q(coach__status=MentorStatus.ACTIVE)))
    table = Table("corps", _("The mentor corps"), [_("Mentors")])
    table.add(_("Ready to be matched"), [ready])
    for value, label in MentorStatus.choices:
        table.add(label, [by_status.get(value, 0)])
    table.add(_("Mentorships under way"), [under_way["n"]])
    table.add(_("… with an active supervising coach"), [under_way["coached"]])
    return table


SECTIONS: list[Callable[[Period], Table | list[Table]]] = [
    referrals,
    funnel,
    caseload,
    meeting_frequency,
    goals,
    reviews,
    reentry,
    closures,
    follow_ups,
    mentor_corps,
]

SECTION_OF: dict[str, Callable[[Period], Table | list[Table]]] = {
    "criteria": referrals,
    "orientation": referrals,
    "region": referrals,
    "funnel": funnel,
    "caseload": caseload,
    "phase": caseload,
    "meetings": meeting_frequency,
    "goals": goals,
    "reviews": reviews,
    "reentry": reentry,
    "closures": closures,
    "reconviction": follow_ups,
    "milieu": follow_ups,
    "corps": mentor_corps,
}


def tables(period: Period, *, pseudonymised: bool) -> list[Table]:
    found: list[Table] = []
    for section in SECTIONS:
        made = section(period)
        found += made if isinstance(made, list) else [made]
    return [t.suppressed() for t in found] if pseudonymised else found


def table(period: Period, key: str, *, pseudonymised: bool) -> Table:
    """One figure by its key (Http404 for an unknown one)."""
    section = SECTION_OF.get(key)
    if section is None:
        raise Http404
    made = section(period)
    found = next(t for t in (made if isinstance(made, list) else [made]) if t.key == key)
    return found.suppressed() if pseudonymised else found
