"""Every write to referrals: submission and each move, audited in the same transaction."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import dates
from backontrack.core.access import can_move_referral, referrals_visible_to
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused
from backontrack.evaluation.followups import follow_ups_due_rebuild
from backontrack.mentees import services as mentee_services
from backontrack.mentees.identity import index_for
from backontrack.mentees.models import Consent, Mentee
from backontrack.programmes.models import Programme

from .eligibility import recommend
from .models import OPEN_STATUSES, Referral, ReferralTransition, Screening, Status
from .transitions import REASON_REQUIRED

# These moves need more than a reason (the screening record, the consent, the match) and
# get services of their own; the generic move refuses them.
MOVES_WITH_THEIR_OWN_SERVICE = frozenset(
    {Status.ELIGIBLE, Status.NOT_ELIGIBLE, Status.ACCEPTED, Status.MATCHED}
)


class MoveRefused(Refused):
    """A move of the referral that is not allowed as asked."""


class OpenReferralExists(Exception):
    """The person already has an open referral that the one referring may see."""

    def __init__(self, referral: Referral) -> None:
        super().__init__(referral.pk)
        self.referral = referral


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
    # The programme the person is referred to; the installation's default when not chosen.
    programme: Programme | None = None


@transaction.atomic
def referral_submit(
    *, actor: User, person: mentee_services.MenteeData, data: ReferralData
) -> Referral:
    """Refer a person. If the register already holds someone with this personal ID number,
    the referral is linked to that record — never a second record for one person — and the
    referrer learns nothing more about them.

    One person has one open referral: when the person already has an open referral that
    the actor may see (their own, or any for the coordinator), nothing is written and
    OpenReferralExists names it. Another referrer's open referral is not revealed; the
    coordinator sees both side by side."""
    dates.PROGRAMME_EVENT.require(data.referred_on)
    mentee = (
        Mentee.objects.select_for_update()
        .filter(personal_id_index=index_for(person.personal_id_digits))
        .first()
    )
    if mentee is not None:
        existing = (
            referrals_visible_to(actor)
            .filter(mentee=mentee, status__in=OPEN_STATUSES)
            .order_by("referred_on", "id")
            .first()
        )
        if existing is not None:
            raise OpenReferralExists(existing)
    else:
        mentee = mentee_services.mentee_create_referred(
            actor=actor, data=person, programme=data.programme
        )
    now = timezone.now()
    values = {**data.__dict__, "programme": data.programme or Programme.objects.default()}
    referral = Referral.objects.create(
        mentee=mentee,
        referred_name=f"{person.first_name} {person.last_name}",
        referred_by=actor,
        status=Status.RECEIVED,
        status_changed_at=now,
        **values,
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


@transaction.atomic
def referral_move(
    *, actor: User, referral: Referral, version: int, to_status: str, reason: str = ""
) -> Referral:
    if to_status in MOVES_WITH_THEIR_OWN_SERVICE:
        raise MoveRefused(_("This step is taken with its own form."))
    if not can_move_referral(actor, referral, to_status):
        raise MoveRefused(_("You cannot make this move."))
    if to_status in REASON_REQUIRED and not reason.strip():
        raise MoveRefused(_("Give the reason."))
    _transition(
        actor=actor,
        referral=referral,
        version=version,
        to_status=to_status,
        reason=reason,
        fields=["reason"] if reason.strip() else [],
    )
    return referral


def _transition(
    *,
    actor: User,
    referral: Referral,
    version: int,
    to_status: str,
    reason: str,
    fields: list[str],
    reason_code: str = "",
) -> None:
    """Move the status (refusing a stale version), record the history row and the audit
    event. Callers check that the move is allowed first."""
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
        reason_code=reason_code,
    )
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=referral,
        fields=["status", *fields],
        detail=f"{from_status} -> {to_status}",
    )


@dataclass
class ScreeningData:
    findings: dict[str, str]  # charged, convicted, hate_crime, vulnerability -> Finding
    evidence: dict[str, str]
    conviction_date: date | None
    decision: str  # Status.ELIGIBLE or Status.NOT_ELIGIBLE
    not_eligible_reason: str
    decision_note: str
    override_reason: str


@transaction.atomic
def referral_screen(
    *, actor: User, referral: Referral, version: int, data: ScreeningData
) -> Screening:
    """Record the screening and the decision; the referral moves to eligible or not
    eligible. A decision other than the rules' recommendation needs a stated reason."""
    if data.decision not in (Status.ELIGIBLE, Status.NOT_ELIGIBLE):
        raise MoveRefused(_("Decide eligible or not eligible."))
    dates.LIFE_EVENT.require(data.conviction_date)
    if not can_move_referral(actor, referral, data.decision):
        raise MoveRefused(_("You cannot make this move."))
    recommendation = recommend(data.findings)
    overridden = recommendation.outcome != data.decision
    if overridden and not data.override_reason.strip():
        raise MoveRefused(_("Say why the decision differs from the recommendation."))
    if data.decision == Status.NOT_ELIGIBLE and not (
        data.not_eligible_reason and data.decision_note.strip()
    ):
        raise MoveRefused(_("Give the reason code and the reason for not eligible."))
    screening = Screening.objects.create(
        referral=referral,
        charged_finding=data.findings["charged"],
        charged_evidence=data.evidence.get("charged", ""),
        convicted_finding=data.findings["convicted"],
        convicted_evidence=data.evidence.get("convicted", ""),
        conviction_date=data.conviction_date,
        hate_crime_finding=data.findings["hate_crime"],
        hate_crime_evidence=data.evidence.get("hate_crime", ""),
        vulnerability_finding=data.findings["vulnerability"],
        vulnerability_evidence=data.evidence.get("vulnerability", ""),
        recommendation=recommendation.outcome,
        decision=data.decision,
        overridden=overridden,
        override_reason=data.override_reason.strip() if overridden else "",
        not_eligible_reason=data.not_eligible_reason
        if data.decision == Status.NOT_ELIGIBLE
        else "",
        decision_note=data.decision_note.strip(),
        decided_by=actor,
        decided_at=timezone.now(),
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=screening,
        fields=["findings", "evidence", "decision", *(["override_reason"] if overridden else [])],
        detail=f"for referrals.referral #{referral.pk}",
    )
    _transition(
        actor=actor,
        referral=referral,
        version=version,
        to_status=data.decision,
        reason=data.decision_note,
        fields=["screening"],
    )
    follow_ups_due_rebuild(referrals=[referral.pk])
    return screening


