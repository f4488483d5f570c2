"""The evaluators' data set: one row per case (a mentorship, or an eligible referral never
matched) and one per follow-up, with no name, ID number, free text or exact date.

- Each person is a keyed pseudonym: HMAC of the person's id under the pseudonym key and the
  export's purpose, so that two exports for one purpose can be joined and exports for two
  purposes cannot.
- Dates are months, the age a band, the institution its region.
- The quasi-identifiers (age band, gender, region, orientation, criteria) are made
  k-anonymous (K = 5): rows in a group smaller than K have one quasi-identifier after another
  suppressed ("*"), in SUPPRESSION_ORDER, until their group is large enough; what is still
  too small is left out. The report says how much was suppressed and left out."""

import csv
import hashlib
import hmac
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import xlsxwriter
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from backontrack.core import access
from backontrack.core.keys import pseudonym_key
from backontrack.mentees.models import Gender
from backontrack.mentorships.models import (
    ClosureType,
    Goal,
    GoalStatus,
    Meeting,
    MentorshipStatus,
    Phase,
)
from backontrack.referrals.models import Orientation, Referral

from .dashboard import Period
from .models import (
    Custody,
    FollowUp,
    Group,
    Housing,
    MilieuContact,
    Occupation,
    Point,
    Reconviction,
    Source,
)

K = 5
SUPPRESSED = "*"
QUASI_IDENTIFIERS = ("age_band", "gender", "region", "orientation", "criteria")
# Suppressed first: what is most specific and least needed to read the outcomes.
SUPPRESSION_ORDER = ("criteria", "orientation", "region", "age_band", "gender")
AGE_BANDS = ((18, "under 18"), (25, "18-24"), (35, "25-34"), (45, "35-44"), (200, "45 and over"))
CRITERIA = ("charged_with_terrorism", "convicted_of_terrorism", "hate_crime", "vulnerable")

CASE_COLUMNS = [
    "person",
    "group",
    "referred_month",
    *QUASI_IDENTIFIERS,
    "started_month",
    "status",
    "phase",
    "closed_month",
    "closure_type",
    "meetings_held",
    "goals",
    "goals_achieved",
]
FOLLOW_UP_COLUMNS = [
    "person",
    "group",
    "months",
    "due_month",
    "as_of_month",
    "reconviction",
    "custody",
    "housing",
    "occupation",
    "milieu_contact",
    "source",
]
DICTIONARY: dict[str, tuple[Any, Any]] = {
    "person": (_("The person's pseudonym: the same in every export for this purpose."), None),
    "group": (_("Mentored, or the comparison group (eligible, never matched)."), Group),
    "referred_month": (_("Month of the referral."), None),
    "age_band": (_("Age at the referral, in bands."), None),
    "gender": (_("Gender."), Gender),
    "region": (_("Region of the person's institution at the export."), None),
    "orientation": (_("Extremism orientation."), Orientation),
    "criteria": (_("Target-group criteria met, joined by +."), None),
    "started_month": (_("Month of the initial meeting."), None),
    "status": (_("The mentorship's status at the export."), MentorshipStatus),
    "phase": (_("The mentorship's phase at the export."), Phase),
    "closed_month": (_("Month of the closure."), None),
    "closure_type": (_("How the mentorship ended."), ClosureType),
    "meetings_held": (_("Meetings held."), None),
    "goals": (_("Goals set."), None),
    "goals_achieved": (_("Goals achieved."), None),
    "months": (_("The follow-up: months after the closure or the eligibility decision."), Point),
    "due_month": (_("Month the follow-up fell due."), None),
    "as_of_month": (_("Month the follow-up describes."), None),
    "reconviction": (_("Reconviction since the case ended."), Reconviction),
    "custody": (_("Custody status."), Custody),
    "housing": (_("Housing."), Housing),
    "occupation": (_("Work or education."), Occupation),
    "milieu_contact": (_("Contact with the extremist milieu."), MilieuContact),
    "source": (_("Where the follow-up's information comes from."), Source),
}


