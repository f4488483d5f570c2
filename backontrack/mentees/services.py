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
    dates.LIFE_EVENT.require(occurred_on)
    if problem := dates.not_before_birth(occurred_on, mentee.date_of_birth):
        raise dates.DateOutOfRange(problem)
    event = CustodyEvent.objects.create(
        mentee=mentee,
        kind=kind,
        occurred_on=occurred_on,
        institution=institution,
        note=note,
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
        ],
    )
    if updates:
        record(actor=actor, action=Action.CHANGE, obj=mentee, fields=sorted(updates))
    follow_custody_event(actor=actor, event=event)
    return event


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
