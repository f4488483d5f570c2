"""Recording, correcting and confirming supervision sessions and finishing their actions,
each audited in its own transaction."""

import json
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, dates
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused
from backontrack.mentors.models import Mentor
from backontrack.mentorships.models import Mentorship

from .models import (
    SCORES,
    AgreedAction,
    Discussion,
    Format,
    Owner,
    Participant,
    Session,
    SessionRevision,
)

MAX_CASELOAD = 50
MAX_HOURS = 500
WELLBEING = ("workload", "strain", "supported", "safe")


@dataclass
class Discussed:
    mentorship: Mentorship
    facts: str = ""
    guidance: str = ""


@dataclass
class Part:
    """One mentor's part of a session: their wellbeing (None: prefer not to say), caseload,
    hours since the last session and the mentorships discussed with them."""

    mentor: Mentor
    caseload: int
    hours: int | None = None
    workload: int | None = None
    strain: int | None = None
    supported: int | None = None
    safe: int | None = None
    discussed: list[Discussed] = field(default_factory=list)


@dataclass
class ActionData:
    mentor: Mentor
    owner: str
    text: str
    due_on: date


@dataclass
class SessionData:
    held_on: date
    format: str
    next_on: date | None
    parts: list[Part]
    actions: list[ActionData] = field(default_factory=list)


def _check(actor: User, data: SessionData, *, correcting: Session | None = None) -> int:
    """Refuse what may not be recorded; the programme of the session's id."""
    if data.format not in Format.values:
        raise Refused(_("Choose from the options given."))
    if data.held_on > timezone.localdate():
        raise Refused(_("A session cannot be recorded before it has taken place."))
    dates.PROGRAMME_EVENT.require(data.held_on)
    if data.next_on is not None and data.next_on <= data.held_on:
        raise Refused(_("The next session comes after this one."))
    if not data.parts:
        raise Refused(_("Choose the mentor or mentors the session was with."))
    mentors = [part.mentor.pk for part in data.parts]
    if len(set(mentors)) != len(mentors):
        raise Refused(_("Choose from the options given."))
    if len(mentors) > 1 and data.format != Format.GROUP:
        raise Refused(_("A session with more than one mentor is a group session."))
    supervised = set(access.supervised_mentors(actor).values_list("pk", flat=True))
    if correcting is None and not set(mentors) <= supervised:
        raise Refused(_("Sessions are held with the mentors you supervise."))
    programmes: set[int] = set()
    fallback: set[int] = set()
    for part in data.parts:
        for name in WELLBEING:
            value = getattr(part, name)
            if value is not None and value not in SCORES:
                raise Refused(_("Choose from the options given."))
        if not 0 <= part.caseload <= MAX_CASELOAD:
            raise Refused(_("The caseload is a number from 0 to 50."))
        if part.hours is not None and not 0 <= part.hours <= MAX_HOURS:
            raise Refused(_("The hours are a number from 0 to 500."))
        own = {m.pk: m for m in access.supervised_mentorships(actor, part.mentor)}
        fallback |= {m.programme_id for m in own.values()}
        discussed = [d.mentorship.pk for d in part.discussed]
        if len(set(discussed)) != len(discussed):
            raise Refused(_("Choose from the options given."))
        for item in part.discussed:
            if item.mentorship.pk not in own:
                raise Refused(_("A session discusses only the mentor's own mentorships."))
            programmes.add(own[item.mentorship.pk].programme_id)
    for action in data.actions:
        if action.mentor.pk not in mentors or action.owner not in Owner.values:
            raise Refused(_("Choose from the options given."))
        if not action.text.strip():
            raise Refused(_("Say what the action is."))
        if action.due_on < data.held_on:
            raise Refused(_("An action falls due after the session."))
    if correcting is not None:
        programmes.add(correcting.programme_id)
    if len(programmes) > 1:
        raise Refused(_("A session discusses the mentorships of one programme."))
    if programmes:
        return programmes.pop()
    if not fallback:
        raise Refused(_("Sessions are held with the mentors you supervise."))
    return min(fallback)


def _add_actions(participants: dict[int, Participant], actions: list[ActionData]) -> int:
    AgreedAction.objects.bulk_create(
        AgreedAction(
            participant=participants[a.mentor.pk],
            text=a.text.strip(),
            owner=a.owner,
            due_on=a.due_on,
        )
        for a in actions
    )
    return len(actions)


def _fields(data: SessionData) -> list[str]:
    named = ["held_on", "format", "mentors", "caseload"]
    if data.next_on:
        named.append("next_on")
    parts = data.parts
    if any(getattr(p, name) is not None for p in parts for name in WELLBEING):
        named.append("wellbeing")
    if any(p.hours is not None for p in parts):
        named.append("hours")
    if any(p.discussed for p in parts):
        named.append("mentorships_discussed")
    if any(d.facts for p in parts for d in p.discussed):
        named.append("facts")
    if any(d.guidance for p in parts for d in p.discussed):
        named.append("guidance")
    if data.actions:
        named.append("actions")
    return named


