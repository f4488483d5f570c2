"""Reads of supervision: each loads through the access policy and records what it showed,
about whom, in the same call."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Max, Prefetch, Q
from django.utils import timezone

from backontrack.accounts.models import Role, User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.concerns.models import Concern
from backontrack.concerns.selectors import open_concerns_by_mentor
from backontrack.core import access
from backontrack.mentors.models import Mentor
from backontrack.mentorships.alerts import alerts as mentorship_alerts
from backontrack.mentorships.models import (
    ONGOING,
    OPEN_MENTORSHIP_STATUSES,
    Meeting,
    Mentorship,
)
from backontrack.mentorships.selectors import record_mentees

from .alerts import MentorAlert, mentor_alerts
from .models import AgreedAction, Discussion, Participant, Session

PAGE_SIZE = 25
TREND_SESSIONS = 12
SESSION = Session._meta.label_lower
MENTOR = Mentor._meta.label_lower


@dataclass
class PartShown:
    part: Participant
    discussions: list[Discussion]
    actions: list[AgreedAction]


@dataclass
class SessionShown:
    session: Session
    parts: list[PartShown]
    coach: bool  # the person is the coach who held it


def session_shown(user: object, pk: int) -> SessionShown:
    """A session the person took part in: the coach sees every mentor's part, a mentor their
    own (its guidance and wellbeing); the read is recorded with the people discussed."""
    session = access.supervision_session_for(user, pk)
    parts = list(
        access.supervision_parts_of(user, session).prefetch_related(
            Prefetch(
                "discussions",
                queryset=Discussion.objects.select_related("mentorship__mentee"),
            ),
            "actions",
        )
    )
    shown = [
        PartShown(
            part=part,
            discussions=[
                d
                for d in part.discussions.all()
                if access.can_read_supervision_guidance(user, _with_part(d, part, session))
            ],
            actions=list(part.actions.all()),
        )
        for part in parts
    ]
    record(
        actor=user,
        action=Action.VIEW,
        obj=session,
        fields=["held_on", "format", "wellbeing", "facts", "guidance", "actions"],
        detail="with " + " and ".join(f"mentors.mentor #{p.mentor_id}" for p in parts),
    )
    record_mentees(
        user,
        [d.mentorship for p in shown for d in p.discussions],
        ["name"],
        f"{SESSION} #{session.pk}",
    )
    return SessionShown(
        session=session, parts=shown, coach=access.is_coach_of_session(user, session)
    )


def _with_part(discussion: Discussion, part: Participant, session: Session) -> Discussion:
    part.session = session
    discussion.participant = part
    return discussion


def session_to_correct(user: object, pk: int, *, shown: bool) -> SessionShown:
    """The session its coach corrects (404 for anyone else); recorded as read when the form
    is shown."""
    session = access.supervision_session_for(user, pk)
    access.require(access.can_correct_supervision(user, session))
    if shown:
        return session_shown(user, pk)
    parts = [
        PartShown(part=p, discussions=list(p.discussions.all()), actions=[])
        for p in access.supervision_parts_of(user, session).prefetch_related("discussions")
    ]
    return SessionShown(session=session, parts=parts, coach=True)


def sessions_listed(user: object, page_number: str | None) -> Page:
    """The sessions the person held or took part in, newest first (dates, format, mentors)."""
    account = user if isinstance(user, User) else None
    sessions = (
        access.supervision_sessions_visible_to(user)
        .select_related("coach")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("mentor").order_by("mentor__last_name"),
            )
        )
        .order_by("-held_on", "-id")
    )
    page = Paginator(sessions, PAGE_SIZE).get_page(page_number)
    for session in page.object_list:
        mine = [
            p
            for p in session.participants.all()
            if p.mentor.user_id == getattr(account, "pk", None)
        ]
        session.own_part = mine[0] if mine else None
    if page.object_list:
        record(
            actor=user,
            action=Action.LIST,
            object_type=SESSION,
            object_ids=[s.pk for s in page.object_list],
            fields=["held_on", "format", "mentors", "confirmed_at"],
        )
    return page


@dataclass
class Trend:
    mentor: Mentor
    parts: list[Participant]  # oldest first, the latest TREND_SESSIONS
    earlier: int


def wellbeing_shown(user: object, pk: int) -> Trend:
    """The mentor's wellbeing and workload at their sessions, for the mentor and their coach."""
    mentor = access.wellbeing_mentor_for(user, pk)
    every = Participant.objects.filter(mentor=mentor).select_related("session")
    count = every.count()
    parts = list(every.order_by("-session__held_on", "-session_id")[:TREND_SESSIONS])[::-1]
    record(
        actor=user,
        action=Action.VIEW,
        obj=mentor,
        fields=["wellbeing", "caseload", "hours"],
    )
    return Trend(mentor=mentor, parts=parts, earlier=count - len(parts))


