"""Recording follow-up outcomes, audited in the same transaction."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, dates
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused
from backontrack.mentorships.models import Mentorship
from backontrack.programmes.models import Programme
from backontrack.referrals.models import Referral

from .followups import follow_ups_due_rebuild, months_after
from .models import (
    Custody,
    FollowUp,
    Group,
    Housing,
    Indicator,
    Measure,
    MilieuContact,
    Occupation,
    Point,
    Reconviction,
    Source,
)

OUTCOME_FIELDS = [
    "recorded_on",
    "reconviction",
    "custody",
    "housing",
    "occupation",
    "milieu_contact",
    "source",
]


@dataclass
class Outcome:
    recorded_on: date
    reconviction: str
    custody: str
    housing: str
    occupation: str
    milieu_contact: str
    source: str


CHOICES = {
    "reconviction": Reconviction,
    "custody": Custody,
    "housing": Housing,
    "occupation": Occupation,
    "milieu_contact": MilieuContact,
    "source": Source,
}


def baseline_of(case: Mentorship | Referral) -> date | None:
    """The day the follow-up months count from: the closure, or the eligibility decision."""
    if isinstance(case, Mentorship):
        return case.closed_on
    screening = getattr(case, "screening", None)
    return timezone.localdate(screening.decided_at) if screening is not None else None


@transaction.atomic
def follow_up_record(
    *, actor: User, case: Mentorship | Referral, months: int, outcome: Outcome
) -> FollowUp:
    """Record what became of the person `months` after the closure or the screening."""
    if not access.can_record_follow_up(actor, case.programme_id):
        raise Refused(_("Follow-ups are recorded by the programme's coordinators."))
    mentored = isinstance(case, Mentorship)
    in_group = (
        access.follow_up_mentorships_visible_to(actor)
        if mentored
        else access.follow_up_referrals_visible_to(actor)
    )
    baseline = baseline_of(case)
    if baseline is None or not in_group.filter(pk=case.pk).exists():
        raise Refused(
            _("Follow-ups are for closed mentorships and for eligible people never matched.")
        )
    if months not in Point.values:
        raise Refused(_("Choose from the options given."))
    due_on = months_after(baseline, months)
    if due_on > timezone.localdate():
        raise Refused(
            _("This follow-up is due on %(date)s, not before.")
            % {"date": date_format(due_on, "DATE_FORMAT")}
        )
    dates.PROGRAMME_EVENT.require(outcome.recorded_on)
    if outcome.recorded_on < baseline:
        raise Refused(_("A follow-up cannot describe a day before the case ended."))
    for name, choices in CHOICES.items():
        if getattr(outcome, name) not in choices.values:
            raise Refused(_("Choose from the options given."))
    follow_up = FollowUp(
        programme_id=case.programme_id,
        mentee_id=case.mentee_id,
        group=Group.MENTORED if mentored else Group.COMPARISON,
        months=months,
        due_on=due_on,
        recorded_by=actor,
        **vars(outcome),
    )
    if isinstance(case, Mentorship):
        follow_up.mentorship = case
    else:
        follow_up.referral = case
    already = FollowUp.objects.filter(months=months)
    if already.filter(mentorship=follow_up.mentorship, referral=follow_up.referral).exists():
        raise Refused(_("This follow-up has been recorded already."))
    follow_up.save()
    record(
        actor=actor,
        action=Action.CREATE,
        obj=follow_up,
        fields=OUTCOME_FIELDS,
        detail=f"for {case._meta.label_lower} #{case.pk}",
    )
    if mentored:
        follow_ups_due_rebuild(mentorships=[case.pk])
    else:
        follow_ups_due_rebuild(referrals=[case.pk])
    return follow_up


@dataclass
class IndicatorData:
    name: str
    description: str
    measure: str
    target: str
    active: bool


INDICATOR_FIELDS = ["name", "description", "measure", "target", "active"]


def _checked(programme_id: int, data: IndicatorData, pk: int | None = None) -> None:
    if data.measure not in Measure.values or not data.target:
        raise Refused(_("Choose from the options given."))
    same_name = Indicator.objects.filter(programme_id=programme_id, name=data.name.strip())
    if pk is not None:
        same_name = same_name.exclude(pk=pk)
    if same_name.exists():
        raise Refused(_("The programme has an indicator of that name already."))


@transaction.atomic
def indicator_create(*, actor: User, programme: Programme, data: IndicatorData) -> Indicator:
    """A coordinator adds an indicator to the programme's theory of change."""
    if not access.can_manage_indicators(actor, programme):
        raise Refused(_("A programme's coordinators set its theory of change."))
    _checked(programme.pk, data)
    indicator = Indicator.objects.create(
        programme=programme,
        created_by=actor,
        **{**vars(data), "name": data.name.strip(), "description": data.description.strip()},
    )
    record(actor=actor, action=Action.CREATE, obj=indicator, fields=INDICATOR_FIELDS)
    return indicator


@transaction.atomic
def indicator_update(
    *, actor: User, indicator: Indicator, version: int, data: IndicatorData
) -> Indicator:
    """A coordinator changes an indicator (or takes it off the dashboard and the report)."""
    if not access.can_manage_indicators(actor, indicator.programme_id):
        raise Refused(_("A programme's coordinators set its theory of change."))
    _checked(indicator.programme_id, data, indicator.pk)
    claim_version(indicator, version)
    cleaned = {**vars(data), "name": data.name.strip(), "description": data.description.strip()}
    changed = [name for name in INDICATOR_FIELDS if getattr(indicator, name) != cleaned[name]]
    for name, value in cleaned.items():
        setattr(indicator, name, value)
    indicator.save()
    record(actor=actor, action=Action.CHANGE, obj=indicator, fields=changed)
    return indicator
