"""Reads of the mentee's family and network: each loads through the access policy and
records, in the same call, what it showed about the members and about the mentee."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.utils import timezone

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.mentorships.models import Mentorship
from backontrack.mentorships.selectors import mentorship_shown, record_mentees

from .models import Closeness, NetworkMember
from .services import network_consent

INVOLVEMENTS_PER_PAGE = 20
MEMBER = NetworkMember._meta.label_lower
MEMBER_FIELDS = ["name", "relation", "influence", "closeness", "contact_details", "consent"]


@dataclass
class Network:
    mentorship: Mentorship
    members: list[NetworkMember]  # closest first
    involvements: Page
    network_consent: bool  # the mentee's consent to contacting the network, today


def network_page(user: object, pk: int, page_number: str | None) -> Network:
    """The network of the mentorship the user may see (404 otherwise): its members, each
    marked with whether they may be contacted today, and a page of their involvement."""
    mentorship = mentorship_shown(user, pk, ["name"], f"network of mentorship #{pk}")
    members = sorted(
        access.network_of(user, mentorship),
        key=lambda m: (list(Closeness.values).index(m.closeness), m.pk),
    )
    consent = network_consent(mentorship.mentee, timezone.localdate())
    for member in members:
        # Shown per person: may they be contacted today (both consents and the mentee's
        # consent to contacting the network)?
        member.may_contact = consent and member.consent_state == "given"  # type: ignore[attr-defined]
    involvements = Paginator(access.involvements_of(user, mentorship), INVOLVEMENTS_PER_PAGE)
    page = involvements.get_page(page_number)
    record(
        actor=user,
        action=Action.LIST,
        object_type=MEMBER,
        object_ids=[m.pk for m in members],
        fields=MEMBER_FIELDS,
        detail=f"network of mentorships.mentorship #{mentorship.pk}",
    )
    if page.object_list:
        record(
            actor=user,
            action=Action.LIST,
            object_type="network.involvement",
            object_ids=[i.pk for i in page.object_list],
            fields=["member", "kind", "occurred_on", "note"],
            detail=f"of mentorships.mentorship #{mentorship.pk}",
        )
    return Network(
        mentorship=mentorship, members=members, involvements=page, network_consent=consent
    )


def member_shown(
    user: object, mentorship: Mentorship, member: NetworkMember, fields: list[str]
) -> NetworkMember:
    """A form page about a member (loaded by the view for its write) shows these fields of
    the member and the mentee's name."""
    record(actor=user, action=Action.VIEW, obj=member, fields=fields)
    record_mentees(user, [mentorship], ["name"])
    return member


def involvement_form_shown(
    user: object, mentorship: Mentorship, members: Iterable[NetworkMember]
) -> None:
    """The involvement form shows the mentee's name and the members one may choose."""
    record_mentees(user, [mentorship], ["name"])
    record(
        actor=user,
        action=Action.LIST,
        object_type=MEMBER,
        object_ids=[m.pk for m in members],
        fields=["name", "relation"],
        detail=f"to record involvement in mentorships.mentorship #{mentorship.pk}",
    )
