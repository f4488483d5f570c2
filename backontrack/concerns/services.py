"""Every write to a concern: raising it, correcting what was observed, and each move of its
life-cycle. Each asks the access policy again, claims the version the person started from,
writes the history line and records its audit event, all in one transaction."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused
from backontrack.mentorships.models import Mentorship

from .models import (
    Category,
    Concern,
    ConcernEvent,
    ConcernRevision,
    ConcernStatus,
    EscalationTarget,
    Severity,
    agency_routes,
)

OBSERVED_LIMIT_DAYS = 366


def _detail(concern: Concern) -> str:
    return f"on mentorships.mentorship #{concern.mentorship_id}"


def _event(concern: Concern, actor: User, code: str, **params: object) -> None:
    ConcernEvent.objects.create(concern=concern, code=code, params=params, actor=actor)


def _check_moment(moment: datetime, *, future: str) -> None:
    """A moment that has passed (a few minutes' grace for clocks), within the last year."""
    now = timezone.now()
    if moment > now + timedelta(minutes=5):
        raise Refused(future)
    if (now - moment).days > OBSERVED_LIMIT_DAYS:
        raise Refused(_("Give a date and time within the last year."))


@dataclass
class Observation:
    category: str
    severity: str
    observed_at: datetime
    facts: str
    assessment: str

    def clean(self) -> "Observation":
        if self.category not in Category.values or self.severity not in Severity.values:
            raise Refused(_("Choose from the options given."))
        self.facts = self.facts.strip()
        self.assessment = self.assessment.strip()
        if not self.facts:
            raise Refused(_("Say what was observed."))
        _check_moment(self.observed_at, future=_("A concern cannot be observed in the future."))
        return self


@transaction.atomic
def concern_raise(*, actor: User, mentorship: Mentorship, data: Observation) -> Concern:
    if not access.can_raise_concern(actor, mentorship):
        raise Refused(
            _("Concerns are raised by the mentorship's mentor, its coach and its coordinators.")
        )
    data.clean()
    concern = Concern.objects.create(
        mentorship=mentorship,
        category=data.category,
        severity=data.severity,
        raised_severity=data.severity,
        observed_at=data.observed_at,
        facts=data.facts,
        assessment=data.assessment,
        raised_by=actor,
    )
    _event(concern, actor, "raised", severity=data.severity, category=data.category)
    record(
        actor=actor,
        action=Action.CREATE,
        obj=concern,
        fields=[
            "category",
            "severity",
            "observed_at",
            "facts",
            *(["assessment"] if data.assessment else []),
        ],
        detail=_detail(concern),
    )
    return concern


@transaction.atomic
def concern_correct(
    *, actor: User, concern: Concern, version: int, facts: str, assessment: str
) -> Concern:
    """Its author corrects what was observed; the earlier text is kept as a revision."""
    if not access.can_correct_concern(actor, concern):
        raise Refused(_("Only whoever raised the concern corrects it, while it is open."))
    facts, assessment = facts.strip(), assessment.strip()
    if not facts:
        raise Refused(_("Say what was observed."))
    claim_version(concern, version)
    if (facts, assessment) == (concern.facts, concern.assessment):
        return concern
    ConcernRevision.objects.create(
        concern=concern, facts=concern.facts, assessment=concern.assessment, changed_by=actor
    )
    changed = [
        name
        for name, value in (("facts", facts), ("assessment", assessment))
        if getattr(concern, name) != value
    ]
    concern.facts, concern.assessment = facts, assessment
    concern.save(update_fields=["facts", "assessment"])
    _event(concern, actor, "corrected")
    record(actor=actor, action=Action.CHANGE, obj=concern, fields=changed, detail=_detail(concern))
    return concern


@transaction.atomic
def concern_triage(
    *,
    actor: User,
    concern: Concern,
    version: int,
    severity: str,
    assessment: str,
    next_step: str,
) -> Concern:
    """A coordinator confirms or changes the severity, assesses and names the next step."""
    if not access.can_triage_concern(actor, concern):
        raise Refused(_("A coordinator of the programme triages a concern that waits for it."))
    if severity not in Severity.values:
        raise Refused(_("Choose from the options given."))
    assessment, next_step = assessment.strip(), next_step.strip()
    if not assessment or not next_step:
        raise Refused(_("Give your assessment and the next step."))
    claim_version(concern, version)
    before = concern.severity
    concern.severity = severity
    concern.status = ConcernStatus.TRIAGED
    concern.triaged_at = timezone.now()
    concern.triaged_by = actor
    concern.triage_assessment = assessment
    concern.next_step = next_step
    concern.save()
    if before == severity:
        _event(concern, actor, "triaged", severity=severity)
    else:
        _event(concern, actor, "triaged_changed", severity=severity, **{"from": before})
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=concern,
        fields=["status", "severity", "triage_assessment", "next_step"],
        detail=_detail(concern),
    )
    return concern