def _detail(data: SessionData) -> str:
    """The mentors and the mentorships discussed, as record references the trail words."""
    mentors = " and ".join(f"mentors.mentor #{p.mentor.pk}" for p in data.parts)
    discussed = " and ".join(
        f"mentorships.mentorship #{d.mentorship.pk}" for p in data.parts for d in p.discussed
    )
    return f"with {mentors}" + (f" on {discussed}" if discussed else "")


@transaction.atomic
def session_record(*, actor: User, data: SessionData) -> Session:
    """Record a session the coach held with one of their mentors, or a group of them."""
    if not access.can_record_supervision(actor):
        raise Refused(_("Sessions are recorded by the coach of the mentors."))
    coach = access.own_mentor_profile(actor)
    if coach is None:
        raise Refused(_("Sessions are recorded by the coach of the mentors."))
    programme_id = _check(actor, data)
    session = Session.objects.create(
        programme_id=programme_id,
        coach=coach,
        held_on=data.held_on,
        format=data.format,
        next_on=data.next_on,
        recorded_by=actor,
    )
    participants: dict[int, Participant] = {}
    for part in data.parts:
        participant = Participant.objects.create(
            session=session,
            mentor=part.mentor,
            caseload=part.caseload,
            hours=part.hours,
            **{name: getattr(part, name) for name in WELLBEING},
        )
        participants[part.mentor.pk] = participant
        Discussion.objects.bulk_create(
            Discussion(
                participant=participant,
                mentorship=item.mentorship,
                facts=item.facts.strip(),
                guidance=item.guidance.strip(),
            )
            for item in part.discussed
        )
    _add_actions(participants, data.actions)
    record(
        actor=actor, action=Action.CREATE, obj=session, fields=_fields(data), detail=_detail(data)
    )
    return session


def _snapshot(session: Session) -> str:
    parts = []
    for part in session.participants.prefetch_related("discussions"):
        parts.append(
            {
                "mentor": part.mentor_id,
                "caseload": part.caseload,
                "hours": part.hours,
                **{name: getattr(part, name) for name in WELLBEING},
                "confirmed_at": part.confirmed_at,
                "discussed": [
                    {"mentorship": d.mentorship_id, "facts": d.facts, "guidance": d.guidance}
                    for d in part.discussions.all()
                ],
            }
        )
    earlier = {
        "held_on": session.held_on,
        "format": session.format,
        "next_on": session.next_on,
        "parts": parts,
    }
    return json.dumps(earlier, default=str, sort_keys=True)


@transaction.atomic
def session_correct(
    *, actor: User, session: Session, version: int, data: SessionData, reason: str
) -> Session:
    """Correct a session: the coach who held it changes what was recorded and may add
    mentorships discussed and actions; the mentors stay the same, nothing recorded is taken
    away, and the session as it was is kept. The mentors confirm the corrected record again."""
    if not access.can_correct_supervision(actor, session):
        raise Refused(_("A session is corrected by the coach who held it."))
    participants = {p.mentor_id: p for p in session.participants.select_related("mentor")}
    if sorted(participants) != sorted(p.mentor.pk for p in data.parts):
        raise Refused(_("The mentors of a session stay the same."))
    _check(actor, data, correcting=session)
    claim_version(session, version)
    SessionRevision.objects.create(
        session=session, earlier=_snapshot(session), reason=reason.strip(), changed_by=actor
    )
    session.held_on, session.format, session.next_on = data.held_on, data.format, data.next_on
    session.save()
    for part in data.parts:
        participant = participants[part.mentor.pk]
        participant.caseload, participant.hours = part.caseload, part.hours
        for name in WELLBEING:
            setattr(participant, name, getattr(part, name))
        participant.confirmed_at = None
        participant.save()
        kept = {d.mentorship_id: d for d in participant.discussions.all()}
        for item in part.discussed:
            discussion = kept.get(item.mentorship.pk) or Discussion(
                participant=participant, mentorship=item.mentorship
            )
            discussion.facts, discussion.guidance = item.facts.strip(), item.guidance.strip()
            discussion.save()
    _add_actions(participants, data.actions)
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=session,
        fields=[*_fields(data), *(["reason"] if reason.strip() else [])],
        detail=_detail(data),
    )
    return session


@transaction.atomic
def session_confirm(*, actor: User, part: Participant) -> Participant:
    """The mentor confirms their part of the session as recorded."""
    if not access.can_confirm_supervision(actor, part):
        raise Refused(_("A mentor confirms their own part of a session, once."))
    part.confirmed_at = timezone.now()
    part.save(update_fields=["confirmed_at"])
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=part.session,
        fields=["confirmed_at"],
        detail=f"by mentors.mentor #{part.mentor_id}",
    )
    return part


@transaction.atomic
def action_mark_done(*, actor: User, action: AgreedAction) -> AgreedAction:
    """Its owner or the coach marks an agreed action done."""
    if not access.can_mark_action_done(actor, action):
        raise Refused(_("An open action is marked done by its owner or the coach."))
    action.done_at = timezone.now()
    action.done_by = actor
    action.save(update_fields=["done_at", "done_by"])
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=action,
        fields=["done_at"],
        detail=f"of supervision.session #{action.participant.session_id}",
    )
    return action
