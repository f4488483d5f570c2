"""Every write to referrals: submission and each move, audited in the same transaction."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core.concurrency import claim_version
from backontrack.mentees import services as mentee_services
from backontrack.mentees.identity import index_for
from backontrack.mentees.models import Mentee

from .models import Referral, ReferralTransition, Status
from .transitions import REASON_REQUIRED, roles_allowed

# These moves need more than a reason (the screening record, the consent, the match) and
# get services of their own; the generic move refuses them.
MOVES_WITH_THEIR_OWN_SERVICE = frozenset(
    {Status.ELIGIBLE, Status.NOT_ELIGIBLE, Status.ACCEPTED, Status.MATCHED}
)


class MoveRefused(Exception):
    pass


@dataclass
class ReferralData:
    referring_unit: str
    referred_on: date
    reason: str
    charged_with_terrorism: bool
    convicted_of_terrorism: bool
    hate_crime: bool
    hate_crime_motive: str
    vulnerable: bool
    vulnerability_rationale: str
    orientation: str


@transaction.atomic
def referral_submit(
    *, actor: User, person: mentee_services.MenteeData, data: ReferralData
) -> Referral:
    """Refer a person. If the register already holds someone with this personal ID number,
    the referral is linked to that record — never a second record for one person — and the
    referrer learns nothing more about them."""
    mentee = Mentee.objects.filter(personal_id_index=index_for(person.personal_id_digits)).first()
    if mentee is None:
        mentee = mentee_services.mentee_create(actor=actor, data=person)
    now = timezone.now()
    referral = Referral.objects.create(
        mentee=mentee,
        referred_name=f"{person.first_name} {person.last_name}",
        referred_by=actor,
        status=Status.RECEIVED,
        status_changed_at=now,
        **data.__dict__,
    )
    ReferralTransition.objects.create(
        referral=referral, from_status="", to_status=Status.RECEIVED, actor=actor, occurred_at=now
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=referral,
        fields=[name for name, value in data.__dict__.items() if value not in ("", False, None)],
        detail=f"for mentees.mentee #{mentee.pk}",
    )
    return referral


def may_move(actor: User, referral: Referral, to_status: str) -> bool:
    allowed = roles_allowed(referral.status, to_status)
    if not any(actor.has_role(role) for role in allowed):
        return False
    # A referrer acts only on referrals they made themselves.
    return actor.has_role("coordinator") or referral.referred_by_id == actor.pk


@transaction.atomic
def referral_move(
    *, actor: User, referral: Referral, version: int, to_status: str, reason: str = ""
) -> Referral:
    if to_status in MOVES_WITH_THEIR_OWN_SERVICE:
        raise MoveRefused(_("This step is taken with its own form."))
    if not may_move(actor, referral, to_status):
        raise MoveRefused(_("You cannot make this move."))
    if to_status in REASON_REQUIRED and not reason.strip():
        raise MoveRefused(_("Give the reason."))
    claim_version(referral, version)
    now = timezone.now()
    from_status = referral.status
    referral.status = to_status
    referral.status_changed_at = now
    referral.save(update_fields=["status", "status_changed_at", "version"])
    ReferralTransition.objects.create(
        referral=referral,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        occurred_at=now,
        reason=reason.strip(),
    )
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=referral,
        fields=["status", *(["reason"] if reason.strip() else [])],
        detail=f"{from_status} -> {to_status}",
    )
    return referral
