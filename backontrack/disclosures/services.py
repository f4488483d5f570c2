"""Every write to a disclosure, each in one transaction with its audit event."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.accounts.models import Organisation, User
from backontrack.accounts.step_up import SteppedUp
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.concerns.models import Concern
from backontrack.core import access
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused
from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Meeting, Mentorship
from backontrack.programmes.models import Programme
from backontrack.referrals.models import Referral

from . import snapshot
from .legal_bases import legal_bases
from .models import REFERENCED, Disclosure, SectionKind, Status, Urgency

# The programme's own service is no recipient: it holds the case already.
NOT_RECIPIENTS = (Organisation.Kind.PRISON_PROBATION,)


def recipients() -> Any:
    """The agencies a disclosure may go to."""
    return Organisation.objects.filter(is_active=True).exclude(kind__in=NOT_RECIPIENTS)


# A meeting's summary is disclosed while it is recent: older ones say little of today.
MEETING_DAYS = 180


def meetings_to_disclose(actor: User, mentee: Mentee) -> Any:
    """The held meetings of the last half year of the person's mentorships the coordinator
    sees, newest first."""
    return Meeting.objects.filter(
        mentorship__in=access.mentorships_visible_to(actor),
        mentorship__mentee=mentee,
        outcome=Meeting.Outcome.HELD,
        occurred_on__gte=timezone.localdate() - timedelta(days=MEETING_DAYS),
    ).order_by("-occurred_on", "-id")


def concerns_to_disclose(actor: User, mentee: Mentee) -> Any:
    """The concerns on the person's mentorships that the coordinator sees, newest first."""
    return (
        access.concerns_visible_to(actor)
        .filter(mentorship__mentee=mentee)
        .order_by("-raised_at", "-id")
    )


def _programme_of(actor: User, mentee: Mentee) -> Programme:
    """The programme in which the coordinator acts for the person: the one they are
    registered in, else one they are referred to or mentored in."""
    candidates = [
        mentee.programme_id,
        *Mentorship.objects.filter(mentee=mentee)
        .order_by("-id")
        .values_list("programme_id", flat=True),
        *Referral.objects.filter(mentee=mentee)
        .order_by("-id")
        .values_list("programme_id", flat=True),
    ]
    for programme_id in candidates:
        if programme_id is not None and access.coordinates(actor, programme_id):
            return Programme.objects.get(pk=programme_id)
    raise Refused(_("Only a coordinator of the person's programme proposes a disclosure."))


@dataclass
class Proposal:
    recipient: Organisation
    kinds: list[str]
    meetings: list[Meeting]
    purpose: str
    legal_basis: str
    urgency: str
    expires_on: date
    concerns: list[Concern] = field(default_factory=list)

    def sections(self) -> list[dict[str, Any]]:
        chosen: list[dict[str, Any]] = [
            {"kind": kind}
            for kind in SectionKind.values
            if kind in self.kinds and kind not in REFERENCED
        ]
        chosen += [
            {
                "kind": SectionKind.MEETING_SUMMARY,
                "ref": meeting.pk,
                "on": meeting.occurred_on.isoformat(),
            }
            for meeting in sorted(self.meetings, key=lambda m: (m.occurred_on, m.pk))
        ]
        chosen += [
            {
                "kind": SectionKind.CONCERN,
                "ref": concern.pk,
                "on": timezone.localdate(concern.observed_at).isoformat(),
            }
            for concern in sorted(self.concerns, key=lambda c: (c.observed_at, c.pk))
        ]
        return chosen


def _check(actor: User, mentee: Mentee, proposal: Proposal) -> None:
    if not access.can_propose_disclosure(actor, mentee):
        raise Refused(_("Only a coordinator of the person's programme proposes a disclosure."))
    if not recipients().filter(pk=proposal.recipient.pk).exists():
        raise Refused(_("Choose the agency from the list."))
    if any(kind not in SectionKind.values for kind in proposal.kinds):
        raise Refused(_("Choose from the options given."))
    if not proposal.sections():
        raise Refused(_("Choose at least one section to disclose."))
    wanted = {m.pk for m in proposal.meetings}
    if wanted - set(meetings_to_disclose(actor, mentee).values_list("pk", flat=True)):
        raise Refused(_("Choose from the options given."))
    wanted = {c.pk for c in proposal.concerns}
    if wanted - set(concerns_to_disclose(actor, mentee).values_list("pk", flat=True)):
        raise Refused(_("Choose from the options given."))
    if proposal.legal_basis not in legal_bases():
        raise Refused(_("Choose the legal basis from the list."))
    if proposal.urgency not in Urgency.values:
        raise Refused(_("Choose from the options given."))
    if not proposal.purpose.strip():
        raise Refused(_("Say what the disclosure is for."))
    today = timezone.localdate()
    latest = today + timedelta(days=settings.BACKONTRACK_DISCLOSURE_MAX_DAYS)
    if not today < proposal.expires_on <= latest:
        raise Refused(
            _("The expiry date must be after today and no later than %(date)s.")
            % {"date": latest.isoformat()}
        )