@dataclass
class OverviewRow:
    """What the coordinator sees of a mentor's supervision in one programme: dates, coverage
    and whether it is overdue. No guidance and no scores."""

    mentor: Mentor
    programme_name: str
    open_mentorships: int
    discussed: int  # of the open mentorships, those discussed within the cadence
    dates: list[date] = field(default_factory=list)  # newest first, the last few
    next_on: date | None = None
    overdue: bool = False
    cadence: int = 14
    ongoing: bool = False  # an active or paused mentorship: supervision is due


def supervision_overview(user: object, page_number: str | None) -> Page:
    """Per mentor of the coordinator's programmes' open mentorships: the latest session dates,
    the next one, how many of their open mentorships were discussed within the programme's
    supervision cadence, and whether they are overdue (three queries)."""
    access.require(access.can_see_supervision_overview(user))
    today = timezone.localdate()
    mentorships = list(
        access.mentorships_visible_to(user)
        .filter(status__in=OPEN_MENTORSHIP_STATUSES)
        .exclude(mentor__status="left")
        .select_related("mentor", "programme")
        .only(
            "id",
            "status",
            "programme__id",
            "programme__name",
            "programme__supervision_days",
            "mentor__id",
            "mentor__first_name",
            "mentor__last_name",
            "mentor__user_id",
        )
    )
    rows: dict[tuple[int, int], OverviewRow] = {}
    for m in mentorships:
        row = rows.get((m.programme_id, m.mentor_id))
        if row is None:
            row = rows[(m.programme_id, m.mentor_id)] = OverviewRow(
                mentor=m.mentor,
                programme_name=m.programme.name,
                open_mentorships=0,
                discussed=0,
                cadence=m.programme.supervision_days,
            )
        row.open_mentorships += 1
        row.ongoing = row.ongoing or m.status in ONGOING
    longest = max((r.cadence for r in rows.values()), default=14)
    parts = (
        Participant.objects.filter(
            session__in=access.supervision_overview_of(user),
            mentor_id__in={mentor for _p, mentor in rows},
            session__held_on__gte=today - timedelta(days=max(longest * 6, 180)),
        )
        .select_related("session")
        .only(
            "id",
            "mentor_id",
            "session__id",
            "session__held_on",
            "session__next_on",
            "session__programme_id",
        )
        .order_by("-session__held_on", "-session_id")
    )
    for part in parts:
        row = rows.get((part.session.programme_id, part.mentor_id))
        if row is None:
            continue
        if not row.dates:
            row.next_on = part.session.next_on
        if len(row.dates) < 4:
            row.dates.append(part.session.held_on)
    discussed = Discussion.objects.filter(
        mentorship_id__in=[m.pk for m in mentorships],
        participant__session__held_on__gte=today - timedelta(days=longest),
    ).values_list("mentorship_id", "participant__session__held_on")
    by_mentorship = {m.pk: m for m in mentorships}
    counted: set[int] = set()
    for mentorship_id, held_on in discussed:
        m = by_mentorship[mentorship_id]
        row = rows[(m.programme_id, m.mentor_id)]
        if mentorship_id not in counted and (today - held_on).days <= row.cadence:
            counted.add(mentorship_id)
            row.discussed += 1
    for row in rows.values():
        late = not row.dates or (today - row.dates[0]).days > row.cadence
        row.overdue = row.ongoing and late
    ordered = sorted(
        rows.values(), key=lambda r: (not r.overdue, r.mentor.last_name, r.mentor.first_name)
    )
    page = Paginator(ordered, PAGE_SIZE).get_page(page_number)
    if page.object_list:
        record(
            actor=user,
            action=Action.LIST,
            object_type=MENTOR,
            object_ids=sorted({r.mentor.pk for r in page.object_list}),
            fields=["supervision_dates", "coverage"],
        )
    return page


