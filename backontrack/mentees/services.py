"""Every write to the mentee register; each records its audit event in its transaction."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from backontrack.accounts.models import Institution, User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, dates
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused
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
            raise Refused(_("This event id belongs to another person's event."))
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


@transaction.atomic
def register_person_add(
    *, actor: User, register_id: str, data: MenteeData, programme: Programme
) -> tuple[Mentee, bool]:
    """A person of the prison register, in the programme's register: created when new,
    given the register's id when registered by hand before (found by the personal
    identification number), and left as recorded when known (False)."""
    if not access.can_write_register(actor, programme):
        raise Refused(_("You can import only into a programme you coordinate."))
    known = Mentee.objects.filter(register_id=register_id).first()
    if known is not None:
        return known, False
    existing = _existing_with_id(data.personal_id_digits)
    if existing is not None:
        writable = access.register_mentees_writable_by(actor).filter(pk=existing.pk).exists()
        if existing.register_id or not writable:
            raise DuplicatePerson(existing)
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
