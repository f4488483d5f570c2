"""Every write to the mentee register; each records its audit event in its transaction."""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.lookups import Lookup
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backontrack.accounts.models import Institution, User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, dates
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused
from backontrack.mentorships.models import ONGOING, Mentorship
from backontrack.mentorships.services import follow_custody_event, reentry_release_follow
from backontrack.programmes.models import Programme

from .identity import formatted, index_for
from .models import STATUS_AFTER, Consent, CustodyEvent, Mentee

EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "personal_id",
    "gender",
    "languages",
    "mentor_gender_preference",
    "institution",
    "custody_status",
    "expected_release_date",
    "earliest_release_date",
    "data_subject_category",
    "notes",
)


class DuplicatePerson(Exception):
    """A mentee with this personal identification number exists already."""

    def __init__(self, existing: Mentee) -> None:
        super().__init__("duplicate personal identification number")
        self.existing = existing


@dataclass
class MenteeData:
    first_name: str
    last_name: str
    date_of_birth: date
    personal_id_digits: str
    gender: str
    languages: list[str]
    institution: Institution | None
    custody_status: str
    expected_release_date: date | None
    earliest_release_date: date | None
    data_subject_category: str
    notes: str
    mentor_gender_preference: str = ""

    def values(self) -> dict[str, object]:
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "date_of_birth": self.date_of_birth,
            "personal_id": formatted(self.personal_id_digits),
            "gender": self.gender,
            "languages": sorted(self.languages),
            "institution": self.institution,
            "custody_status": self.custody_status,
            "expected_release_date": self.expected_release_date,
            "earliest_release_date": self.earliest_release_date,
            "data_subject_category": self.data_subject_category,
            "notes": self.notes,
            "mentor_gender_preference": self.mentor_gender_preference,
        }


def _existing_with_id(digits: str, *, other_than: int | None = None) -> Mentee | None:
    found = Mentee.objects.filter(personal_id_index=index_for(digits))
    if other_than is not None:
        found = found.exclude(pk=other_than)
    return found.first()


def _check_dates(data: MenteeData) -> None:
    dates.BIRTH.require(data.date_of_birth)
    for release in (data.expected_release_date, data.earliest_release_date):
        dates.RELEASE.require(release)
        if problem := dates.not_before_birth(release, data.date_of_birth):
            raise dates.DateOutOfRange(problem)


def _keeps_record(actor: User, mentee: Mentee) -> None:
    """The pages check this too: a service called from anywhere else refuses a coordinator
    of another programme just the same."""
    if not access.mentees_visible_to(actor).filter(pk=mentee.pk).exists():
        raise Refused(_("You do not keep this person's record."))


def mentee_create(*, actor: User, data: MenteeData, programme: Programme | None = None) -> Mentee:
    """A coordinator registers a person in a programme they coordinate (the installation's
    default when none is named)."""
    programme = programme or Programme.objects.default()
    if not access.coordinates(actor, programme):
        raise Refused(_("You can register people only in a programme you coordinate."))
    return mentee_create_referred(actor=actor, data=data, programme=programme)


@transaction.atomic
def mentee_create_referred(
    *, actor: User, data: MenteeData, programme: Programme | None = None
) -> Mentee:
    """The register's half of a referral of someone not yet registered: only
    `referrals.services.referral_create` calls this (the referrer coordinates nothing), in
    the same transaction as the referral. Call that one."""
    _check_dates(data)
    if existing := _existing_with_id(data.personal_id_digits):
        raise DuplicatePerson(existing)
    mentee = Mentee(
        **data.values(),
        programme=programme or Programme.objects.default(),
        personal_id_index=index_for(data.personal_id_digits),
        created_by=actor,
    )
    mentee.save()
    record(
        actor=actor,
        action=Action.CREATE,
        obj=mentee,
        fields=[name for name, value in data.values().items() if value not in (None, "", [])],
    )
    return mentee


@transaction.atomic
def mentee_update(*, actor: User, mentee: Mentee, version: int, data: MenteeData) -> Mentee:
    _keeps_record(actor, mentee)
    _check_dates(data)
    if existing := _existing_with_id(data.personal_id_digits, other_than=mentee.pk):
        raise DuplicatePerson(existing)
    claim_version(mentee, version)
    changed = []
    for name, value in data.values().items():
        if getattr(mentee, name) != value:
            changed.append(name)
            setattr(mentee, name, value)
    mentee.personal_id_index = index_for(data.personal_id_digits)
    mentee.save()
    record(actor=actor, action=Action.CHANGE, obj=mentee, fields=changed)
    if "expected_release_date" in changed:
        reentry_release_follow(mentee, mentee.expected_release_date)
    return mentee


