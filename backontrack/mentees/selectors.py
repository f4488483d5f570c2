"""Reads of the mentee register: each loads through the access policy and records what it
showed, about whom, in the same call."""

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page
from django.db.models import Q

from backontrack.audit.models import Action
from backontrack.audit.services import record, recorded_together
from backontrack.core import access
from backontrack.core.cursors import After, page_of
from backontrack.disclosures import selectors as disclosures
from backontrack.mentorships.models import Mentorship
from backontrack.referrals.models import Referral

from . import identity
from .models import Consent, CustodyEvent, Mentee
from .services import EDITABLE_FIELDS

MENTEE = Mentee._meta.label_lower
PAGE_SIZE = 25
# What the register's list shows of each person.
REGISTER_LISTED = ("name", "institution", "custody_status")


def register_page(user: object, criteria: dict[str, Any], page_number: str | After | None) -> Page:
    """One page of the register, filtered by the search form's criteria (empty: the whole
    register); a filtered page is a search by the fields used."""
    mentees = access.mentees_visible_to(user).select_related("institution")
    used: list[str] = []
    if programme := criteria.get("programme"):
        mentees = mentees.filter(access.in_programmes([programme.pk]))
    if query := criteria.get("q", "").strip():
        for word in query.split():
            mentees = mentees.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        used.append("name")
    if institution := criteria.get("institution"):
        mentees = mentees.filter(institution=institution)
        used.append("institution")
    if status := criteria.get("status"):
        mentees = mentees.filter(custody_status=status)
        used.append("custody_status")
    page = page_of(mentees.order_by("last_name", "first_name", "id"), PAGE_SIZE, page_number)
    record(
        actor=user,
        action=Action.SEARCH if used else Action.LIST,
        object_type=MENTEE,
        object_ids=[mentee.pk for mentee in page.object_list],
        fields=[*used, *(f for f in REGISTER_LISTED if f not in used)],
    )
    return page


def mentee_with_personal_id(user: object, personal_id: str) -> Mentee | None:
    """The mentee the user may see who has this personal ID number; the search is recorded
    whether or not it finds someone."""
    index = identity.index_for(personal_id)
    found = access.mentees_visible_to(user).filter(personal_id_index=index).first()
    record(
        actor=user,
        action=Action.SEARCH,
        object_type=MENTEE,
        object_ids=[found.pk] if found else [],
        fields=["personal_id"],
    )
    return found


def duplicate_shown(user: object, existing: Mentee) -> Mentee:
    """Saying who holds the number typed is a search by personal ID number."""
    record(
        actor=user,
        action=Action.SEARCH,
        object_type=MENTEE,
        object_ids=[existing.pk],
        fields=["personal_id"],
        detail="duplicate check",
    )
    return existing


@dataclass
class MenteeRecord:
    mentee: Mentee
    custody_events: list[CustodyEvent]
    consents: list[Consent]
    referrals: list[Referral]
    mentorships: list[Mentorship]
    disclosures: list[Any] = field(default_factory=list)


def mentee_record(user: object, pk: int) -> MenteeRecord:
    """The whole record of a mentee (404 when the user may not see it): the person, their
    custody history and consents, and their referrals and mentorships as their lists show
    them."""
    mentee = access.mentee_for(user, pk)
    shown = MenteeRecord(
        mentee=mentee,
        custody_events=list(access.custody_events_of(user, mentee)),
        consents=list(access.consents_of(user, mentee)),
        referrals=list(access.referrals_of_mentee(user, mentee)),
        mentorships=list(access.mentorships_of_mentee(user, mentee)),
    )
    # Every list below is of this person's records: they concern this person alone, so
    # `record` need not look the person up again from the records' ids.
    person = [str(mentee.pk)]
    with recorded_together():
        record(
            actor=user,
            action=Action.VIEW,
            obj=mentee,
            fields=[*EDITABLE_FIELDS, "register_id", "custody_events", "consents"],
        )
        if shown.referrals:
            record(
                actor=user,
                action=Action.LIST,
                object_type=Referral._meta.label_lower,
                object_ids=[referral.pk for referral in shown.referrals],
                fields=["referred_on", "status"],
                detail=f"of mentees.mentee #{mentee.pk}",
                people=person,
            )
        if shown.mentorships:
            record(
                actor=user,
                action=Action.LIST,
                object_type=Mentorship._meta.label_lower,
                object_ids=[mentorship.pk for mentorship in shown.mentorships],
                fields=["mentor", "coach", "status", "phase"],
                detail=f"of mentees.mentee #{mentee.pk}",
                people=person,
            )
        # The latest disclosures about the person, in the same insert as the rest.
        shown.disclosures = disclosures.on_record(user, mentee)
    return shown


def mentee_shown(user: object, mentee: Mentee, fields: list[str]) -> Mentee:
    """A form page about the mentee (loaded by the view for its write) shows these fields."""
    record(actor=user, action=Action.VIEW, obj=mentee, fields=fields)
    return mentee


def consent_shown(user: object, consent: Consent) -> Consent:
    record(actor=user, action=Action.VIEW, obj=consent, fields=["scope"])
    return consent