# --- The home pages -------------------------------------------------------------------------


@dataclass
class SupervisedMentor:
    mentor: Mentor
    mentorships: list[Mentorship]
    last_contact: date | None
    last_session: date | None
    next_session: date | None
    overdue: bool
    open_actions: int
    reviews_due: int
    cadence: int
    concerns: list[Concern] = field(default_factory=list)


def coach_home(user: object) -> dict[str, object]:
    """For the coach's home: each supervised mentor with their mentorships, last contact,
    last and next supervision (overdue past the programme's cadence), open actions and
    reviews due; and the coach's own open actions."""
    if not isinstance(user, User) or not access.has_role(user, Role.COACH):
        return {}
    today = timezone.localdate()
    coached = list(
        access.mentorships_visible_to(user)
        .filter(coach__user=user, status__in=OPEN_MENTORSHIP_STATUSES)
        .exclude(mentor__user=user)
        .select_related("mentor", "mentee", "programme")
        .annotate(
            last_meeting=Max(
                "meetings__occurred_on", filter=Q(meetings__outcome=Meeting.Outcome.HELD)
            )
        )
        .order_by("mentor__last_name", "mentor__first_name", "mentee__last_name", "id")
    )
    if not coached:
        return {"supervised_mentors": [], "coach_actions": _open_actions(user, "coach")}
    mentor_ids = {m.mentor_id for m in coached}
    last_parts: dict[int, Participant] = {}
    for part in (
        Participant.objects.filter(
            session__in=access.supervision_sessions_visible_to(user), mentor_id__in=mentor_ids
        )
        .select_related("session")
        .order_by("-session__held_on", "-session_id")
    ):
        last_parts.setdefault(part.mentor_id, part)
    open_actions = dict.fromkeys(mentor_ids, 0)
    for mentor_id in (
        access.agreed_actions_visible_to(user)
        .filter(done_at__isnull=True, participant__mentor_id__in=mentor_ids)
        .values_list("participant__mentor_id", flat=True)
    ):
        open_actions[mentor_id] += 1
    reviews_due: dict[int, int] = dict.fromkeys(mentor_ids, 0)
    for alert in mentorship_alerts(Mentorship.objects.filter(pk__in=[m.pk for m in coached])):
        if alert.kind == "review":
            reviews_due[alert.mentorship.mentor_id] += 1
    rows: dict[int, SupervisedMentor] = {}
    for m in coached:
        row = rows.get(m.mentor_id)
        if row is None:
            last = last_parts.get(m.mentor_id)
            cadence = m.programme.supervision_days
            row = rows[m.mentor_id] = SupervisedMentor(
                cadence=cadence,
                mentor=m.mentor,
                mentorships=[],
                last_contact=None,
                last_session=last.session.held_on if last else None,
                next_session=last.session.next_on if last else None,
                overdue=False,
                open_actions=open_actions[m.mentor_id],
                reviews_due=reviews_due[m.mentor_id],
            )
        row.mentorships.append(m)
        # Supervision falls due once a mentorship has begun (not while only proposed).
        if m.status in ONGOING:
            row.overdue = row.last_session is None or (today - row.last_session).days > row.cadence
        met = getattr(m, "last_meeting", None)
        if met and (row.last_contact is None or met > row.last_contact):
            row.last_contact = met
    for mentor_id, concerns in open_concerns_by_mentor(user).items():
        if mentor_id in rows:
            rows[mentor_id].concerns = concerns
    record(
        actor=user,
        action=Action.LIST,
        object_type=MENTOR,
        object_ids=sorted(mentor_ids),
        fields=["mentorships", "last_contact", "supervision_dates", "actions"],
    )
    record_mentees(user, coached, ["name"], "home page")
    return {
        "supervised_mentors": list(rows.values()),
        "coach_actions": _open_actions(user, "coach"),
    }


