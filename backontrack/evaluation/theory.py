"""The theory of change: each indicator a coordinator set for the programme, and its trajectory
over the period as a dashboard table — quarter by quarter for a goal area, from intake to
closure for a review item, 6, 12 and 24 months after the closure for a follow-up outcome.

Everything is counted in the database, with the same four queries whatever the number of
cases and indicators: the indicators, then one aggregate each for goals, ratings and
follow-ups (each grouped over every target, so that no query is left out when a programme has
no indicator of a kind)."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Avg, Count, Q
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from backontrack.mentorships.models import AimArea, Goal, GoalStatus
from backontrack.reviews.models import Instrument, Occasion, Rating

from .dashboard import Period, Table
from .followups import months_after
from .models import FollowUp, Group, Indicator, Measure, Point
from .services import CHOICES

# The follow-up fields an indicator may follow (the source says where it came from, not what
# became of the person), each value but "unknown".
FOLLOW_UP_FIELDS = ("reconviction", "custody", "housing", "occupation", "milieu_contact")
KEY_PREFIX = "indicator-"


@dataclass(frozen=True)
class Quarter:
    label: str
    start: date
    end: date


def quarters(period: Period) -> list[Quarter]:
    """The calendar quarters of the period (at most 12), the first and last cut at its ends."""
    found: list[Quarter] = []
    first = date(period.start.year, 3 * ((period.start.month - 1) // 3) + 1, 1)
    while first <= period.end and len(found) < 12:
        following = months_after(first, 3)
        found.append(
            Quarter(
                _("%(year)s Q%(quarter)s")
                % {"year": first.year, "quarter": (first.month - 1) // 3 + 1},
                max(first, period.start),
                min(following - timedelta(days=1), period.end),
            )
        )
        first = following
    return found


def _label_of(name: str) -> str:
    """A follow-up field's name as the form shows it."""
    return str(getattr(FollowUp._meta.get_field(name), "verbose_name", name))


def review_items() -> dict[str, dict[str, Any]]:
    """Every item of the loaded instruments by its code (the newest version's wording)."""
    items: dict[str, dict[str, Any]] = {}
    for instrument in Instrument.objects.order_by("code", "version"):
        for item in instrument.items():
            items[item["code"]] = item
    return items


