"""Reads of disclosures: each loads through the access policy and records, in the same call,
what it showed; a liaison's read of a snapshot is recorded with the recipient agency."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.core.cursors import After, page_of
from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Mentorship

from . import snapshot
from .models import Disclosure, DisclosureRead, Status

PER_PAGE = 25
# The inbox marks what runs out within this many days.
EXPIRING_DAYS = 7
HOME_ENTRIES = 5
RECORD_ENTRIES = 5
DISCLOSURE = Disclosure._meta.label_lower
LISTED_FIELDS = ["recipient", "sections", "status", "expires_on"]


def _listed(user: object, page: Page, fields: list[str], detail: str = "") -> None:
    if page.object_list:
        record(
            actor=user,
            action=Action.LIST,
            object_type=DISCLOSURE,
            object_ids=[d.pk for d in page.object_list],
            fields=fields,
            detail=detail,
        )


def programme_disclosures(user: object, status: str, page_number: str | None) -> Page:
    """The disclosures of the coordinator's programmes, newest first, in one status if asked
    ("expired" for approved ones past their date); the page's people recorded as listed."""
    found = access.disclosures_visible_to(user)
    today = timezone.localdate()
    if status == "expired":
        found = found.filter(status=Status.APPROVED, expires_on__lt=today)
    elif status == Status.APPROVED:
        found = found.filter(status=Status.APPROVED, expires_on__gte=today)
    elif status in Status.values:
        found = found.filter(status=status)
    found = found.select_related("mentee", "recipient", "proposed_by", "decided_by")
    page = Paginator(found, PER_PAGE).get_page(page_number)
    _listed(user, page, ["mentee", *LISTED_FIELDS, "proposed_by"])
    return page


def waiting_for_decision(user: User) -> int:
    """How many proposals wait for this coordinator's decision (a second coordinator's: not
    their own, from any account of theirs)."""
    found = access.disclosures_visible_to(user).filter(status=Status.PROPOSED)
    found = found.exclude(proposed_by=user)
    if user.person_key:
        found = found.exclude(proposed_by__person_key=user.person_key)
    return found.count()


def disclosure_shown(user: object, pk: int) -> tuple[Disclosure, list[snapshot.ShownSection]]:
    """A disclosure for its programme's coordinators: what was proposed and, once approved,
    the snapshot as released."""
    disclosure = access.disclosure_for(user, pk)
    fields = ["mentee", "recipient", "sections", "purpose", "legal_basis", "status"]
    if disclosure.snapshot:
        fields.append("snapshot")
    if disclosure.refusal_reason:
        fields.append("refusal_reason")
    if disclosure.revoke_reason:
        fields.append("revoke_reason")
    record(actor=user, action=Action.VIEW, obj=disclosure, fields=fields)
    return disclosure, snapshot.shown(disclosure.snapshot)


@dataclass
class Inbox:
    page: Page
    new: int
    read: int
    expiring: int


def inbox(user: object, page_number: str | After | None, per_page: int = PER_PAGE) -> Inbox:
    """The disclosures released to the liaison's agency, newest first, each marked read or
    not by them; the counts of new (not yet opened by them), read and expiring ones among
    those still readable."""
    today = timezone.localdate()
    reader = getattr(user, "pk", 0)
    received = access.disclosures_received_by(user)
    readable = received.filter(status=Status.APPROVED, expires_on__gte=today)
    found = (
        received.annotate(
            was_read=Exists(
                DisclosureRead.objects.filter(disclosure=OuterRef("pk"), reader_id=reader)
            )
        )
        .select_related("recipient")
        .order_by("-decided_at", "-id")
    )
    page = page_of(found, per_page, page_number)
    _listed(
        user,
        page,
        ["recipient", "sections", "status", "decided_at", "expires_on", "read"],
        detail="inbox of the agency",
    )
    return Inbox(
        page=page,
        new=readable.exclude(reads__reader_id=reader).count(),
        read=readable.filter(reads__reader_id=reader).count(),
        expiring=readable.filter(expires_on__lte=today + timedelta(days=EXPIRING_DAYS)).count(),
    )


