"""Demo disclosures in every state, to the ministry and to the security service.

Camilla Holm (`coordinator`) proposes and Jakob Mortensen (`coordinator2`) decides, as the
four-eyes rule wants; one proposal waits for him. Each goes through the real services; the
loader then dates the rows to the story (one approval ran out last week). Every text is
synthetic."""

from datetime import date, timedelta

from django.utils import timezone

from backontrack.accounts.models import Organisation, User
from backontrack.accounts.step_up import SteppedUp
from backontrack.disclosures import selectors, services
from backontrack.disclosures.models import Disclosure, SectionKind
from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Meeting, Mentorship
from backontrack.programmes.models import Programme

from .guard import demo_only

SECURITY_PURPOSE = (
    "Til PET's vurdering af truslen mod en medindsat: mentor har indberettet udtalelser om "
    "vold mod en navngiven gruppe."
)
MINISTRY_PURPOSE = (
    "Til arbejdsgruppens drøftelse af indsatsen ved løsladelse: status på bolig og "
    "uddannelse for en deltager i ordningen."
)


def _proposal(
    recipient: Organisation,
    kinds: "list[str]",
    purpose: str,
    basis: str,
    today: date,
    meetings: list[Meeting] | None = None,
    urgency: str = "routine",
) -> services.Proposal:
    return services.Proposal(
        recipient=recipient,
        kinds=kinds,
        meetings=meetings or [],
        purpose=purpose,
        legal_basis=basis,
        urgency=urgency,
        expires_on=today + timedelta(days=30),
    )


def _approve(approver: User, disclosure: Disclosure) -> Disclosure:
    # The demo stands in for the approver's password and code (decision 0027).
    proof = SteppedUp(user_id=approver.pk, at=timezone.now())
    return services.disclosure_approve(
        actor=approver, disclosure=disclosure, version=disclosure.version, proof=proof
    )


def _date(disclosure: Disclosure, days_ago: int, *, expires_in: int | None = None) -> None:
    when = timezone.now() - timedelta(days=days_ago)
    changes: dict[str, object] = {"proposed_at": when}
    if disclosure.decided_at is not None:
        changes["decided_at"] = when + timedelta(hours=3)
    if disclosure.revoked_at is not None:
        changes["revoked_at"] = when + timedelta(days=2)
    if expires_in is not None:
        changes["expires_on"] = timezone.localdate() + timedelta(days=expires_in)
    Disclosure.objects.filter(pk=disclosure.pk).update(**changes)


def load(*, today: date) -> None:
    demo_only()
    proposer = User.objects.get(username="coordinator")
    approver = User.objects.get(username="coordinator2")
    liaison = User.objects.get(username="liaison-security")
    security = Organisation.objects.get(kind=Organisation.Kind.SECURITY_SERVICE)
    ministry = Organisation.objects.get(kind=Organisation.Kind.MINISTRY)
    mentorships = list(
        Mentorship.objects.filter(programme=Programme.objects.default(), status="active")
        .select_related("mentee")
        .order_by("id")[:4]
    )
    first, second, third, fourth = (m.mentee for m in mentorships)
    meeting = Meeting.objects.filter(mentorship=mentorships[0], outcome="held").first()

    def propose(mentee: Mentee, proposal: services.Proposal) -> Disclosure:
        return services.disclosure_propose(actor=proposer, mentee=mentee, proposal=proposal)

    identity_and_meeting: list[str] = [SectionKind.IDENTITY, SectionKind.CUSTODY]
    # Approved and read by the security service's liaison.
    read = _approve(
        approver,
        propose(
            first,
            _proposal(
                security,
                identity_and_meeting,
                SECURITY_PURPOSE,
                "pet_act_3",
                today,
                meetings=[meeting] if meeting else [],
                urgency="urgent",
            ),
        ),
    )
    selectors.received_shown(liaison, read.pk)
    _date(read, 6)
    # Approved, not yet opened by the ministry.
    unread = _approve(
        approver,
        propose(
            second,
            _proposal(
                ministry,
                [SectionKind.REENTRY],
                MINISTRY_PURPOSE,
                "public_administration_28",
                today,
            ),
        ),
    )
    _date(unread, 2, expires_in=5)
    # Waiting for the second coordinator.
    waiting = propose(
        third,
        _proposal(
            security,
            [SectionKind.IDENTITY, SectionKind.REFERRAL_CRITERIA],
            "Til PET: oplysning om deltagelse i ordningen forud for en sikkerhedsvurdering.",
            "pet_act_3",
            today,
        ),
    )
    _date(waiting, 1)
    # Refused: the second coordinator found the purpose too broad.
    refused = propose(
        fourth,
        _proposal(
            security,
            [SectionKind.IDENTITY, SectionKind.CUSTODY, SectionKind.REENTRY],
            "Til orientering.",
            "law_enforcement_act_10",
            today,
        ),
    )
    refused = services.disclosure_refuse(
        actor=approver,
        disclosure=refused,
        version=refused.version,
        reason="Formålet er for bredt; oplys, hvad PET skal bruge oplysningerne til.",
    )
    _date(refused, 20)
    # Revoked by the programme after the ministry's meeting was cancelled.
    revoked = _approve(
        approver,
        propose(
            third,
            _proposal(
                ministry,
                [SectionKind.CUSTODY],
                "Til arbejdsgruppens møde, der siden blev aflyst.",
                "public_administration_28",
                today,
            ),
        ),
    )
    revoked = services.disclosure_revoke(
        actor=proposer,
        disclosure=revoked,
        version=revoked.version,
        reason="Arbejdsgruppens møde blev aflyst; formålet er bortfaldet.",
    )
    _date(revoked, 14)
    # Approved two months ago; it ran out last week.
    expired = _approve(
        approver,
        propose(
            second,
            _proposal(
                security,
                [SectionKind.IDENTITY],
                "Til PET's opfølgning på en tidligere indberetning.",
                "pet_act_3",
                today,
            ),
        ),
    )
    _date(expired, 60, expires_in=-7)