@transaction.atomic
def custody_event_record(
    *,
    actor: User,
    mentee: Mentee,
    kind: str,
    occurred_on: date,
    institution: Institution | None,
    note: str,
) -> CustodyEvent:
    """Record a custody event; it moves the custody status (and, for an admission or a
    transfer, the institution) of the mentee, whose version moves on so that an open edit
    form cannot overwrite it."""
    _keeps_record(actor, mentee)
    return _custody_event_add(
        actor=actor,
        mentee=mentee,
        kind=kind,
        occurred_on=occurred_on,
        institution=institution,
        note=note,
    )


def _custody_event_add(
    *,
    actor: User,
    mentee: Mentee,
    kind: str,
    occurred_on: date,
    institution: Institution | None,
    note: str,
    register_id: str | None = None,
) -> CustodyEvent:
    """The event as a coordinator's form or the register sent it, with what it moves."""
    dates.LIFE_EVENT.require(occurred_on)
    if problem := dates.not_before_birth(occurred_on, mentee.date_of_birth):
        raise dates.DateOutOfRange(problem)
    event = CustodyEvent.objects.create(
        mentee=mentee,
        kind=kind,
        occurred_on=occurred_on,
        institution=institution,
        note=note,
        register_id=register_id,
        recorded_by=actor,
    )
    updates: dict[str, object] = {}
    if (status := STATUS_AFTER[CustodyEvent.Kind(kind)]) is not None:
        updates["custody_status"] = status
    if institution is not None:
        updates["institution"] = institution
    Mentee.objects.filter(pk=mentee.pk).update(**updates, version=F("version") + 1)
    record(
        actor=actor,
        action=Action.CREATE,
        obj=event,
        fields=[
            "kind",
            "occurred_on",
            *(["institution"] if institution else []),
            *(["note"] if note else []),
            *(["register_id"] if register_id else []),
        ],
    )
    if updates:
        record(actor=actor, action=Action.CHANGE, obj=mentee, fields=sorted(updates))
    follow_custody_event(actor=actor, event=event)
    return event


class NotInRegister(Exception):
    """No person with this register id whose events the actor may record."""


class RegisterConflict(Exception):
    """A row of the register names a person or an event the actor may not write to: another
    programme's, or a person registered under another register id. The answer does not say
    which (nor whether the record is in another programme): `register_refusal_record`
    files the refusal in the audit trail under the person concerned."""

    def __init__(self, column: str, concerned: int | None) -> None:
        super().__init__(column)
        self.column = column
        self.concerned = concerned


REGISTER_CONFLICT_MESSAGE = gettext_lazy(
    "This row cannot be written to this programme's register: ask its coordinator."
)


def register_refusal_record(*, actor: User, concerned: int | None, line: int | None = None) -> None:
    """A write of the register refused because it named a person or an event the actor may
    not write to (a probe of another programme looks like this). Recorded in its own
    transaction, never in the one the refusal rolled back."""
    record(
        actor=actor,
        action=Action.REFUSE,
        object_type=Mentee._meta.label_lower,
        object_id=str(concerned or ""),
        detail=f"register import, line {line}" if line is not None else "register event",
    )


def register_import_summary_record(
    *, actor: User, rows: int, people_added: int, events_added: int
) -> None:
    """The import's own event: how many rows it read and what it added (a re-run adds
    nothing, and this event is all it writes)."""
    record(
        actor=actor,
        action=Action.CREATE,
        object_type=Mentee._meta.label_lower,
        detail=f"register import: {rows} rows, {people_added} people and {events_added} events",
    )


@transaction.atomic
def register_import_unchanged(*, actor: User, programme: Programme, rows: int) -> None:
    """An import whose every good row the register holds already (a re-run): it writes its
    summary and nothing else, and is refused as a write of the programme's register is."""
    if not access.can_write_register(actor, programme):
        raise Refused(_("You can import only into a programme you coordinate."))
    register_import_summary_record(actor=actor, rows=rows, people_added=0, events_added=0)