def inbox_summary(user: object) -> Inbox:
    """The liaison's home page: the inbox's counts and its latest entries."""
    return inbox(user, None, per_page=HOME_ENTRIES)


@dataclass
class Received:
    disclosure: Disclosure
    readable: bool
    sections: list[snapshot.ShownSection]
    name: str


@transaction.atomic
def received_shown(user: object, pk: int) -> Received:
    """A disclosure to the liaison's agency: its snapshot while approved and not expired,
    each view recorded with the recipient; after revocation or expiry only that fact."""
    disclosure = access.disclosure_received_for(user, pk)
    if not access.can_read_disclosed_content(user, disclosure):
        return Received(disclosure=disclosure, readable=False, sections=[], name="")
    record(
        actor=user,
        action=Action.VIEW,
        obj=disclosure,
        fields=["snapshot", "purpose", "legal_basis"],
        recipient=disclosure.recipient.name,
    )
    DisclosureRead.objects.get_or_create(disclosure=disclosure, reader_id=getattr(user, "pk", 0))
    return Received(
        disclosure=disclosure,
        readable=True,
        sections=snapshot.shown(disclosure.snapshot),
        name=snapshot.names_in(disclosure.snapshot),
    )


def about_mentee(user: object, pk: int, page_number: str | None) -> tuple[Mentee, Page]:
    """Every disclosure made about the person (to whom, when, why, which sections, by whom),
    for their coordinators and the auditor; the person's read recorded."""
    mentee = access.mentee_for_disclosures(user, pk)
    found = access.disclosures_about(user, mentee)
    page = Paginator(found, PER_PAGE).get_page(page_number)
    record(actor=user, action=Action.VIEW, obj=mentee, fields=["name"])
    _listed(user, page, [*LISTED_FIELDS, "purpose", "legal_basis", "proposed_by", "decided_by"])
    return mentee, page


def noted_for_mentorship(user: object, mentorship: Mentorship) -> list[Disclosure]:
    """That disclosures were made about the mentee (when, to whom), where the user may know."""
    noted = list(access.disclosures_noted_for(user, mentorship)[:PER_PAGE])
    if noted:
        record(
            actor=user,
            action=Action.LIST,
            object_type=DISCLOSURE,
            object_ids=[d.pk for d in noted],
            fields=["recipient", "decided_at"],
            detail=f"on mentorships.mentorship #{mentorship.pk}",
        )
    return noted


def mentee_for_proposal(user: object, pk: int) -> Mentee:
    """The person a coordinator proposes a disclosure about (404 unless theirs); the form
    shows the name and the meetings one may choose."""
    mentee = access.mentee_for(user, pk)
    access.require(access.can_propose_disclosure(user, mentee))
    record(actor=user, action=Action.VIEW, obj=mentee, fields=["name"], detail="to disclose")
    return mentee


def on_record(user: object, mentee: Mentee) -> list[Disclosure]:
    """The latest disclosures about the person, for their record in the register."""
    # What the record's list shows of each (reference, state, recipient, proposed when and
    # by whom): not the decider's and revoker's rows, nor the content.
    latest = list(
        access.disclosures_about(user, mentee)
        .select_related(None)
        .select_related("recipient", "proposed_by")
        .only(
            "id",
            "mentee_id",
            "status",
            "expires_on",
            "proposed_at",
            "recipient__name",
            "proposed_by__first_name",
            "proposed_by__last_name",
            "proposed_by__username",
        )[:RECORD_ENTRIES]
    )
    if latest:
        record(
            actor=user,
            action=Action.LIST,
            object_type=DISCLOSURE,
            object_ids=[d.pk for d in latest],
            fields=LISTED_FIELDS,
            detail="on the person's record",
            people=[str(mentee.pk)],  # the disclosures about this person concern them alone
        )
    return latest
