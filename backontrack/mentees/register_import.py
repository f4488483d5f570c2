"""The prison register's export, read into the register: persons and their custody events,
keyed by the register's ids (docs/guide/api.md has the columns).

Two passes over the file, each a chunk of rows at a time so that memory stays flat however
long the file: the first checks every row and writes nothing to the register (what it must
remember of the rows before, it keeps in temporary tables of the session); the second
writes the good rows through the register's service, with the records and audit events a
coordinator's forms would write (the custody events move status, institution and phase), a
chunk in a few statements. A re-run finds every person and event by its register id in the
first pass, and writes nothing but its summary without reading the file again. Only the
people the caller may write to are looked up: a row naming anyone else is refused with a
message that does not say why, and the refusal is in the audit trail."""

import csv
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import prefetch_related_objects
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
)
from .services import (
    REGISTER_CONFLICT_MESSAGE,
    MenteeData,
    RegisterKnown,
    RegisterRow,
    RegisterWritten,
    register_import_summary_record,
    register_import_unchanged,
    register_known,
    register_refusal_record,
    register_rows_write,
)

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
# The rows read, looked up and written together: memory holds one chunk, whatever the file.
CHUNK = 1000
KINDS = frozenset(CustodyEvent.Kind.values)
GENDERS = frozenset(Gender.values)
CATEGORIES = frozenset(DataSubjectCategory.values)
_RANGES = {
    "date_of_birth": dates.BIRTH,
    "occurred_on": dates.LIFE_EVENT,
    "expected_release_date": dates.RELEASE,
}


def _key(event_id: str) -> str:
    """The event id as the first pass remembers it: an id too long to be good (and to be
    indexed) by its digest, which no id short enough to be good can equal."""
    if len(event_id) <= 40:
        return event_id
    return "#" + hashlib.sha256(event_id.encode()).hexdigest()


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


Row = RegisterRow


@dataclass
class Report:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    people_added: int = 0
    events_added: int = 0
    unchanged: int = 0
    # The digest of the file as the first pass read it: the second writes only that file,
    # and writes nothing when it read another (`file_changed`).
    digest: str = ""
    file_changed: bool = False
    # The good rows the first pass found written already (the person by the register's id,
    # the event theirs): when they are all the good rows, there is nothing to write.
    imported: int = 0

    @property
    def bad_lines(self) -> set[int]:
        return {problem.line for problem in self.problems}


@dataclass
class _Parsed:
    """A row whose every field is good on its own; what the register holds is asked next."""

    line: int
    person_id: str
    event_id: str
    kind: str
    occurred_on: date
    born: date
    index: str
    category: str | None
    # Built only for the second pass: the first asks nothing of the person's record.
    person: Callable[[], MenteeData]
    institution: Institution | None


