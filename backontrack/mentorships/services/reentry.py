"""The re-entry plan: the release date and each domain's need, audited in the same transaction."""

from dataclasses import asdict, dataclass
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, dates
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused
from backontrack.mentees.models import Mentee

from ..alerts import alert_windows_rebuild
from ..models import (
    NEED_DUE_DAYS,
    ONGOING,
    Mentorship,
    MentorshipChange,
    MentorshipStatus,
    NeedDomain,
    NeedOwner,
    NeedStatus,
    ReentryNeed,
    ReentryPlan,
)
from .shared import plan_change


def reentry_plan_ensure(mentorship: Mentorship, actor: User | None) -> ReentryPlan:
    """The mentorship's re-entry plan, made with a need per domain (not started, the mentor
    arranging it, due the default number of days before release) if there is none yet.
    The release date comes from the person's record."""
    plan = ReentryPlan.objects.filter(mentorship=mentorship).first()
    if plan is not None:
        return plan
    release = Mentee.objects.values_list("expected_release_date", flat=True).get(
        pk=mentorship.mentee_id
    )
    plan = ReentryPlan.objects.create(mentorship=mentorship, release_date=release, created_by=actor)
    ReentryNeed.objects.bulk_create(
        ReentryNeed(plan=plan, domain=domain, due_days_before=NEED_DUE_DAYS[domain])
        for domain in NeedDomain.values
    )
    plan_change(
        mentorship=mentorship,
        actor=actor,
        kind=MentorshipChange.Kind.REENTRY,
        to="reentry_plan_made",
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=plan,
        fields=["release_date", "needs"],
        detail=f"for mentorships.mentorship #{mentorship.pk}",
        username="" if actor else "(backontrack phases)",
    )
    alert_windows_rebuild([mentorship.pk])
    return plan


@transaction.atomic
def reentry_plan_create(*, actor: User, mentorship: Mentorship) -> ReentryPlan:
    """Start the re-entry plan by hand, before the re-entry phase."""
    if not access.can_edit_plan(actor, mentorship):
        raise Refused(_("The re-entry plan is kept by the mentor and the coordinator."))
    if ReentryPlan.objects.filter(mentorship=mentorship).exists():
        raise Refused(_("The mentorship has a re-entry plan already."))
    return reentry_plan_ensure(mentorship, actor)


@transaction.atomic
def reentry_release_set(
    *, actor: User, mentorship: Mentorship, plan: ReentryPlan, version: int, release_date: date
) -> ReentryPlan:
    """A new release date; every need's due date moves with it."""
    if not access.can_edit_plan(actor, mentorship) or plan.mentorship_id != mentorship.pk:
        raise Refused(_("The re-entry plan is kept by the mentor and the coordinator."))
    dates.RELEASE.require(release_date)
    claim_version(plan, version)
    before = plan.release_date
    plan.release_date = release_date
    plan.save(update_fields=["release_date", "updated_at"])
    plan_change(
        mentorship=mentorship,
        actor=actor,
        kind=MentorshipChange.Kind.REENTRY,
        to="release_date",
        reason_code="release_was",
        params={"date": release_date.isoformat(), "was": before.isoformat() if before else ""},
    )
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=plan,
        fields=["release_date"],
        detail=f"for mentorships.mentorship #{mentorship.pk}",
    )
    alert_windows_rebuild([mentorship.pk])
    return plan


def reentry_release_follow(mentee: Mentee, release: date | None) -> None:
    """The person's record has a new expected release: the re-entry plans of their ongoing
    mentorship follow it, and the alert windows of their open one, which read the release
    with or without a plan. Called in the transaction that changes the record."""
    if release is not None:
        _plans_follow(mentee, release)
    alert_windows_rebuild(
        Mentorship.objects.filter(mentee=mentee)
        .exclude(status=MentorshipStatus.CLOSED)
        .values_list("pk", flat=True)
    )


def _plans_follow(mentee: Mentee, release: date) -> None:
    for plan in ReentryPlan.objects.select_for_update().filter(
        mentorship__mentee=mentee, mentorship__status__in=ONGOING
    ):
        if plan.release_date == release:
            continue
        before = plan.release_date
        ReentryPlan.objects.filter(pk=plan.pk).update(
            release_date=release, version=F("version") + 1
        )
        MentorshipChange.objects.create(
            mentorship_id=plan.mentorship_id,
            kind=MentorshipChange.Kind.REENTRY,
            to_value="release_date",
            reason_code="release_from_record",
            params={"date": release.isoformat(), "was": before.isoformat() if before else ""},
            actor=None,
            occurred_at=timezone.now(),
        )
        record(
            actor=None,
            action=Action.CHANGE,
            obj=plan,
            fields=["release_date"],
            detail=f"from mentees.mentee #{mentee.pk}",
            username="(backontrack: the person's record)",
        )


@dataclass
class NeedData:
    status: str
    owner: str
    due_days_before: int
    notes: str

    def clean(self) -> "NeedData":
        if self.status not in NeedStatus.values or self.owner not in NeedOwner.values:
            raise Refused(_("Choose from the options given."))
        if not 0 <= self.due_days_before <= 365:
            raise Refused(_("Due between 0 and 365 days before the release."))
        self.notes = self.notes.strip()
        return self


@transaction.atomic
def reentry_need_update(
    *, actor: User, mentorship: Mentorship, need: ReentryNeed, version: int, data: NeedData
) -> ReentryNeed:
    if not access.can_edit_plan(actor, mentorship) or need.plan.mentorship_id != mentorship.pk:
        raise Refused(_("The re-entry plan is kept by the mentor and the coordinator."))
    data.clean()
    claim_version(need, version)
    before = need.status
    changed = [name for name, value in asdict(data).items() if getattr(need, name) != value]
    for name, value in asdict(data).items():
        setattr(need, name, value)
    need.save()
    if need.status != before:
        plan_change(
            mentorship=mentorship,
            actor=actor,
            kind=MentorshipChange.Kind.REENTRY,
            to="need_status",
            params={"domain": need.domain, "status": need.status},
        )
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=need,
        fields=changed,
        detail=f"for mentorships.mentorship #{mentorship.pk}",
    )
    alert_windows_rebuild([mentorship.pk])
    return need
