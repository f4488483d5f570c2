"""The frozen snapshot: exactly the chosen sections, as they were on approval.

Stored as codes and values (JSON, encrypted with the disclosure): each section a list of
entries, each entry a list of fields `{"f": code, "v": value, "t": type}`. Labels and
choices are worded only when shown, in the reader's language; the values never change
after approval, whatever happens to the case. A new kind of section is one more builder in
BUILDERS and, if it names a record, one more kind in models.REFERENCED."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backontrack.concerns.models import Category, Concern, ConcernStatus, Severity
from backontrack.mentees.models import CustodyEvent, CustodyStatus, Gender, Mentee
from backontrack.mentorships.models import (
    Meeting,
    Mentorship,
    NeedDomain,
    NeedOwner,
    NeedStatus,
    ReentryPlan,
)
from backontrack.referrals.models import HateCrimeMotive, Orientation, Referral

from .models import SectionKind

Field = dict[str, Any]
Entry = list[Field]

FIELD_LABELS: dict[str, Promise] = {
    "name": _("Name"),
    "date_of_birth": _("Date of birth"),
    "personal_id": _("Personal identification number"),
    "gender": _("Gender"),
    "custody_status": _("Custody status"),
    "institution": _("Institution"),
    "expected_release_date": _("Expected release date"),
    "earliest_release_date": _("Earliest release date"),
    "custody_event": _("Custody event"),
    "occurred_on": _("Date"),
    "referred_on": _("Date of referral"),
    "charged_with_terrorism": _("Charged with terrorism"),
    "convicted_of_terrorism": _("Convicted of terrorism"),
    "hate_crime": _("Hate-crime-aggravated offence"),
    "hate_crime_motive": _("Hate-crime motive"),
    "vulnerable": _("Vulnerable to radicalisation"),
    "vulnerability_rationale": _("Why vulnerable"),
    "orientation": _("Extremism orientation"),
    "meeting_kind": _("Kind of meeting"),
    "meeting_outcome": _("Did it take place?"),
    "duration_minutes": _("Minutes"),
    "topics": _("Topics"),
    "engagement": _("Mentee engagement"),
    "facts": _("What happened (fact)"),
    "assessment": _("The mentor's assessment (assessment, not fact)"),
    "release_date": _("Release date"),
    "need_domain": _("Need"),
    "need_status": _("Status"),
    "need_owner": _("Who arranges it"),
    "observed_on": _("Observed"),
    "concern_category": _("Category"),
    "concern_severity": _("Severity"),
    "concern_status": _("Status"),
    "observed": _("What was observed (fact)"),
    "concern_assessment": _("The assessment of whoever raised it (assessment, not fact)"),
    "triage_assessment": _("The coordinator's assessment (assessment, not fact)"),
}

CHOICES: dict[str, type[TextChoices]] = {
    "gender": Gender,
    "custody_status": CustodyStatus,
    "custody_event": CustodyEvent.Kind,
    "hate_crime_motive": HateCrimeMotive,
    "orientation": Orientation,
    "meeting_kind": Meeting.Kind,
    "meeting_outcome": Meeting.Outcome,
    "topics": Meeting.Topic,
    "engagement": Meeting.Engagement,
    "need_domain": NeedDomain,
    "need_status": NeedStatus,
    "need_owner": NeedOwner,
    "concern_category": Category,
    "concern_severity": Severity,
    "concern_status": ConcernStatus,
}


def _text(code: str, value: object) -> Field:
    return {"f": code, "v": "" if value is None else str(value), "t": "text"}


def _date(code: str, value: date | None) -> Field:
    return {"f": code, "v": value.isoformat() if value else "", "t": "date"}


def _yes_no(code: str, value: bool) -> Field:
    return {"f": code, "v": bool(value), "t": "bool"}


def _choice(code: str, value: object) -> Field:
    return {"f": code, "v": value or "", "t": "choice"}


def _choices(code: str, values: list[str]) -> Field:
    return {"f": code, "v": list(values), "t": "choices"}


def _identity(mentee: Mentee, ref: int | None) -> list[Entry]:
    return [
        [
            _text("name", f"{mentee.first_name} {mentee.last_name}"),
            _date("date_of_birth", mentee.date_of_birth),
            _text("personal_id", mentee.personal_id),
            _choice("gender", mentee.gender),
        ]
    ]


def _custody(mentee: Mentee, ref: int | None) -> list[Entry]:
    entries = [
        [
            _choice("custody_status", mentee.custody_status),
            _text("institution", mentee.institution.name if mentee.institution else ""),
            _date("expected_release_date", mentee.expected_release_date),
            _date("earliest_release_date", mentee.earliest_release_date),
        ]
    ]
    events = CustodyEvent.objects.filter(mentee=mentee).select_related("institution")
    for event in events.order_by("occurred_on", "id"):
        entries.append(
            [
                _date("occurred_on", event.occurred_on),
                _choice("custody_event", event.kind),
                _text("institution", event.institution.name if event.institution else ""),
            ]
        )
    return entries


def _referral_criteria(mentee: Mentee, ref: int | None) -> list[Entry]:
    referral = Referral.objects.filter(mentee=mentee).order_by("-referred_on", "-id").first()
    if referral is None:
        return []
    entry = [
        _date("referred_on", referral.referred_on),
        _yes_no("charged_with_terrorism", referral.charged_with_terrorism),
        _yes_no("convicted_of_terrorism", referral.convicted_of_terrorism),
        _yes_no("hate_crime", referral.hate_crime),
    ]
    if referral.hate_crime:
        entry.append(_choice("hate_crime_motive", referral.hate_crime_motive))
    entry.append(_yes_no("vulnerable", referral.vulnerable))
    if referral.vulnerable:
        entry.append(_text("vulnerability_rationale", referral.vulnerability_rationale))
    entry.append(_choice("orientation", referral.orientation))
    return [entry]


def _meeting_summary(mentee: Mentee, ref: int | None) -> list[Entry]:
    meeting = Meeting.objects.filter(pk=ref or 0, mentorship__mentee=mentee).first()
    if meeting is None:
        return []
    return [
        [
            _date("occurred_on", meeting.occurred_on),
            _choice("meeting_kind", meeting.kind),
            _choice("meeting_outcome", meeting.outcome),
            _text("duration_minutes", meeting.duration_minutes or ""),
            _choices("topics", meeting.topics),
            _choice("engagement", meeting.engagement),
            _text("facts", meeting.facts),
            _text("assessment", meeting.assessment),
        ]
    ]


def _reentry(mentee: Mentee, ref: int | None) -> list[Entry]:
    mentorship = (
        Mentorship.objects.filter(mentee=mentee).exclude(status="closed").order_by("-id").first()
    )
    plan = (
        ReentryPlan.objects.filter(mentorship=mentorship).first()
        if mentorship is not None
        else None
    )
    if plan is None:
        return []
    entries = [[_date("release_date", plan.release_date)]]
    for need in plan.needs.order_by("id"):
        due = need.due_on(plan.release_date)
        entries.append(
            [
                _choice("need_domain", need.domain),
                _choice("need_status", need.status),
                _choice("need_owner", need.owner),
                _date("occurred_on", due),
            ]
        )
    return entries


def _concern(mentee: Mentee, ref: int | None) -> list[Entry]:
    concern = Concern.objects.filter(pk=ref or 0, mentorship__mentee=mentee).first()
    if concern is None:
        return []
    return [
        [
            _date("observed_on", timezone.localdate(concern.observed_at)),
            _choice("concern_category", concern.category),
            _choice("concern_severity", concern.severity),
            _choice("concern_status", concern.status),
            _text("observed", concern.facts),
            _text("concern_assessment", concern.assessment),
            _text("triage_assessment", concern.triage_assessment),
        ]
    ]


BUILDERS: dict[str, Callable[[Mentee, int | None], list[Entry]]] = {
    SectionKind.IDENTITY: _identity,
    SectionKind.CUSTODY: _custody,
    SectionKind.REFERRAL_CRITERIA: _referral_criteria,
    SectionKind.MEETING_SUMMARY: _meeting_summary,
    SectionKind.REENTRY: _reentry,
    SectionKind.CONCERN: _concern,
}


def build(mentee: Mentee, sections: list[dict[str, Any]]) -> str:
    """The snapshot of these sections of the person's case, now, as stored (JSON)."""
    built = [
        {
            "kind": section["kind"],
            "ref": section.get("ref"),
            "entries": BUILDERS[section["kind"]](mentee, section.get("ref")),
        }
        for section in sections
    ]
    return json.dumps(built, ensure_ascii=False)