@dataclass
class DataSet:
    cases: list[dict[str, Any]]
    follow_ups: list[dict[str, Any]]
    suppressed: Counter[str] = field(default_factory=Counter)  # cells, per quasi-identifier
    left_out: int = 0  # cases whose group stayed under K even with everything suppressed
    people: list[int] = field(default_factory=list)  # whose rows were exported (for the trail)


def normalised_purpose(purpose: str) -> str:
    return " ".join(purpose.lower().split())


def pseudonym(mentee_id: int, purpose: str) -> str:
    message = f"{normalised_purpose(purpose)}\n{mentee_id}".encode()
    return hmac.new(pseudonym_key(), message, hashlib.sha256).hexdigest()[:16]


def _month(day: date | None) -> str:
    return day.strftime("%Y-%m") if day else ""


def age_band(born: date, on: date) -> str:
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return next(label for limit, label in AGE_BANDS if age < limit)


def make_k_anonymous(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Counter[str], int]:
    """Suppress quasi-identifiers of rows in groups under K, one after another; leave out the
    rows still in a group under K. Returns the rows kept, the cells suppressed and how many
    rows were left out."""
    suppressed: Counter[str] = Counter()
    for name in SUPPRESSION_ORDER:
        sizes = Counter(tuple(r[q] for q in QUASI_IDENTIFIERS) for r in rows)
        for row in rows:
            if sizes[tuple(row[q] for q in QUASI_IDENTIFIERS)] < K and row[name] != SUPPRESSED:
                row[name] = SUPPRESSED
                suppressed[name] += 1
    sizes = Counter(tuple(r[q] for q in QUASI_IDENTIFIERS) for r in rows)
    kept = [r for r in rows if sizes[tuple(r[q] for q in QUASI_IDENTIFIERS)] >= K]
    return kept, suppressed, len(rows) - len(kept)


def build(period: Period, purpose: str) -> DataSet:
    """The data set of the cases referred to the programme in the period: a fixed number of
    queries, whatever their number."""
    referrals = (
        Referral.objects.filter(
            programme=period.programme, referred_on__range=(period.start, period.end)
        )
        .filter(Q(mentorship__isnull=False) | Q(pk__in=access.comparison_referrals()))
        .select_related("mentee", "mentee__institution", "mentorship")
        .order_by("pk")
    )
    found = list(referrals)
    mentorship_ids = [r.mentorship.pk for r in found if hasattr(r, "mentorship")]
    held = dict(
        Meeting.objects.filter(mentorship_id__in=mentorship_ids, outcome=Meeting.Outcome.HELD)
        .values_list("mentorship_id")
        .annotate(n=Count("id"))
        .values_list("mentorship_id", "n")
    )
    goals: dict[int, tuple[int, int]] = {
        m: (n, achieved)
        for m, n, achieved in Goal.objects.filter(mentorship_id__in=mentorship_ids)
        .values_list("mentorship_id")
        .annotate(n=Count("id"), achieved=Count("id", filter=Q(status=GoalStatus.ACHIEVED)))
        .values_list("mentorship_id", "n", "achieved")
    }
    rows = []
    person_of: dict[int, str] = {}
    for referral in found:
        mentee = referral.mentee
        mentorship = getattr(referral, "mentorship", None)
        person_of[mentee.pk] = pseudonym(mentee.pk, purpose)
        institution = mentee.institution
        row: dict[str, Any] = {
            "person": person_of[mentee.pk],
            "group": Group.MENTORED if mentorship else Group.COMPARISON,
            "referred_month": _month(referral.referred_on),
            "age_band": age_band(mentee.date_of_birth, referral.referred_on),
            "gender": mentee.gender,
            "region": institution.region if institution else "",
            "orientation": referral.orientation,
            "criteria": "+".join(c for c in CRITERIA if getattr(referral, c)),
            "started_month": "",
            "status": "",
            "phase": "",
            "closed_month": "",
            "closure_type": "",
            "meetings_held": 0,
            "goals": 0,
            "goals_achieved": 0,
            "_mentee": mentee.pk,
        }
        if mentorship is not None:
            set_goals, achieved = goals.get(mentorship.pk, (0, 0))
            row.update(
                started_month=_month(mentorship.initial_meeting_on),
                status=mentorship.status,
                phase=mentorship.phase,
                closed_month=_month(mentorship.closed_on),
                closure_type=mentorship.closure_type,
                meetings_held=held.get(mentorship.pk, 0),
                goals=set_goals,
                goals_achieved=achieved,
            )
        rows.append(row)
    kept, suppressed, left_out = make_k_anonymous(rows)
    people = sorted({r.pop("_mentee") for r in kept})
    follow_ups = [
        {
            "person": person_of[f.mentee_id],
            "group": f.group,
            "months": f.months,
            "due_month": _month(f.due_on),
            "as_of_month": _month(f.recorded_on),
            "reconviction": f.reconviction,
            "custody": f.custody,
            "housing": f.housing,
            "occupation": f.occupation,
            "milieu_contact": f.milieu_contact,
            "source": f.source,
        }
        for f in FollowUp.objects.filter(programme=period.programme, mentee_id__in=people).order_by(
            "mentee_id", "months", "group"
        )
    ]
    return DataSet(
        cases=kept, follow_ups=follow_ups, suppressed=suppressed, left_out=left_out, people=people
    )


