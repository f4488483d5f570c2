"""Reads of mentorships that show the person: each loads through the access policy and
files the read under the person in the same call."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.core.cursors import After, page_of

from .alerts import quiet_since
from .models import (
    OPEN_MENTORSHIP_STATUSES,
    CheckIn,
    Goal,
    GoalStatus,
    Meeting,
    Mentorship,
    MentorshipChange,
    MentorshipStatus,
    Plan,
    ReentryNeed,
    ReentryPlan,
)

PERSON = ["name", "institution", "custody_status", "expected_release_date"]
PAGE_SIZE = 25
MEETINGS_PER_PAGE = 20
TIMELINE_PER_PAGE = 50
MENTORSHIP = Mentorship._meta.label_lower


def with_last_meeting(mentorships: QuerySet[Mentorship]) -> QuerySet[Mentorship]:
    return mentorships.annotate(
        last_meeting=Max("meetings__occurred_on", filter=Q(meetings__outcome=Meeting.Outcome.HELD))
    )


def record_mentees(
    user: object, mentorships: "Iterable[Mentorship]", fields: list[str], detail: str = ""
) -> None:
    """Every mentorship page shows the person: file their ids under the register's type, so
    that "who looked at this person" finds the page."""
    ids = sorted({m.mentee_id for m in mentorships})
    if ids:
        record(
            actor=user,
            action=Action.VIEW if len(ids) == 1 else Action.LIST,
            object_type="mentees.mentee",
            object_ids=ids,
            fields=fields,
            detail=detail,
        )


def is_quiet(mentorship: Mentorship) -> bool:
    """An active mentorship overdue for a meeting (the same rule as the alert)."""
    return quiet_since(mentorship, timezone.localdate()) is not None


def mentorship_shown(user: object, pk: int, fields: list[str], detail: str = "") -> Mentorship:
    """The mentorship the user may see (404 otherwise), its person's read recorded: every
    page of a mentorship shows at least the person's name."""
    mentorship = access.mentorship_for(user, pk)
    record_mentees(user, [mentorship], fields, detail)
    return mentorship


def mentorships_listed(
    user: object, filters: dict[str, Any], page_number: str | After | None
) -> Page:
    """One page of the mentorships the user may see, open ones unless a status is asked
    for; the page's mentorships and people recorded as listed (searched, when filtered)."""
    mentorships = access.mentorships_visible_to(user)
    used = []
    if programme := filters.get("programme"):
        mentorships = mentorships.filter(programme=programme)
    status = filters.get("status")
    if status:
        if status == MentorshipStatus.CLOSED:
            access.closed_mentorships_listed()
        mentorships = mentorships.filter(status=status)
        used.append("status")
    else:
        mentorships = mentorships.filter(status__in=OPEN_MENTORSHIP_STATUSES)
    phase = filters.get("phase")
    if phase:
        mentorships = mentorships.filter(phase=phase)
        used.append("phase")
    mentorships = with_last_meeting(
        mentorships.select_related("programme", "mentee", "mentee__institution", "mentor", "coach")
    ).order_by("mentee__last_name", "mentee__first_name", "id")
    page = page_of(mentorships, PAGE_SIZE, page_number)
    record(
        actor=user,
        action=Action.SEARCH if used else Action.LIST,
        object_type=MENTORSHIP,
        object_ids=[m.pk for m in page.object_list],
        fields=[*used, "mentee", "mentor", "coach", "status", "phase", "last_meeting"],
    )
    record_mentees(user, page.object_list, ["name", "institution"], "mentorship list")
    return page


@dataclass
class MentorshipRecord:
    """What the mentorship's page shows."""

    mentorship: Mentorship
    meetings: Page
    check_ins: list[CheckIn]
    plan: Plan | None
    goals: list[Goal]
    changes: list[MentorshipChange]