@dataclass
class ShownSection:
    title: str
    entries: list[list[tuple[str, str]]]


def _worded(field: Field) -> str:
    value = field["v"]
    kind = field["t"]
    if kind == "bool":
        return str(_("Yes") if value else _("No"))
    if kind == "date":
        return date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT") if value else "—"
    if kind == "choice":
        choices = CHOICES[field["f"]]
        return str(choices(value).label) if value in choices.values else (value or "—")
    if kind == "choices":
        choices = CHOICES[field["f"]]
        return ", ".join(str(choices(v).label) for v in value if v in choices.values) or "—"
    return str(value) or "—"


def shown(stored: str) -> list[ShownSection]:
    """The snapshot worded in the reader's language (the active one)."""
    sections = []
    for section in json.loads(stored or "[]"):
        title = str(SectionKind(section["kind"]).label)
        entries = [
            [(str(FIELD_LABELS[field["f"]]), _worded(field)) for field in entry]
            for entry in section["entries"]
        ]
        sections.append(ShownSection(title=title, entries=entries))
    return sections


def names_in(stored: str) -> str:
    """The person's name as the identity section disclosed it, or "" when not disclosed."""
    for section in json.loads(stored or "[]"):
        if section["kind"] == SectionKind.IDENTITY:
            for entry in section["entries"]:
                for field in entry:
                    if field["f"] == "name":
                        return str(field["v"])
    return ""