def as_csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def report(data: DataSet) -> list[dict[str, Any]]:
    """What the k-anonymity check did, as rows of a measure and a count."""
    return [
        {"measure": "k", "count": K},
        {"measure": "cases exported", "count": len(data.cases)},
        {"measure": "follow-ups exported", "count": len(data.follow_ups)},
        {"measure": "cases left out (group under k)", "count": data.left_out},
        *(
            {"measure": f"cells suppressed: {name}", "count": data.suppressed[name]}
            for name in SUPPRESSION_ORDER
        ),
    ]


def as_xlsx(data: DataSet, period: Period) -> bytes:
    """The cases, the follow-ups, the data dictionary and what was suppressed, as sheets."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    for name, rows, columns in (
        ("cases", data.cases, CASE_COLUMNS),
        ("follow-ups", data.follow_ups, FOLLOW_UP_COLUMNS),
    ):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, columns, bold)
        for number, row in enumerate(rows, start=1):
            sheet.write_row(number, 0, [row[c] for c in columns])
    sheet = book.add_worksheet("data dictionary")
    sheet.write_row(0, 0, ["column", "meaning", "values"], bold)
    for number, (column, (meaning, choices)) in enumerate(DICTIONARY.items(), start=1):
        values = "; ".join(f"{v} = {label}" for v, label in choices.choices) if choices else ""
        if column == "age_band":
            values = "; ".join(label for _limit, label in AGE_BANDS)
        sheet.write_row(number, 0, [column, str(meaning), values])
    sheet = book.add_worksheet("suppression")
    sheet.write_row(0, 0, ["", "count"], bold)
    lines = [
        ("programme", str(period.programme)),
        ("period", f"{_month(period.start)} to {_month(period.end)}"),
        *((row["measure"], row["count"]) for row in report(data)),
    ]
    for number, (label, value) in enumerate(lines, start=1):
        sheet.write_row(number, 0, [label, value])
    book.close()
    return out.getvalue()


def quasi_identifier_groups(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], int]:
    """How many rows share each combination of quasi-identifiers (for the tests and the
    page's report)."""
    sizes: dict[tuple[Any, ...], int] = defaultdict(int)
    for row in rows:
        sizes[tuple(row[q] for q in QUASI_IDENTIFIERS)] += 1
    return dict(sizes)
