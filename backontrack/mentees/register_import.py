"""The prison register's export, read into the register: persons and their custody events,
keyed by the register's ids (docs/guide/api.md has the columns).

Two passes over the file, each a row at a time so that memory stays flat however long the
file: the first checks every row and writes nothing; the second writes the good rows through
the register's services, as a coordinator's forms would (the custody events move status,
institution and phase). A re-run finds every person and event by its register id and
changes nothing."""

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from backontrack.accounts.models import Institution, User
from backontrack.audit.services import recorded_together
from backontrack.core import dates
from backontrack.programmes.models import Programme

from . import identity
from .models import (
    CATEGORY_OF_CUSTODY_STATUS,
    STATUS_AFTER,
    CustodyEvent,
    DataSubjectCategory,
    Gender,
    Mentee,
)
from .services import MenteeData, register_custody_event, register_person_add

COLUMNS = (
    "person_id",
    "event_id",
    "event",
    "occurred_on",
    "first_name",
    "last_name",
    "date_of_birth",
    "personal_id",
    "gender",
    "institution",
    "expected_release_date",
    "data_subject_category",
)
REQUIRED = COLUMNS[:9]
AUDIT_BATCH = 500


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("line %(line)s, column %(column)s: %(message)s") % {
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class Row:
    line: int
    person_id: str
    event_id: str
    kind: str
    occurred_on: date
    person: MenteeData
    institution: Institution | None


@dataclass
class Report:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    people_added: int = 0
    events_added: int = 0
    unchanged: int = 0

    @property
    def bad_lines(self) -> set[int]:
        return {problem.line for problem in self.problems}


class _Reader:
    """Turns the file's rows into `Row`s, saying what is wrong with each that is not one."""

    def __init__(self) -> None:
        self.institutions = {i.name: i for i in Institution.objects.filter(is_active=True)}
        self.seen_events: set[str] = set()
        self.seen_people: set[str] = set()

    def _known(self, person_id: str) -> bool:
        """Whether the person is in the register already (or earlier in the file)."""
        return (
            person_id in self.seen_people or Mentee.objects.filter(register_id=person_id).exists()
        )

    def rows(self, lines: Iterable[str], problems: list[Problem]) -> Iterator[Row | None]:
        reader = csv.DictReader(lines)
        missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
        if missing:
            problems.append(Problem(1, ", ".join(missing), _("This column is missing.")))
            return
        for values in reader:
            found: list[Problem] = []
            row = self._row(reader.line_num, values, found)
            problems.extend(found)
            yield None if found else row

    def _row(self, line: int, values: dict[str, str], found: list[Problem]) -> Row | None:
        def text(name: str) -> str:
            return (values.get(name) or "").strip()

        def say(column: str, message: str) -> None:
            found.append(Problem(line, column, message))

        def day(name: str, required: bool = True) -> date | None:
            value = text(name)
            if not value:
                if required:
                    say(name, _("This field is required."))
                return None
            try:
                parsed = parse_date(value)
            except ValueError:
                parsed = None
            if parsed is None:
                say(name, _("Enter a date as YYYY-MM-DD."))
            return parsed

        for name in ("person_id", "event_id", "first_name", "last_name"):
            if not text(name):
                say(name, _("This field is required."))
            elif len(text(name)) > (40 if name.endswith("_id") else 100):
                say(name, _("This value is too long."))
        if text("event_id") in self.seen_events:
            say("event_id", _("This event id is in the file twice."))
        self.seen_events.add(text("event_id"))
        kind = text("event")
        if kind not in CustodyEvent.Kind.values:
            say("event", _("Not a custody event; use one of: %s") % ", ".join(CustodyEvent.Kind))
        gender = text("gender")
        if gender not in Gender.values:
            say("gender", _("Use one of: %s") % ", ".join(Gender))
        digits = ""
        try:
            digits = identity.normalise(text("personal_id"))
        except ValidationError as error:
            say("personal_id", " ".join(error.messages))
        institution = None
        if text("institution"):
            institution = self.institutions.get(text("institution"))
            if institution is None:
                say("institution", _("No active institution has this name."))
        born = day("date_of_birth")
        occurred_on = day("occurred_on")
        release = day("expected_release_date", required=False)
        for name, value, allowed in (
            ("date_of_birth", born, dates.BIRTH),
            ("occurred_on", occurred_on, dates.LIFE_EVENT),
            ("expected_release_date", release, dates.RELEASE),
        ):
            if value is not None and (problem := allowed.problem(value)) is not None:
                say(name, str(problem))
        if digits and born is not None and not identity.matches_date_of_birth(digits, born):
            say("personal_id", _("The first six digits do not match the date of birth."))
        if born is not None and occurred_on is not None and occurred_on < born:
            say("occurred_on", _("The event cannot be before the date of birth."))
        status = STATUS_AFTER.get(CustodyEvent.Kind(kind)) if kind in CustodyEvent.Kind else None
        category = text("data_subject_category") or (
            CATEGORY_OF_CUSTODY_STATUS.get(status) if status else None
        )
        if category is not None and category not in DataSubjectCategory.values:
            say("data_subject_category", _("Use one of: %s") % ", ".join(DataSubjectCategory))
        new = not found and not self._known(text("person_id"))
        if new and kind == CustodyEvent.Kind.TRANSFER:
            say("event", _("A person new to the register cannot begin with a transfer."))
        elif new and category is None:
            say("data_subject_category", _("Needed for a person new to the register."))
        if found:
            return None
        assert born is not None and occurred_on is not None  # noqa: S101 - checked above
        self.seen_people.add(text("person_id"))
        return Row(
            line=line,
            person_id=text("person_id"),
            event_id=text("event_id"),
            kind=kind,
            occurred_on=occurred_on,
            institution=institution,
            person=MenteeData(
                first_name=text("first_name"),
                last_name=text("last_name"),
                date_of_birth=born,
                personal_id_digits=digits,
                gender=gender,
                languages=[],
                institution=institution,
                custody_status=status or "",
                expected_release_date=release,
                earliest_release_date=None,
                data_subject_category=str(category or ""),
                notes="",
            ),
        )


def check(lines: Iterable[str], *, progress: Callable[[], None] = lambda: None) -> Report:
    """The first pass: every row checked, nothing written."""
    report = Report()
    for _row in _Reader().rows(lines, report.problems):
        report.rows += 1
        progress()
    return report


def write(
    *,
    actor: User,
    programme: Programme,
    lines: Iterable[str],
    skip: set[int],
    report: Report,
    progress: Callable[[], None] = lambda: None,
) -> Report:
    """The second pass: each good row's person and event, in one transaction (all or
    nothing: a refusal on any row undoes the others)."""
    rows = _counted(_Reader().rows(lines, []), progress)
    with transaction.atomic():
        # The audit events of a batch of rows are appended together (one lock of the chain
        # head, one insert), and the batch is dropped from memory when they are.
        while batch := list(islice(rows, AUDIT_BATCH)):
            with recorded_together():
                for row in batch:
                    if row is not None and row.line not in skip:
                        _write_row(actor, programme, row, report)
    return report


def _counted(rows: Iterable[Row | None], progress: Callable[[], None]) -> Iterator[Row | None]:
    for row in rows:
        progress()
        yield row


def _write_row(actor: User, programme: Programme, row: Row, report: Report) -> None:
    mentee, person_added = register_person_add(
        actor=actor, register_id=row.person_id, data=row.person, programme=programme
    )
    _event, event_added = register_custody_event(
        actor=actor,
        person_register_id=mentee.register_id or row.person_id,
        event_register_id=row.event_id,
        kind=row.kind,
        occurred_on=row.occurred_on,
        institution=row.institution,
    )
    report.people_added += person_added
    report.events_added += event_added
    report.unchanged += not (person_added or event_added)


def import_file(
    *,
    actor: User,
    programme: Programme,
    open_file: Callable[[], IO[str]],
    skip_bad: bool = False,
    progress: Callable[[], None] = lambda: None,
) -> Report:
    """Check the whole file, then write it: nothing when a row is bad, unless `skip_bad`
    (then the good rows, and the report names the others)."""
    with open_file() as lines:
        report = check(lines, progress=progress)
    if report.problems and not skip_bad:
        return report
    if any(problem.line == 1 for problem in report.problems):
        return report
    with open_file() as lines:
        return write(
            actor=actor,
            programme=programme,
            lines=lines,
            skip=report.bad_lines,
            report=report,
            progress=progress,
        )