@dataclass(frozen=True)
class RegisterHolder:
    """What a write of the register needs to know of a person it finds by an id."""

    pk: int
    register_id: str | None
    date_of_birth: date
    writable: bool


@dataclass
class RegisterKnown:
    """The people and events a chunk of the register's rows names, found by their ids."""

    people: dict[str, RegisterHolder]
    numbers: dict[str, RegisterHolder]
    events: dict[str, int]


class _AnyOf(Lookup):
    """`column = ANY(array)`: on PostgreSQL a list of a thousand values bound as one array
    (whose client-side binding costs far less than a placeholder a value) that the planner
    still looks up in the column's index. `IN (SELECT unnest(array))` costs as little to bind
    but is planned as a hashed subplan: or-ed with another, or joined to the access policy's
    conditions, it scanned the whole register once a chunk."""

    prepare_rhs = False

    def __init__(self, lhs: Any, rhs: list[Any], kind: str) -> None:
        self.kind = kind
        super().__init__(lhs, rhs)

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::{self.kind}[])", (*params, self.rhs)


def _among(name: str, values: Collection[Any], kind: str) -> Q:
    """The rows whose `name` is one of `values` (of the SQL type `kind` on PostgreSQL). An
    empty list stays one: Django asks nothing for it."""
    if connection.vendor != "postgresql" or not values:
        return Q(**{f"{name}__in": values})
    return Q(_AnyOf(F(name), list(values), kind))


def register_known(
    actor: User, *, person_ids: Iterable[str], indexes: Iterable[str], event_ids: Iterable[str]
) -> RegisterKnown:
    """The people with these register ids or personal-id indexes (whether the actor may
    write to each), and the mentee of each known event id: three queries for a chunk."""
    person_ids, indexes = set(person_ids), set(indexes)
    found = list(
        Mentee.objects.filter(
            _among("register_id", person_ids, "text") | _among("personal_id_index", indexes, "text")
        )
        .order_by()
        .values_list("pk", "register_id", "personal_id_index", "date_of_birth")
    )
    writable = set(
        access.register_mentees_writable_by(actor)
        .filter(_among("pk", [row[0] for row in found], "bigint"))
        .order_by()
        .values_list("pk", flat=True)
    )
    known = RegisterKnown(people={}, numbers={}, events={})
    for pk, register_id, index, born in found:
        holder = RegisterHolder(pk, register_id, born, pk in writable)
        if register_id in person_ids:
            known.people[register_id] = holder
        if index in indexes:
            known.numbers[index] = holder
    for event_id, mentee_id in (
        CustodyEvent.objects.filter(_among("register_id", set(event_ids), "text"))
        .order_by()
        .values_list("register_id", "mentee_id")
    ):
        known.events[event_id or ""] = mentee_id
    return known


@transaction.atomic
def register_custody_event(
    *,
    actor: User,
    person_register_id: str,
    event_register_id: str,
    kind: str,
    occurred_on: date,
    institution: Institution | None,
) -> tuple[CustodyEvent, bool]:
    """The prison register pushes a custody event of a person it knows by its id: recorded
    as a coordinator's would be (status, institution, the phase of the mentorship), once:
    sent again, the event already recorded is returned, with False."""
    mentee = (
        access.register_mentees_writable_by(actor).filter(register_id=person_register_id).first()
    )
    if mentee is None:
        raise NotInRegister(person_register_id)
    existing = CustodyEvent.objects.filter(register_id=event_register_id).first()
    if existing is not None:
        if existing.mentee_id != mentee.pk:
            raise RegisterConflict("event_id", existing.mentee_id)
        return existing, False
    event = _custody_event_add(
        actor=actor,
        mentee=mentee,
        kind=kind,
        occurred_on=occurred_on,
        institution=institution,
        note="",
        register_id=event_register_id,
    )
    return event, True


def register_person_of(register_id: str) -> int | None:
    """The person a refused push named, for the refusal's audit event only (never shown)."""
    return Mentee.objects.filter(register_id=register_id).values_list("pk", flat=True).first()


