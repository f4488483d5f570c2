"""The plan's custody constraints and its goals, audited in the same transaction."""

from dataclasses import asdict, dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, dates
from backontrack.core.concurrency import ConcurrentEditError, claim_version
from backontrack.core.errors import Refused

from ..models import AimArea, Goal, GoalStatus, Mentorship, MentorshipChange, Plan
from .shared import plan_change


@transaction.atomic
def plan_save(
    *, actor: User, mentorship: Mentorship, version: int | None, custody_constraints: str
) -> Plan:
    """Write the plan's custody constraints. `version` is the plan's version the form was
    based on (None when there was no plan yet): a stale one is refused, never overwritten."""
    if not access.can_edit_plan(actor, mentorship):
        raise Refused(_("The plan is kept by the mentor and the coordinator."))
    plan = Plan.objects.select_for_update().filter(mentorship=mentorship).first()
    if plan is None:
        if version not in (None, 0):
            raise ConcurrentEditError
        plan = Plan.objects.create(
            mentorship=mentorship,
            custody_constraints=custody_constraints.strip(),
            updated_by=actor,
        )
    else:
        claim_version(plan, version if version is not None else -1)
        plan.custody_constraints = custody_constraints.strip()
        plan.updated_by = actor
        plan.save(update_fields=["custody_constraints", "updated_by", "updated_at"])
    plan_change(
        mentorship=mentorship,
        actor=actor,
        kind=MentorshipChange.Kind.PLAN,
        to="constraints_updated",
    )
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=plan,
        fields=["custody_constraints"],
        detail=f"for mentorships.mentorship #{mentorship.pk}",
    )
    return plan


@dataclass
class GoalData:
    area: str
    title: str
    steps: str
    target_date: date | None
    progress: int
    status: str
    outcome_reason: str

    def clean(self) -> "GoalData":
        if self.area not in AimArea.values or self.status not in GoalStatus.values:
            raise Refused(_("Choose from the options given."))
        if not self.title.strip():
            raise Refused(_("Say what the goal is."))
        if not 0 <= self.progress <= 100:
            raise Refused(_("Progress is between 0 and 100 per cent."))
        dates.GOAL_TARGET.require(self.target_date)
        if self.status == GoalStatus.DROPPED and not self.outcome_reason.strip():
            raise Refused(_("Say why the goal was dropped."))
        if self.status == GoalStatus.ACHIEVED:
            self.progress = 100
        self.title = self.title.strip()
        self.steps = self.steps.strip()
        self.outcome_reason = self.outcome_reason.strip()
        return self


@transaction.atomic
def goal_create(*, actor: User, mentorship: Mentorship, data: GoalData) -> Goal:
    if not access.can_edit_plan(actor, mentorship):
        raise Refused(_("The plan is kept by the mentor and the coordinator."))
    goal = Goal.objects.create(mentorship=mentorship, created_by=actor, **asdict(data.clean()))
    plan_change(
        mentorship=mentorship,
        actor=actor,
        kind=MentorshipChange.Kind.GOAL,
        to=f"{goal.status}:{goal.pk}",
        reason_code="new_goal",
        params={"area": goal.area},
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=goal,
        fields=_filled_goal(data),
        detail=f"for mentorships.mentorship #{mentorship.pk}",
    )
    return goal


def _filled_goal(data: GoalData) -> list[str]:
    return [name for name, value in asdict(data).items() if value not in ("", None)]


@transaction.atomic
def goal_update(*, actor: User, goal: Goal, version: int, data: GoalData) -> Goal:
    """Change a goal; a change of status (achieved, partly, not achieved, dropped) goes into
    the mentorship's history. A stale form is refused."""
    if not access.can_edit_plan(actor, goal.mentorship):
        raise Refused(_("The plan is kept by the mentor and the coordinator."))
    data.clean()
    claim_version(goal, version)
    before = goal.status
    changed = [name for name, value in asdict(data).items() if getattr(goal, name) != value]
    for name, value in asdict(data).items():
        setattr(goal, name, value)
    goal.save()
    if goal.status != before:
        plan_change(
            mentorship=goal.mentorship,
            actor=actor,
            kind=MentorshipChange.Kind.GOAL,
            to=f"{goal.status}:{goal.pk}",
            reason=goal.outcome_reason,
            reason_code="goal_area",
            params={"area": goal.area},
        )
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=goal,
        fields=changed,
        detail=f"for mentorships.mentorship #{goal.mentorship_id}",
    )
    return goal