@transaction.atomic
def referral_accept(*, actor: User, referral: Referral, version: int) -> Referral:
    """Accept an eligible referral. Taking part is voluntary: the mentee's recorded,
    unwithdrawn consent to participation is required."""
    if not can_move_referral(actor, referral, Status.ACCEPTED):
        raise MoveRefused(_("You cannot make this move."))
    if not mentee_services.has_participation_consent(referral.mentee):
        raise MoveRefused(
            _("Record the mentee's consent to take part before accepting the referral.")
        )
    _transition(
        actor=actor,
        referral=referral,
        version=version,
        to_status=Status.ACCEPTED,
        reason="",
        fields=[],
    )
    return referral


def referral_mark_matched(*, actor: User, referral: Referral, version: int) -> Referral:
    """The referral has its mentorship: called by the matching service, in its transaction,
    after it has checked the mentor, the coach and the consent."""
    if not can_move_referral(actor, referral, Status.MATCHED):
        raise MoveRefused(_("You cannot make this move."))
    _transition(
        actor=actor,
        referral=referral,
        version=version,
        to_status=Status.MATCHED,
        reason="",
        fields=["mentorship"],
    )
    follow_ups_due_rebuild(referrals=[referral.pk])
    return referral


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent, withdrawn_on: date, note: str) -> Consent:
    """Withdraw the mentee's consent and stop the processing that depended on it: a referral
    accepted on the strength of it (and not yet matched) is withdrawn. Here rather than in
    the register, because the referral needs the register and not the other way round."""
    consent = mentee_services.register_consent_withdrawal(
        actor=actor, consent=consent, withdrawn_on=withdrawn_on, note=note
    )
    if consent.participation and not mentee_services.has_participation_consent(consent.mentee):
        _withdraw_for_lost_consent(actor=actor, mentee=consent.mentee)
    return consent


def _withdraw_for_lost_consent(*, actor: User, mentee: Mentee) -> None:
    """Consent to take part was withdrawn: open referrals of this person that depended on
    it (accepted, not yet matched) are withdrawn, saying why."""
    for referral in Referral.objects.filter(mentee=mentee, status=Status.ACCEPTED):
        _transition(
            actor=actor,
            referral=referral,
            version=referral.version,
            to_status=Status.WITHDRAWN,
            reason="",
            reason_code="consent_withdrawn",
            fields=["reason"],
        )