def mentorship_record(user: object, pk: int, meetings_page: str | None) -> MentorshipRecord:
    """The mentorship, its person, plan and goals, check-ins and a page of meetings, each
    read recorded."""
    mentorship = access.mentorship_for(user, pk)
    meetings = Paginator(access.meetings_of(user, mentorship), MEETINGS_PER_PAGE).get_page(
        meetings_page
    )
    record(
        actor=user,
        action=Action.VIEW,
        obj=mentorship,
        fields=["mentee", "mentor", "coach", "status", "phase", "agreement", "history"],
    )
    record_mentees(user, [mentorship], [*PERSON, "languages"], f"mentorship #{mentorship.pk}")
    check_ins = list(access.check_ins_of(user, mentorship))
    plan = access.plan_of(user, mentorship)
    goals = list(access.goals_of(user, mentorship))
    if plan is not None or goals:
        record(
            actor=user,
            action=Action.VIEW,
            object_type=Goal._meta.label_lower,
            object_ids=[g.pk for g in goals],
            fields=PLAN_FIELDS_SHOWN,
            detail=f"plan of mentorships.mentorship #{mentorship.pk}",
        )
    if check_ins:
        record(
            actor=user,
            action=Action.LIST,
            object_type=CheckIn._meta.label_lower,
            object_ids=[c.pk for c in check_ins],
            fields=["occurred_on", "how", "note"],
            detail=f"of mentorships.mentorship #{mentorship.pk}",
        )
    if meetings.object_list:
        record(
            actor=user,
            action=Action.LIST,
            object_type=Meeting._meta.label_lower,
            object_ids=[m.pk for m in meetings.object_list],
            fields=MEETING_FIELDS_LISTED,
            detail=f"of mentorships.mentorship #{mentorship.pk}",
        )
    return MentorshipRecord(
        mentorship=mentorship,
        meetings=meetings,
        check_ins=check_ins,
        plan=plan,
        goals=goals,
        changes=list(mentorship.changes.select_related("actor")),
    )


def mentorship_form_shown(user: object, mentorship: Mentorship, fields: list[str]) -> None:
    """A coordinator's form shows the mentorship and the person's name: recorded when the
    form is shown, not when it is sent and saved."""
    record(actor=user, action=Action.VIEW, obj=mentorship, fields=fields)
    record_mentees(user, [mentorship], ["name"])


def mentors_offered(user: object, mentorship: Mentorship, ids: list[int], purpose: str) -> None:
    """The mentors a reallocation or coach form offers, recorded as listed with why."""
    record(
        actor=user,
        action=Action.LIST,
        object_type="mentors.mentor",
        object_ids=ids,
        fields=["name", "readiness"],
        detail=f"{purpose} mentorships.mentorship #{mentorship.pk}",
    )


def open_goals(user: object, mentorship: Mentorship) -> QuerySet[Goal]:
    """The goals a meeting can be about: the active ones."""
    return access.goals_of(user, mentorship).filter(status=GoalStatus.ACTIVE)


def meeting_to_edit(user: object, mentorship: Mentorship, pk: int, *, shown: bool) -> Meeting:
    """The meeting the user may change (404 otherwise); `shown` when the form shows it as
    recorded (a form sent back shows what the person typed instead), and then its read is
    recorded."""
    meeting = access.meeting_for(user, mentorship, pk)
    access.require(access.can_edit_meeting(user, meeting))
    if shown:
        record(
            actor=user,
            action=Action.VIEW,
            obj=meeting,
            fields=["facts", "assessment", "follow_up", "engagement", "topics"],
        )
    return meeting


def same_day_meeting_shown(user: object, meeting: Meeting) -> None:
    """The form asks whether this is a second meeting on the day of that one: recorded."""
    record(
        actor=user, action=Action.VIEW, obj=meeting, fields=["occurred_on", "kind", "recorded_by"]
    )


def plan_to_edit(user: object, mentorship: Mentorship, *, shown: bool) -> Plan | None:
    """The plan (None before one is written); its read recorded when `shown` (see
    `meeting_to_edit`)."""
    plan = access.plan_of(user, mentorship)
    if plan is not None and shown:
        record(actor=user, action=Action.VIEW, obj=plan, fields=["custody_constraints"])
    return plan


def goal_to_edit(user: object, mentorship: Mentorship, pk: int, *, shown: bool) -> Goal:
    """The goal to change; its read recorded when `shown` (see `meeting_to_edit`)."""
    goal = access.goal_for(user, mentorship, pk)
    if shown:
        record(
            actor=user, action=Action.VIEW, obj=goal, fields=["title", "steps", "outcome_reason"]
        )
    return goal