@transaction.atomic
def concern_escalate(
    *,
    actor: User,
    concern: Concern,
    version: int,
    target: str,
    agency_route: str,
    passed_on: str,
    passed_on_at: datetime,
) -> Concern:
    """To the working group (which picks escalated concerns up) or to a named agency: what
    was passed on, and when."""
    if not access.can_escalate_concern(actor, concern):
        raise Refused(_("A coordinator of the programme escalates a triaged concern."))
    if target not in EscalationTarget.values:
        raise Refused(_("Choose from the options given."))
    if target == EscalationTarget.AGENCY and agency_route not in agency_routes():
        raise Refused(_("Choose the agency the concern goes to."))
    if target == EscalationTarget.WORKING_GROUP:
        agency_route = ""
    passed_on = passed_on.strip()
    if not passed_on:
        raise Refused(_("Say what was passed on."))
    _check_moment(passed_on_at, future=_("It cannot be passed on in the future."))
    claim_version(concern, version)
    concern.status = ConcernStatus.ESCALATED
    concern.escalated_at = timezone.now()
    concern.escalated_by = actor
    concern.escalation_target = target
    concern.agency_route = agency_route
    concern.passed_on = passed_on
    concern.passed_on_at = passed_on_at
    concern.save()
    if target == EscalationTarget.AGENCY:
        _event(concern, actor, "escalated_agency", route=agency_route)
    else:
        _event(concern, actor, "escalated_working_group")
    record(
        actor=actor,
        action=Action.DISCLOSE if target == EscalationTarget.AGENCY else Action.CHANGE,
        obj=concern,
        fields=["status", "escalation_target", "passed_on", "passed_on_at"],
        recipient=agency_route or EscalationTarget.WORKING_GROUP,
        detail=_detail(concern),
    )
    return concern


def _end(
    *, actor: User, concern: Concern, version: int, status: str, outcome: str, code: str
) -> Concern:
    outcome = outcome.strip()
    if not outcome:
        raise Refused(
            _("Give the outcome.") if status == ConcernStatus.RESOLVED else _("Give the reason.")
        )
    claim_version(concern, version)
    concern.status = status
    concern.ended_at = timezone.now()
    concern.ended_by = actor
    concern.outcome = outcome
    concern.save()
    _event(concern, actor, code)
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=concern,
        fields=["status", "outcome"],
        detail=_detail(concern),
    )
    return concern


@transaction.atomic
def concern_resolve(*, actor: User, concern: Concern, version: int, outcome: str) -> Concern:
    if not access.can_resolve_concern(actor, concern):
        raise Refused(_("A coordinator of the programme resolves a triaged or escalated concern."))
    return _end(
        actor=actor,
        concern=concern,
        version=version,
        status=ConcernStatus.RESOLVED,
        outcome=outcome,
        code="resolved",
    )


@transaction.atomic
def concern_close(*, actor: User, concern: Concern, version: int, reason: str) -> Concern:
    """Closed with no action, and the reason why."""
    if not access.can_close_concern(actor, concern):
        raise Refused(_("A coordinator of the programme closes a concern before it is escalated."))
    return _end(
        actor=actor,
        concern=concern,
        version=version,
        status=ConcernStatus.CLOSED,
        outcome=reason,
        code="closed",
    )