@transaction.atomic
def disclosure_propose(*, actor: User, mentee: Mentee, proposal: Proposal) -> Disclosure:
    """A coordinator proposes; nothing is released until a second coordinator approves."""
    _check(actor, mentee, proposal)
    disclosure = Disclosure.objects.create(
        programme=_programme_of(actor, mentee),
        mentee=mentee,
        recipient=proposal.recipient,
        sections=proposal.sections(),
        purpose=proposal.purpose.strip(),
        legal_basis=proposal.legal_basis,
        urgency=proposal.urgency,
        expires_on=proposal.expires_on,
        proposed_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=disclosure,
        fields=["recipient", "sections", "purpose", "legal_basis", "urgency", "expires_on"],
        recipient=proposal.recipient.name,
    )
    return disclosure


@transaction.atomic
def disclosure_approve(
    *, actor: User, disclosure: Disclosure, version: int, proof: SteppedUp | None
) -> Disclosure:
    """A second coordinator approves, having given password and code again: the snapshot of
    exactly the chosen sections is taken now and is all the recipient will ever see."""
    if not access.can_decide_disclosure(actor, disclosure):
        raise Refused(_("A second coordinator of the programme decides; never the proposer."))
    if proof is None or not proof.holds_for(actor):
        raise Refused(_("Give your password and a new one-time code to approve."))
    if disclosure.is_expired() or disclosure.expires_on == timezone.localdate():
        raise Refused(_("The proposal's expiry date has come: propose it again."))
    claim_version(disclosure, version)
    mentee = Mentee.objects.select_related("institution").get(pk=disclosure.mentee_id)
    disclosure.snapshot = snapshot.build(mentee, disclosure.sections)
    disclosure.status = Status.APPROVED
    disclosure.decided_by = actor
    disclosure.decided_at = timezone.now()
    disclosure.save()
    record(
        actor=actor,
        action=Action.DISCLOSE,
        obj=disclosure,
        fields=["sections", "snapshot"],
        recipient=disclosure.recipient.name,
    )
    return disclosure


@transaction.atomic
def disclosure_refuse(
    *, actor: User, disclosure: Disclosure, version: int, reason: str
) -> Disclosure:
    """A second coordinator refuses, saying why; nothing is released."""
    if not access.can_decide_disclosure(actor, disclosure):
        raise Refused(_("A second coordinator of the programme decides; never the proposer."))
    if not reason.strip():
        raise Refused(_("Say why the disclosure is refused."))
    claim_version(disclosure, version)
    disclosure.status = Status.REFUSED
    disclosure.decided_by = actor
    disclosure.decided_at = timezone.now()
    disclosure.refusal_reason = reason.strip()
    disclosure.save()
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=disclosure,
        fields=["status", "refusal_reason"],
        recipient=disclosure.recipient.name,
    )
    return disclosure


@transaction.atomic
def disclosure_withdraw(*, actor: User, disclosure: Disclosure, version: int) -> Disclosure:
    """The proposer takes back a proposal before anyone decided on it; nothing is released."""
    if not access.can_withdraw_disclosure(actor, disclosure):
        raise Refused(_("Only the proposer withdraws a proposal, before it is decided."))
    claim_version(disclosure, version)
    disclosure.status = Status.WITHDRAWN
    disclosure.withdrawn_at = timezone.now()
    disclosure.save()
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=disclosure,
        fields=["status"],
        recipient=disclosure.recipient.name,
    )
    return disclosure


@transaction.atomic
def disclosure_revoke(
    *, actor: User, disclosure: Disclosure, version: int, reason: str
) -> Disclosure:
    """The programme takes an approved disclosure back, saying why (kept encrypted for the
    programme and the auditor): from now on the recipient's liaisons see that it was
    revoked, not what it said."""
    if not access.can_revoke_disclosure(actor, disclosure):
        raise Refused(_("Only an approved disclosure that has not expired can be revoked."))
    if not reason.strip():
        raise Refused(_("Say why the disclosure is revoked."))
    claim_version(disclosure, version)
    disclosure.status = Status.REVOKED
    disclosure.revoked_by = actor
    disclosure.revoked_at = timezone.now()
    disclosure.revoke_reason = reason.strip()
    disclosure.save()
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=disclosure,
        fields=["status", "revoke_reason"],
        recipient=disclosure.recipient.name,
    )
    return disclosure