def reentry_shown(
    user: object, mentorship: Mentorship
) -> tuple[ReentryPlan | None, list[ReentryNeed]]:
    """The re-entry plan (None before it is made) and its needs, the person and the plan
    recorded as read."""
    plan = access.reentry_plan_of(user, mentorship)
    needs = list(access.reentry_needs_of(user, mentorship))
    record_mentees(user, [mentorship], PERSON, f"re-entry plan of mentorship #{mentorship.pk}")
    if plan is not None:
        record(
            actor=user,
            action=Action.VIEW,
            obj=plan,
            fields=["release_date", "needs", "notes"],
            detail=f"of mentorships.mentorship #{mentorship.pk}",
        )
    return plan, needs


def need_to_edit(user: object, mentorship: Mentorship, pk: int, *, shown: bool) -> ReentryNeed:
    """The re-entry need to change; its read recorded when `shown` (see `meeting_to_edit`)."""
    need = access.reentry_need_for(user, mentorship, pk)
    if shown:
        record(actor=user, action=Action.VIEW, obj=need, fields=["status", "owner", "notes"])
    return need


# A timeline entry: the day, the record's id, its group (the filter's kind) and the record.
Entry = tuple[date, int, str, Any]

# The history's kinds of change, grouped as the timeline's filter offers them.
CHANGE_GROUPS = {"phase": "phase", "plan": "plan", "goal": "plan", "reentry": "plan"}

# What each group's records are filed under, and which of their fields the timeline shows.
TIMELINE_READS = (
    ("custody", "mentees.custodyevent", ["kind", "occurred_on", "institution"]),
    ("network", "network.involvement", ["member", "kind", "occurred_on", "note"]),
    ("review", "reviews.review", ["occasion", "held_on", "instrument"]),
    ("check_in", CheckIn._meta.label_lower, ["occurred_on", "how", "note"]),
    ("meeting", Meeting._meta.label_lower, ["facts", "assessment", "topics"]),
    ("concern", "concerns.concern", ["category", "severity", "status", "observed_at"]),
    ("supervision", "supervision.discussion", ["held_on", "format", "coach"]),
)


def timeline(user: object, mentorship: Mentorship, kind: str, page_number: str | None) -> Page:
    """One page of everything that happened in the mentorship (or of one kind of it),
    newest first; the person and each kind of record on the page recorded as read."""
    entries: list[Entry] = []
    if kind in ("", "meeting"):
        entries += [
            (m.occurred_on, m.pk, "meeting", m) for m in access.meetings_of(user, mentorship)
        ]
    if kind in ("", "phase", "status", "plan"):
        for change in mentorship.changes.select_related("actor"):
            group = CHANGE_GROUPS.get(change.kind, "status")
            if kind in ("", group):
                entries.append((timezone.localdate(change.occurred_at), change.pk, group, change))
    if kind in ("", "network"):
        entries += [
            (i.occurred_on, i.pk, "network", i) for i in access.involvements_of(user, mentorship)
        ]
    if kind in ("", "review"):
        entries += [
            (r.held_on, r.pk, "review", r)
            for r in access.reviews_of(user, mentorship).prefetch_related(None)
        ]
    if kind in ("", "check_in"):
        entries += [
            (c.occurred_on, c.pk, "check_in", c) for c in access.check_ins_of(user, mentorship)
        ]
    if kind in ("", "custody"):
        entries += [
            (e.occurred_on, e.pk, "custody", e)
            for e in access.custody_events_for_mentorship(user, mentorship)
        ]
    if kind in ("", "concern"):
        entries += [
            (timezone.localdate(c.observed_at), c.pk, "concern", c)
            for c in access.concerns_on(user, mentorship)
        ]
    if kind in ("", "supervision"):
        # The guidance is read on the session's page by its coach and mentor, and on the
        # escalated concern's page by the coordinator (who reads it only then).
        escalated = access.latest_escalated_concern(user, mentorship)
        for discussion in access.supervision_discussions_of(user, mentorship):
            discussion.readable = access.can_read_supervision_guidance(
                user, discussion, escalated=escalated is not None
            )
            discussion.guidance_url = (
                reverse("supervision_detail", args=[discussion.participant.session_id])
                if access.took_part_in_session(user, discussion) or escalated is None
                else reverse("concern_detail", args=[escalated.pk]) + "#supervision"
            )
            entries.append(
                (discussion.participant.session.held_on, discussion.pk, "supervision", discussion)
            )
    # Newest day first; within a day, in the order things were recorded (a custody event
    # before the phase move it caused).
    entries.sort(key=lambda entry: (entry[0], _recorded(entry[3]), entry[1]), reverse=True)
    page = Paginator(entries, TIMELINE_PER_PAGE).get_page(page_number)
    record(
        actor=user,
        action=Action.VIEW,
        obj=mentorship,
        fields=["timeline", *([kind] if kind else [])],
    )
    record_mentees(user, [mentorship], PERSON, f"timeline of mentorship #{mentorship.pk}")
    for group, object_type, fields in TIMELINE_READS:
        ids = [entry[1] for entry in page.object_list if entry[2] == group]
        if ids:
            record(
                actor=user,
                action=Action.LIST,
                object_type=object_type,
                object_ids=ids,
                fields=fields,
                detail=f"timeline of mentorships.mentorship #{mentorship.pk}",
            )
    return page