def measure_choices(items: dict[str, dict[str, Any]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """What an indicator may follow, grouped for the form's select: "measure:target"."""
    kinds = {"protective": _("protective"), "risk": _("risk")}
    follow_ups = []
    for name in FOLLOW_UP_FIELDS:
        field_label = _label_of(name)
        for value, label in CHOICES[name].choices:
            if value != "unknown":
                follow_ups.append(
                    (f"{Measure.FOLLOW_UP}:{name}={value}", f"{field_label}: {label}")
                )
    return [
        (
            str(Measure.GOAL_AREA.label),
            [(f"{Measure.GOAL_AREA}:{value}", str(label)) for value, label in AimArea.choices],
        ),
        (
            str(Measure.REVIEW_ITEM.label),
            [
                (
                    f"{Measure.REVIEW_ITEM}:{code}",
                    f"{item['domain']}: {item['label']} ({kinds[item['kind']]})",
                )
                for code, item in items.items()
            ],
        ),
        (str(Measure.FOLLOW_UP.label), follow_ups),
    ]


def _share(part: int, whole: int) -> float | str:
    """A percentage with one decimal (so that a share is never read as a small count)."""
    return round(100 * part / whole, 1) if whole else ""


def _counts(period: Period, spans: list[Quarter]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Goals by aim area of the mentorships closed in each quarter, and the ratings of each
    review item at each occasion (intake, periodic, before release, closure) of the reviews
    held in the period: two aggregate queries."""
    goals = {
        row["area"]: row
        for row in Goal.objects.filter(
            mentorship__programme=period.programme,
            mentorship__closed_on__range=(period.start, period.end),
        )
        .order_by()
        .values("area")
        .annotate(
            **{
                f"n{i}": Count("id", filter=Q(mentorship__closed_on__range=(q.start, q.end)))
                for i, q in enumerate(spans)
            },
            **{
                f"a{i}": Count(
                    "id",
                    filter=Q(
                        mentorship__closed_on__range=(q.start, q.end), status=GoalStatus.ACHIEVED
                    ),
                )
                for i, q in enumerate(spans)
            },
        )
    }
    ratings = {
        row["item_code"]: row
        for row in Rating.objects.filter(
            review__mentorship__programme=period.programme,
            review__held_on__range=(period.start, period.end),
            value__isnull=False,
        )
        .order_by()
        .values("item_code")
        .annotate(
            **{
                f"m_{occasion}": Avg("value", filter=Q(review__occasion=occasion))
                for occasion in Occasion.values
            },
            **{
                f"n_{occasion}": Count(
                    "review__mentorship", distinct=True, filter=Q(review__occasion=occasion)
                )
                for occasion in Occasion.values
            },
        )
    }
    return goals, ratings


def _follow_up_counts(
    period: Period, indicators: list[Indicator]
) -> dict[tuple[str, int], dict[str, Any]]:
    """Follow-ups due in the period by group and point, and how many of them had each
    follow-up indicator's outcome: one aggregate query."""
    wanted = {}
    for indicator in indicators:
        if indicator.measure == Measure.FOLLOW_UP:
            name, _sep, value = indicator.target.partition("=")
            if name in FOLLOW_UP_FIELDS:
                wanted[f"i{indicator.pk}"] = Count("id", filter=Q(**{name: value}))
    return {
        (row["group"], row["months"]): dict(row)
        for row in FollowUp.objects.filter(
            programme=period.programme, due_on__range=(period.start, period.end)
        )
        .order_by()
        .values("group", "months")
        .annotate(n=Count("id"), **wanted)
    }


def _described(indicator: Indicator, measure: str | Promise) -> str:
    return f"{measure}. {indicator.description}" if indicator.description else f"{measure}."


def _goal_table(indicator: Indicator, spans: list[Quarter], goals: dict[str, Any]) -> Table:
    area = dict(AimArea.choices).get(indicator.target, indicator.target)
    table = Table(
        f"{KEY_PREFIX}{indicator.pk}",
        indicator.name,
        [_("Goals achieved (%)"), _("Goals of the mentorships closed")],
        counts={1},
        note=_described(
            indicator,
            _("Goals of the aim area “%(area)s”, by the quarter their mentorship closed")
            % {"area": area},
        ),
    )
    row = goals.get(indicator.target, {})
    for i, quarter in enumerate(spans):
        whole = row.get(f"n{i}", 0)
        table.add(quarter.label, [_share(row.get(f"a{i}", 0), whole), whole], [whole])
    return table


def _review_table(
    indicator: Indicator,
    ratings: dict[str, Any],
    items: dict[str, dict[str, Any]],
) -> Table:
    item = items.get(indicator.target)
    wording = item["label"] if item else indicator.target
    better = _("lower is better") if item and item["kind"] == "risk" else _("higher is better")
    table = Table(
        f"{KEY_PREFIX}{indicator.pk}",
        indicator.name,
        [_("Mean rating (%(better)s)") % {"better": better}, _("People rated")],
        counts={1},
        note=_described(
            indicator,
            _("Ratings of the review item “%(item)s” at each occasion, in the period")
            % {"item": wording},
        ),
    )
    row = ratings.get(indicator.target, {})
    for occasion, label in Occasion.choices:
        mean, people = row.get(f"m_{occasion}"), row.get(f"n_{occasion}", 0)
        table.add(label, [round(float(mean), 1) if mean is not None else "", people], [people])
    return table


def _follow_up_table(indicator: Indicator, counts: dict[tuple[str, int], Any]) -> Table:
    name, _sep, value = indicator.target.partition("=")
    choices = CHOICES.get(name)
    outcome = dict(choices.choices).get(value, value) if choices else value
    field_label = _label_of(name) if choices else name
    table = Table(
        f"{KEY_PREFIX}{indicator.pk}",
        indicator.name,
        [
            _("Mentored: with the outcome (%)"),
            _("Mentored: followed up"),
            _("Comparison group: with the outcome (%)"),
            _("Comparison group: followed up"),
        ],
        counts={1, 3},
        note=_described(
            indicator,
            _("Follow-ups due in the period with “%(field)s: %(outcome)s”")
            % {"field": field_label, "outcome": outcome},
        ),
    )
    for point in Point:
        mentored = counts.get((Group.MENTORED, point.value), {})
        comparison = counts.get((Group.COMPARISON, point.value), {})
        m, c = mentored.get("n", 0), comparison.get("n", 0)
        table.add(
            point.label,
            [
                _share(mentored.get(f"i{indicator.pk}", 0), m),
                m,
                _share(comparison.get(f"i{indicator.pk}", 0), c),
                c,
            ],
            [m, c],
        )
    return table


def indicators_of(period: Period) -> list[Indicator]:
    return list(Indicator.objects.filter(programme=period.programme, active=True))


def tables(period: Period, *, pseudonymised: bool) -> list[Table]:
    """Each active indicator's trajectory over the period, in a fixed number of queries."""
    indicators = indicators_of(period)
    spans = quarters(period)
    goals, ratings = _counts(period, spans)
    counts = _follow_up_counts(period, indicators)
    items = review_items()
    found = []
    for indicator in indicators:
        if indicator.measure == Measure.GOAL_AREA:
            found.append(_goal_table(indicator, spans, goals))
        elif indicator.measure == Measure.REVIEW_ITEM:
            found.append(_review_table(indicator, ratings, items))
        else:
            found.append(_follow_up_table(indicator, counts))
    return [t.suppressed() for t in found] if pseudonymised else found


def table(period: Period, key: str, *, pseudonymised: bool) -> Table:
    """One indicator's table by its key (Http404 for an unknown one)."""
    found = next((t for t in tables(period, pseudonymised=pseudonymised) if t.key == key), None)
    if found is None:
        raise Http404
    return found