class _Seen:
    """The rows of the file read so far, for the first pass: every event id (to find one
    twice) and the person of every good row with their date of birth on record and the
    record they were found to be (for their later rows). Kept in temporary tables of the
    database session, asked and added to a chunk at a time, not in memory: memory stays flat
    however long the file. The tables are the session's own and go with it (or with the
    transaction, should it roll back)."""

    EVENTS = "register_import_seen_events"
    PEOPLE = "register_import_seen_people"

    def __enter__(self) -> "_Seen":
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.EVENTS} (event_id TEXT PRIMARY KEY)"
            )
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.PEOPLE} "
                "(person_id TEXT PRIMARY KEY, born INTEGER NOT NULL, target BIGINT)"
            )
            # Left by an import that failed in a transaction the caller kept.
            cursor.execute(f"DELETE FROM {self.EVENTS}")  # noqa: S608 - our own names
            cursor.execute(f"DELETE FROM {self.PEOPLE}")  # noqa: S608
        return self

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        # After an error inside a transaction, its rollback (or the session's end) drops them.
        if error is None or connection.get_autocommit():
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE {self.EVENTS}")
                cursor.execute(f"DROP TABLE {self.PEOPLE}")

    def events(self, ids: set[str]) -> set[str]:
        """Those of `ids` in the rows before."""
        if not ids:
            return set()
        among, values = _among(list(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT event_id FROM {self.EVENTS} WHERE event_id {among}",  # noqa: S608
                values,
            )
            return {event_id for (event_id,) in cursor.fetchall()}

    def people(self, ids: set[str]) -> dict[str, tuple[date, int | None]]:
        """Those of `ids` in good rows before: the date of birth on record, and the record."""
        if not ids:
            return {}
        among, values = _among(list(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT person_id, born, target FROM {self.PEOPLE} "  # noqa: S608
                f"WHERE person_id {among}",
                values,
            )
            return {
                person_id: (date.fromordinal(born), target)
                for person_id, born, target in cursor.fetchall()
            }

    def add(self, events: list[str], people: dict[str, tuple[date, int | None]]) -> None:
        rows = [
            (person_id, born.toordinal(), target) for person_id, (born, target) in people.items()
        ]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # One array a column, as for `_among`.
                cursor.execute(
                    f"INSERT INTO {self.EVENTS} (event_id) SELECT unnest(%s::text[])",
                    [events],
                )
                cursor.execute(
                    f"INSERT INTO {self.PEOPLE} (person_id, born, target) "  # noqa: S608
                    "SELECT * FROM unnest(%s::text[], %s::integer[], %s::bigint[])",
                    [[row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows]],
                )
                return
            if events:
                cursor.executemany(
                    f"INSERT INTO {self.EVENTS} (event_id) VALUES (%s)",  # noqa: S608
                    [(event_id,) for event_id in events],
                )
            if rows:
                cursor.executemany(
                    f"INSERT INTO {self.PEOPLE} (person_id, born, target) "  # noqa: S608
                    "VALUES (%s, %s, %s)",
                    rows,
                )


def _among(values: list[str]) -> tuple[str, list[Any]]:
    """The right-hand side of a condition on many values, and its parameters: on PostgreSQL
    one array, bound for far less than a placeholder for each value."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [values]
    return f"IN ({', '.join(['%s'] * len(values))})", list(values)


class _Reader:
    """Turns the file's rows into `RegisterRow`s a chunk at a time, saying what is wrong with
    each that is not one. The people and events a chunk names are looked up together, among
    those the actor may write to: a row naming anyone else is refused without saying why
    (`refused` keeps each such line and the person concerned, for the audit trail).

    The first pass (`seen` given) remembers the rows before the chunk in `seen`. The second
    needs no memory of them: the rows before are written, so the register finds their people
    and events, and the lines in `skip` (bad in the first pass) are passed over."""

    def __init__(self, actor: User, *, seen: _Seen | None = None, skip: set[int]) -> None:
        self.actor = actor
        self.institutions = {i.name: i for i in Institution.objects.filter(is_active=True)}
        self.seen = seen
        self.skip = skip
        # The people of the chunk's good rows so far and of the rows before that it names:
        # the date of birth on record, and the record.
        self.people: dict[str, tuple[date, int | None]] = {}
        self.refused: list[tuple[int, int | None]] = []
        self.bounds: dict[str, tuple[date, date]] = {}
        self.imported = 0

    def chunks(
        self,
        lines: Iterable[str],
        problems: list[Problem],
        progress: Callable[[], None] = lambda: None,
    ) -> Iterator[tuple[int, list[RegisterRow]]]:
        """The file a chunk at a time: how many rows it held, and the good ones to write
        (none in the first pass, which only finds the bad)."""
        reader = csv.DictReader(lines)
        missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
        if missing:
            problems.append(Problem(1, ", ".join(missing), _("This column is missing.")))
            return
        numbered = ((reader.line_num, values) for values in reader)
        while chunk := list(islice(numbered, CHUNK)):
            texts = []
            for line, values in chunk:
                progress()
                if line not in self.skip:
                    texts.append(
                        (line, {name: (values.get(name) or "").strip() for name in COLUMNS})
                    )
            # The ranges of dates allowed, once a chunk rather than for every date of a row.
            self.bounds = {name: allowed.bounds() for name, allowed in _RANGES.items()}
            events = {_key(values["event_id"]) for _line, values in texts}
            before = self.seen.events(events) if self.seen is not None else set()
            earlier = set(before)
            parsed: list[tuple[_Parsed | None, list[Problem]]] = []
            for line, values in texts:
                found: list[Problem] = []
                twice = _key(values["event_id"]) in earlier
                earlier.add(_key(values["event_id"]))
                parsed.append((self._parse(line, values, found, twice=twice), found))
            rows = [p for p, _f in parsed if p is not None]
            known = register_known(
                self.actor,
                person_ids=(p.person_id for p in rows),
                indexes=(p.index for p in rows),
                event_ids=(p.event_id for p in rows),
            )
            self.people = (
                self.seen.people({p.person_id for p in rows}) if self.seen is not None else {}
            )
            remembered = set(self.people)
            good = []
            for row, found in parsed:
                written = self._resolve(row, known, found) if row is not None else None
                problems.extend(found)
                if written is not None:
                    good.append(written)
            if self.seen is not None:
                self.seen.add(
                    list(events - before),
                    {k: v for k, v in self.people.items() if k not in remembered},
                )
            yield len(chunk), good

    def _parse(
        self, line: int, values: dict[str, str], found: list[Problem], *, twice: bool
    ) -> _Parsed | None:
        def say(column: str, message: str) -> None:
            found.append(Problem(line, column, message))

        def day(name: str, required: bool = True) -> date | None:
            value = values[name]
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
            if not values[name]:
                say(name, _("This field is required."))
            elif len(values[name]) > (40 if name.endswith("_id") else 100):
                say(name, _("This value is too long."))
        if twice:
            say("event_id", _("This event id is in the file twice."))
        kind = values["event"]
        if kind not in KINDS:
            say("event", _("Not a custody event; use one of: %s") % ", ".join(CustodyEvent.Kind))
        gender = values["gender"]
        if gender not in GENDERS:
            say("gender", _("Use one of: %s") % ", ".join(Gender))
        digits = ""
        try:
            digits = identity.normalise(values["personal_id"])
        except ValidationError as error:
            say("personal_id", " ".join(error.messages))
        institution = None
        if values["institution"]:
            institution = self.institutions.get(values["institution"])
            if institution is None:
                say("institution", _("No active institution has this name."))
        born = day("date_of_birth")
        occurred_on = day("occurred_on")
        release = day("expected_release_date", required=False)
        for name, value in (
            ("date_of_birth", born),
            ("occurred_on", occurred_on),
            ("expected_release_date", release),
        ):
            if value is None:
                continue
            earliest, latest = self.bounds[name]
            if not earliest <= value <= latest and (problem := _RANGES[name].problem(value)):
                say(name, str(problem))
        if digits and born is not None and not identity.matches_date_of_birth(digits, born):
            say("personal_id", _("The first six digits do not match the date of birth."))
        if born is not None and release is not None and release < born:
            say("expected_release_date", _("The release cannot be before the date of birth."))
        status = STATUS_AFTER.get(CustodyEvent.Kind(kind)) if kind in KINDS else None
        category = values["data_subject_category"] or (
            CATEGORY_OF_CUSTODY_STATUS.get(status) if status else None
        )
        if category is not None and category not in CATEGORIES:
            say("data_subject_category", _("Use one of: %s") % ", ".join(DataSubjectCategory))
        if found:
            return None
        assert born is not None and occurred_on is not None  # noqa: S101 - checked above
        return _Parsed(
            line=line,
            person_id=values["person_id"],
            event_id=values["event_id"],
            kind=kind,
            occurred_on=occurred_on,
            born=born,
            index=identity.index_for(digits),
            category=category,
            institution=institution,
            person=lambda: MenteeData(
                first_name=values["first_name"],
                last_name=values["last_name"],
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

    def _resolve(
        self, row: _Parsed, known: RegisterKnown, found: list[Problem]
    ) -> RegisterRow | None:
        """The row against the register: the person by the register's id (or, new to it, by
        the personal identification number), the event by its id."""

        def refuse(column: str, concerned: int | None) -> None:
            found.append(Problem(row.line, column, str(REGISTER_CONFLICT_MESSAGE)))
            self.refused.append((row.line, concerned))

        holder = known.people.get(row.person_id)
        new = False
        target: int | None
        if holder is not None:
            if not holder.writable:
                refuse("person_id", holder.pk)
                return None
            born, target = holder.date_of_birth, holder.pk
        elif row.person_id in self.people:
            born, target = self.people[row.person_id]
        elif (other := known.numbers.get(row.index)) is not None:
            if other.register_id or not other.writable:
                refuse("personal_id", other.pk)
                return None
            born, target = other.date_of_birth, other.pk  # registered by hand: given the id
        else:
            new, born, target = True, row.born, None
        owner = known.events.get(row.event_id)
        if owner is not None and (target is None or owner != target):
            refuse("event_id", owner)
            return None
        if new and row.kind == CustodyEvent.Kind.TRANSFER:
            message = _("A person new to the register cannot begin with a transfer.")
            found.append(Problem(row.line, "event", message))
        elif new and row.category is None:
            found.append(
                Problem(
                    row.line,
                    "data_subject_category",
                    _("Needed for a person new to the register."),
                )
            )
        if row.occurred_on < born:
            found.append(
                Problem(row.line, "occurred_on", _("The event cannot be before the date of birth."))
            )
        if found:
            return None
        self.people[row.person_id] = (born, target)
        if self.seen is not None:  # the first pass: good, and that is all it asks
            self.imported += holder is not None and owner is not None
            return None
        return RegisterRow(
            line=row.line,
            person_id=row.person_id,
            event_id=row.event_id,
            kind=row.kind,
            occurred_on=row.occurred_on,
            person=row.person(),
            institution=row.institution,
            target=target,
            event_known=owner is not None,
        )


class _Digested:
    """The file's lines as they are read, and the digest of what was read."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = lines
        self._digest = hashlib.sha256()

    def __iter__(self) -> Iterator[str]:
        for line in self._lines:
            self._digest.update(line.encode())
            yield line

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def check(
    lines: Iterable[str], *, actor: User, progress: Callable[[], None] = lambda: None
) -> Report:
    """The first pass: every row checked, nothing written; a refusal (a row naming someone
    the actor may not write to) is filed in the audit trail."""
    report = Report()
    read = _Digested(lines)
    with _Seen() as seen:
        reader = _Reader(actor, seen=seen, skip=set())
        for count, _rows in reader.chunks(read, report.problems, progress):
            report.rows += count
    report.digest = read.hexdigest()
    report.imported = reader.imported
    _file_refusals(actor, reader.refused)
    return report


def _file_refusals(actor: User, refused: list[tuple[int, int | None]]) -> None:
    for line, concerned in refused:
        register_refusal_record(actor=actor, concerned=concerned, line=line)


class _Changed(Exception):
    """The register changed between the passes: a row good at first is not any more."""


def write(
    *,
    actor: User,
    programme: Programme,
    lines: Iterable[str],
    skip: set[int],
    report: Report,
    progress: Callable[[], None] = lambda: None,
) -> Report:
    """The second pass: the good rows, a chunk at a time, in one transaction (all or
    nothing: a refusal on any row undoes the others). The audit events of a chunk are
    appended together (one lock of the chain head, one insert), and the chunk is dropped
    from memory when they are."""
    reader = _Reader(actor, skip=skip)
    problems: list[Problem] = []
    written = RegisterWritten()
    read = 0
    digested = _Digested(lines)
    try:
        with transaction.atomic():
            for count, rows in reader.chunks(digested, problems, progress):
                read += count
                if problems:
                    raise _Changed
                with recorded_together():
                    register_rows_write(
                        actor=actor, programme=programme, rows=rows, written=written
                    )
            # A file changed since the first pass (a row added, one duplicated, one edited)
            # is not the file that was checked: what this pass wrote of it is undone.
            if digested.hexdigest() != report.digest:
                report.file_changed = True
                raise _Changed
            register_import_summary_record(
                actor=actor,
                rows=read,
                people_added=written.people_added,
                events_added=written.events_added,
            )
    except _Changed:
        report.problems.extend(problems)
        _file_refusals(actor, reader.refused)
        return report
    report.people_added = written.people_added
    report.events_added = written.events_added
    report.unchanged = written.unchanged
    return report


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
    # The actor's roles, asked by every audit event, are read once.
    prefetch_related_objects([actor], "role_grants")
    with open_file() as lines:
        report = check(lines, actor=actor, progress=progress)
    if report.problems and not skip_bad:
        return report
    if any(problem.line == 1 for problem in report.problems):
        return report
    if report.imported and report.imported == report.rows - len(report.bad_lines):
        # A re-run: the register holds every good row already, so the file is not read again.
        register_import_unchanged(actor=actor, programme=programme, rows=report.rows)
        report.unchanged = report.imported
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