@transaction.atomic
def register_person_add(
    *, actor: User, register_id: str, data: MenteeData, programme: Programme
) -> tuple[Mentee, bool]:
    """A person of the prison register, in the programme's register: created when new,
    given the register's id when registered by hand before (found by the personal
    identification number), and left as recorded when known (False). A person the actor
    may not write to, by either id, is a `RegisterConflict`."""
    if not access.can_write_register(actor, programme):
        raise Refused(_("You can import only into a programme you coordinate."))
    known = Mentee.objects.filter(register_id=register_id).first()
    if known is not None:
        if not access.register_mentees_writable_by(actor).filter(pk=known.pk).exists():
            raise RegisterConflict("person_id", known.pk)
        return known, False
    existing = _existing_with_id(data.personal_id_digits)
    if existing is not None:
        writable = access.register_mentees_writable_by(actor).filter(pk=existing.pk).exists()
        if existing.register_id or not writable:
            raise RegisterConflict("personal_id", existing.pk)
        Mentee.objects.filter(pk=existing.pk).update(
            register_id=register_id, version=F("version") + 1
        )
        existing.register_id = register_id
        record(actor=actor, action=Action.CHANGE, obj=existing, fields=["register_id"])
        return existing, True
    mentee = mentee_create_referred(actor=actor, data=data, programme=programme)
    Mentee.objects.filter(pk=mentee.pk).update(register_id=register_id)
    mentee.register_id = register_id
    return mentee, True


@dataclass
class RegisterRow:
    """One good row of the register's file: a custody event of a person known by the
    register's id, and the person (`target`: the id of the record it was found to be, by
    either id, or None for a person new to the register)."""

    line: int
    person_id: str
    event_id: str
    kind: str
    occurred_on: date
    person: MenteeData
    institution: Institution | None
    target: int | None = None
    event_known: bool = False


@dataclass
class RegisterWritten:
    people_added: int = 0
    events_added: int = 0
    unchanged: int = 0


@dataclass
class _Person:
    mentee: Mentee
    new: bool
    changed: bool = False


def _pk(record: Institution | None) -> int | None:
    return record.pk if record is not None else None


def register_rows_write(
    *, actor: User, programme: Programme, rows: Sequence[RegisterRow], written: RegisterWritten
) -> None:
    """A chunk of the register's good rows, written as `register_person_add` and
    `register_custody_event` would write them one by one, with the same records (and audit
    events naming the same records and fields), but in a few statements: the new people in
    one insert, their events in another, the people known already updated together. A
    person with an ongoing mentorship goes through `register_custody_event` row by row, so
    that each event moves its phase exactly as a hand-entered one does. Call inside a
    transaction (and `recorded_together`)."""
    if not access.can_write_register(actor, programme):
        raise Refused(_("You can import only into a programme you coordinate."))
    targets = {row.target for row in rows if row.target is not None}
    locked = {
        mentee.pk: mentee
        for mentee in Mentee.objects.select_for_update()
        .filter(pk__in=targets)
        .order_by()
        .only("id", "register_id", "custody_status", "institution_id", "version", "date_of_birth")
    }
    mentored = set(
        Mentorship.objects.filter(mentee_id__in=targets, status__in=ONGOING)
        .order_by()
        .values_list("mentee_id", flat=True)
    )
    people: dict[str, _Person] = {}
    one_by_one: list[RegisterRow] = []
    events: list[tuple[CustodyEvent, Mentee]] = []
    # What the audit trail records, in the order the rows were written: (action, record,
    # fields); a new person's id is known only once they are inserted.
    entries: list[tuple[Action, Mentee | CustodyEvent, list[str]]] = []
    for row in rows:
        if row.target in mentored:
            one_by_one.append(row)
            continue
        person = people.get(row.person_id)
        added = False
        if person is None:
            if row.target is not None:
                mentee = locked[row.target]
                person = _Person(mentee, new=False)
                if mentee.register_id != row.person_id:  # registered by hand: given the id
                    mentee.register_id = row.person_id
                    mentee.version += 1
                    person.changed = added = True
                    entries.append((Action.CHANGE, mentee, ["register_id"]))
            else:
                values = row.person.values()
                fields = [name for name, value in values.items() if value not in (None, "", [])]
                # Ids rather than records: setting a relation costs more than the rest of
                # the record, thousands of times a chunk.
                del values["institution"]
                mentee = Mentee(
                    **values,
                    institution_id=_pk(row.person.institution),
                    programme_id=programme.pk,
                    personal_id_index=index_for(row.person.personal_id_digits),
                    created_by_id=actor.pk,
                    register_id=row.person_id,
                )
                person = _Person(mentee, new=True)
                added = True
                entries.append((Action.CREATE, mentee, fields))
            people[row.person_id] = person
        written.people_added += added
        if row.event_known:
            written.unchanged += not added
            continue
        mentee = person.mentee
        event = CustodyEvent(
            mentee_id=mentee.pk,  # a new person's once they are inserted
            kind=row.kind,
            occurred_on=row.occurred_on,
            institution_id=_pk(row.institution),
            note="",
            register_id=row.event_id,
            recorded_by_id=actor.pk,
        )
        events.append((event, mentee))
        fields = ["kind", "occurred_on", "register_id"]
        if row.institution is not None:
            fields.append("institution")
        entries.append((Action.CREATE, event, fields))
        updates = []
        if (status := STATUS_AFTER[CustodyEvent.Kind(row.kind)]) is not None:
            mentee.custody_status = status
            updates.append("custody_status")
        if row.institution is not None:
            mentee.institution_id = row.institution.pk
            updates.append("institution")
        mentee.version += 1
        person.changed = True
        if updates:
            entries.append((Action.CHANGE, mentee, sorted(updates)))
        written.events_added += 1
    Mentee.objects.bulk_create([p.mentee for p in people.values() if p.new])
    for event, mentee in events:
        event.mentee_id = mentee.pk
    CustodyEvent.objects.bulk_create([event for event, _mentee in events])
    Mentee.objects.bulk_update(
        [p.mentee for p in people.values() if p.changed and not p.new],
        ["register_id", "custody_status", "institution", "version"],
    )
    # One event for the records of the chunk written alike (each named, with the people
    # concerned), as `seed` and the lists record theirs: thousands of rows, a few events.
    alike: dict[tuple[Action, str, tuple[str, ...]], list[Mentee | CustodyEvent]] = {}
    for action, obj, fields in entries:
        alike.setdefault((action, obj._meta.label_lower, tuple(sorted(fields))), []).append(obj)
    for (action, object_type, named), objs in alike.items():
        record(
            actor=actor,
            action=action,
            object_type=object_type,
            object_ids=[obj.pk for obj in objs],
            fields=named,
            people=[str(obj.mentee_id) for obj in objs if isinstance(obj, CustodyEvent)],
            detail="register import",
        )
    for row in one_by_one:
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
        written.people_added += person_added
        written.events_added += event_added
        written.unchanged += not (person_added or event_added)