def _open_actions(user: User, owner: str) -> list[AgreedAction]:
    """The open actions this person owns (as mentor or as coach), soonest due first."""
    actions = access.agreed_actions_visible_to(user).filter(done_at__isnull=True, owner=owner)
    if owner == "coach":
        actions = actions.filter(participant__session__coach__user=user)
    else:
        actions = actions.filter(participant__mentor__user=user)
    found = list(actions.select_related("participant__session", "participant__mentor")[:20])
    if found:
        record(
            actor=user,
            action=Action.LIST,
            object_type=AgreedAction._meta.label_lower,
            object_ids=[a.pk for a in found],
            fields=["text", "due_on"],
        )
    return found


def mentor_home(user: object) -> dict[str, object]:
    """For the mentor's home: their open actions and the sessions waiting for their
    confirmation."""
    if not isinstance(user, User) or access.own_mentor_profile(user) is None:
        return {}
    to_confirm = list(
        Participant.objects.filter(
            session__in=access.supervision_sessions_visible_to(user),
            mentor__user=user,
            confirmed_at__isnull=True,
        )
        .select_related("session__coach")
        .order_by("-session__held_on")[:10]
    )
    return {"mentor_actions": _open_actions(user, "mentor"), "sessions_to_confirm": to_confirm}


def coordinator_alerts(user: object) -> dict[str, object]:
    """For the coordinator's home: the mentors whose strain stayed high or whose caseload is
    above capacity (named, with the reason; never a score), and how many are overdue."""
    if not access.can_see_supervision_overview(user):
        return {}
    programmes = access.programmes_coordinated_by(user).values_list("id", flat=True)
    found: list[MentorAlert] = mentor_alerts(programmes, timezone.localdate())
    if found:
        record(
            actor=user,
            action=Action.LIST,
            object_type=MENTOR,
            object_ids=sorted({a.mentor.pk for a in found}),
            fields=["wellbeing_alerts"],
        )
    return {"wellbeing_alerts": found}


def mentorships_offered(user: object, mentorships: dict[int, list[Mentorship]]) -> None:
    """The session form names the people of the mentorships it offers to discuss."""
    record_mentees(
        user, [m for found in mentorships.values() for m in found], ["name"], "supervision form"
    )


def guidance_on_escalated_concern(user: object, concern: Any) -> list[Discussion]:
    """On an escalated concern's page, the supervision of its mentorship the reader may read
    (the coordinator reads the guidance only once a concern was escalated); the read is
    recorded with the person."""
    if concern.escalated_at is None:
        return []
    discussions = [
        d
        for d in Discussion.objects.filter(mentorship_id=concern.mentorship_id)
        .select_related("participant__session__coach", "participant__mentor", "mentorship")
        .order_by("-participant__session__held_on", "-id")
        if access.can_read_supervision_guidance(user, d, escalated=True)
    ]
    if discussions:
        record(
            actor=user,
            action=Action.LIST,
            object_type=Discussion._meta.label_lower,
            object_ids=[d.pk for d in discussions],
            fields=["facts", "guidance"],
            detail=f"on concerns.concern #{concern.pk}",
        )
    return discussions
