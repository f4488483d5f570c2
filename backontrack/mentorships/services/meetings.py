"""Recording and changing meetings, audited in the same transaction."""

import json
from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, dates
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused

from ..alerts import alert_windows_rebuild
from ..models import Goal, Meeting, MeetingRevision, Mentorship

# A meeting changed later than this after it was recorded keeps its earlier version.
EDIT_GRACE = timedelta(hours=48)


class SameDayMeeting(Exception):
    """A meeting of the same kind is already recorded on that day: a second one is
    recorded only when the person says it is one."""

    def __init__(self, meeting: Meeting) -> None:
        super().__init__(meeting.pk)
        self.meeting = meeting


@dataclass
class MeetingData:
    occurred_on: date
    kind: str
    outcome: str
    not_held_reason: str
    duration_minutes: int | None
    participants: list[str]
    topics: list[str]
    engagement: str
    facts: str
    assessment: str
    follow_up: str

    def clean(self) -> "MeetingData":
        """Normalise and check; a meeting that did not take place keeps only why."""
        if (
            self.kind not in Meeting.Kind.values
            or self.outcome not in Meeting.Outcome.values
            or self.not_held_reason not in ("", *Meeting.NotHeldReason.values)
            or self.engagement not in ("", *Meeting.Engagement.values)
            or not set(self.topics) <= set(Meeting.Topic.values)
            or not set(self.participants) <= set(Meeting.Participant.values)
        ):
            raise Refused(_("Choose from the options given."))
        if self.occurred_on > timezone.localdate():
            raise Refused(_("A meeting cannot be recorded before it has taken place."))
        dates.PROGRAMME_EVENT.require(self.occurred_on)
        if self.outcome == Meeting.Outcome.HELD:
            if not self.duration_minutes:
                raise Refused(_("Say how long the meeting lasted."))
            self.not_held_reason = ""
        else:
            if not self.not_held_reason:
                raise Refused(_("Say why the meeting did not take place."))
            self.duration_minutes = None
            self.engagement = ""
            self.topics = []
        self.participants = sorted(set(self.participants))
        self.topics = sorted(set(self.topics))
        self.facts = self.facts.strip()
        self.assessment = self.assessment.strip()
        self.follow_up = self.follow_up.strip()
        return self


def _filled(data: MeetingData) -> list[str]:
    return [name for name, value in asdict(data).items() if value not in ("", [], None)]


def _same_day(mentorship: Mentorship, data: MeetingData) -> QuerySet[Meeting]:
    """The mentorship's meetings of the kind on the day, the earliest recorded first."""
    return (
        Meeting.objects.select_related("recorded_by")
        .filter(mentorship=mentorship, occurred_on=data.occurred_on, kind=data.kind)
        .order_by("recorded_at", "id")
    )


def _check_goals(mentorship: Mentorship, goals: list[Goal]) -> None:
    if any(goal.mentorship_id != mentorship.pk for goal in goals):
        raise Refused(_("Choose from the options given."))


@transaction.atomic
def meeting_record(
    *,
    actor: User,
    mentorship: Mentorship,
    data: MeetingData,
    goals: list[Goal] | None = None,
    second_on_the_day: bool = False,
) -> Meeting:
    """Record a meeting, with the goals of the plan it worked on. When a meeting of the
    same kind is already recorded on that day, SameDayMeeting is raised unless
    `second_on_the_day` says this is a second meeting, not the same one again."""
    if not access.can_record_meetings(actor, mentorship):
        raise Refused(_("Meetings are recorded by the mentor of an active mentorship."))
    if data.occurred_on < (mentorship.initial_meeting_on or date.min):
        raise Refused(_("The meeting is before the mentorship's initial meeting."))
    goals = goals or []
    _check_goals(mentorship, goals)
    same_day = _same_day(mentorship, data).first()
    if same_day is not None and not second_on_the_day:
        raise SameDayMeeting(same_day)
    meeting = Meeting.objects.create(
        mentorship=mentorship, recorded_by=actor, **asdict(data.clean())
    )
    meeting.goals.set(goals)
    record(
        actor=actor,
        action=Action.CREATE,
        obj=meeting,
        fields=[*_filled(data), *(["goals"] if goals else [])],
        detail=f"for mentorships.mentorship #{mentorship.pk}",
    )
    alert_windows_rebuild([mentorship.pk])
    return meeting


def needs_reason(meeting: Meeting, actor: User) -> bool:
    """A change more than 48 hours after the meeting was recorded, or by anyone but the
    person who recorded it, keeps the earlier version and needs a reason."""
    return timezone.now() - meeting.recorded_at > EDIT_GRACE or meeting.recorded_by_id != actor.pk


@transaction.atomic
def meeting_edit(
    *,
    actor: User,
    meeting: Meeting,
    version: int,
    data: MeetingData,
    reason: str,
    goals: list[Goal] | None = None,
    second_on_the_day: bool = False,
) -> Meeting:
    """Change a recorded meeting. Moved onto a day and kind that another meeting of the
    mentorship already has, SameDayMeeting is raised unless `second_on_the_day` says there
    really were two."""
    if not access.can_edit_meeting(actor, meeting):
        raise Refused(
            _("A meeting is changed by the mentor who recorded it, or by the coordinator.")
        )
    data.clean()
    if data.occurred_on < (meeting.mentorship.initial_meeting_on or date.min):
        raise Refused(_("The meeting is before the mentorship's initial meeting."))
    late = needs_reason(meeting, actor)
    if late and not reason.strip():
        raise Refused(_("Say why you change the meeting: the earlier version is kept."))
    goals = goals or []
    _check_goals(meeting.mentorship, goals)
    if (data.occurred_on, data.kind) != (meeting.occurred_on, meeting.kind):
        same_day = _same_day(meeting.mentorship, data).exclude(pk=meeting.pk).first()
        if same_day is not None and not second_on_the_day:
            raise SameDayMeeting(same_day)
    claim_version(meeting, version)
    before: dict[str, object] = {f.name: getattr(meeting, f.name) for f in fields(MeetingData)}
    changed = [name for name, value in asdict(data).items() if before[name] != value]
    before["goals"] = sorted(meeting.goals.values_list("pk", flat=True))
    if before["goals"] != sorted(goal.pk for goal in goals):
        changed.append("goals")
    if late and changed:
        MeetingRevision.objects.create(
            meeting=meeting,
            earlier=json.dumps(before, default=str, sort_keys=True),
            reason=reason.strip(),
            changed_by=actor,
        )
    for name, value in asdict(data).items():
        setattr(meeting, name, value)
    meeting.save()
    meeting.goals.set(goals)
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=meeting,
        fields=[*changed, *(["reason"] if late and changed else [])],
        detail=f"for mentorships.mentorship #{meeting.mentorship_id}",
    )
    alert_windows_rebuild([meeting.mentorship_id])
    return meeting