def _recorded(item: object) -> datetime:
    """When a timeline entry was written: a change's time, or the record's."""
    return getattr(item, "occurred_at", None) or item.recorded_at  # type: ignore[attr-defined]


# --- The API's reads: each shows a part of the mentorship's page, and records that part. ---


def mentorship_summary(user: object, pk: int) -> Mentorship:
    """The mentorship and its person, as the head of its page shows them."""
    mentorship = access.mentorship_for(user, pk)
    record(
        actor=user,
        action=Action.VIEW,
        obj=mentorship,
        fields=["mentee", "mentor", "coach", "status", "phase"],
    )
    record_mentees(user, [mentorship], PERSON, f"mentorship #{mentorship.pk}")
    return mentorship


# What the API's list of meetings and its plan show of each (the fields they record).
MEETING_FIELDS_LISTED = [
    "occurred_on",
    "kind",
    "outcome",
    "not_held_reason",
    "duration_minutes",
    "participants",
    "topics",
    "engagement",
    "facts",
    "assessment",
    "follow_up",
]
PLAN_FIELDS_SHOWN = [
    "custody_constraints",
    "area",
    "title",
    "steps",
    "target_date",
    "progress",
    "status",
]


def meetings_listed(user: object, pk: int, page_number: str | After | None) -> Page:
    """One page of the mentorship's meetings, newest first, as its page lists them."""
    mentorship = access.mentorship_for(user, pk)
    meetings = page_of(access.meetings_of(user, mentorship), MEETINGS_PER_PAGE, page_number)
    record_mentees(user, [mentorship], ["name"], f"meetings of mentorship #{mentorship.pk}")
    if meetings.object_list:
        record(
            actor=user,
            action=Action.LIST,
            object_type=Meeting._meta.label_lower,
            object_ids=[m.pk for m in meetings.object_list],
            fields=MEETING_FIELDS_LISTED,
            detail=f"of mentorships.mentorship #{mentorship.pk}",
        )
    return meetings


def plan_shown(user: object, pk: int) -> tuple[Mentorship, Plan | None, list[Goal]]:
    """The mentorship's plan and goals, as its page shows them."""
    mentorship = access.mentorship_for(user, pk)
    plan = access.plan_of(user, mentorship)
    goals = list(access.goals_of(user, mentorship))
    record_mentees(user, [mentorship], ["name"], f"plan of mentorship #{mentorship.pk}")
    if plan is not None or goals:
        record(
            actor=user,
            action=Action.VIEW,
            object_type=Goal._meta.label_lower,
            object_ids=[g.pk for g in goals],
            fields=PLAN_FIELDS_SHOWN,
            detail=f"plan of mentorships.mentorship #{mentorship.pk}",
        )
    return mentorship, plan, goals