def has_participation_consent(mentee: Mentee) -> bool:
    return Consent.objects.filter(
        mentee=mentee, participation=True, withdrawn_on__isnull=True
    ).exists()


@transaction.atomic
def consent_record(
    *,
    actor: User,
    mentee: Mentee,
    given_on: date,
    how: str,
    participation: bool,
    contact_network: bool,
    share_with_agencies: bool,
    agencies: str,
) -> Consent:
    _keeps_record(actor, mentee)
    dates.PROGRAMME_EVENT.require(given_on)
    consent = Consent.objects.create(
        mentee=mentee,
        given_on=given_on,
        how=how,
        participation=participation,
        contact_network=contact_network,
        share_with_agencies=share_with_agencies,
        agencies=agencies if share_with_agencies else "",
        recorded_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=consent,
        fields=[
            "given_on",
            "how",
            "participation",
            "contact_network",
            "share_with_agencies",
            *(["agencies"] if share_with_agencies else []),
        ],
        detail=f"for mentees.mentee #{mentee.pk}",
    )
    return consent


@transaction.atomic
def register_consent_withdrawal(
    *, actor: User, consent: Consent, withdrawn_on: date, note: str
) -> Consent:
    """The register's half of a withdrawal: only `referrals.services.consent_withdraw`
    calls this, in the same transaction as stopping what rested on the consent (the
    register does not know what that is). Call that one."""
    dates.PROGRAMME_EVENT.require(withdrawn_on)
    # Locked as recording contact with the network locks it: the two never cross.
    Mentee.objects.select_for_update().filter(pk=consent.mentee_id).first()
    if Consent.objects.filter(pk=consent.pk, withdrawn_on__isnull=False).exists():
        raise Refused(_("This consent is withdrawn already."))
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_note = note
    consent.save(update_fields=["withdrawn_on", "withdrawal_note"])
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=consent,
        fields=["withdrawn_on", *(["withdrawal_note"] if note else [])],
        detail=f"for mentees.mentee #{consent.mentee_id}",
    )
    return consent
