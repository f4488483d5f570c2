"""Demo supervision: both coaches' sessions over the months of their mentors' mentorships,
recorded, confirmed and dated through the real services.

- Aisha Karimi (`mentor02`) meets Jonas Mikkelsen (`mentor03`) every fortnight since his
  mentorship began, and Omar Haddad (`mentor05`) every fortnight for six months: his
  emotional strain rises to 4, 5 and 4 at three sessions in a row (the coordinator's alert
  fired then) and comes back down. She holds group sessions with Henrik Lund (`mentor01`)
  and Kasper Nørgaard (`mentor07`); Henrik's last was a month ago, so he is overdue.
- Henrik Lund (`mentor01`) meets Sofie Dahl (`mentor04`) about monthly through her re-entry
  case, and Aisha Karimi (`mentor02`) about her paused case.

Every text is synthetic."""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.core import access
from backontrack.mentors.models import Mentor
from backontrack.mentorships.models import OPEN_MENTORSHIP_STATUSES, Mentorship
from backontrack.supervision import services
from backontrack.supervision.models import AgreedAction, Format, Owner, Participant, Session

from .guard import demo_only

FACTS = [
    "Mentoren fortalte om et besøg, hvor mentee var vred over en afslået udgang.",
    "Vi gennemgik de seneste tre besøg og aftalerne om familiemødet.",
    "Mentee har talt mere om sin bror og den gamle gruppe.",
    "Mentoren har haft svært ved at få besøgstider på grund af personalemangel.",
    "Vi talte om, hvordan mentoren holder grænsen, når mentee ringer om aftenen.",
]
GUIDANCE = [
    "Hold fast i de faste besøgstider; aftal med afdelingen, hvem der giver besked ved aflysning.",
    "Spørg åbent ind til gruppen uden at tage diskussionen om ideologien nu.",
    "Inddrag søsteren i næste familiemøde, hvis mentee selv vil.",
    "Skriv det ned som observation og tag det med til koordinator, hvis det gentager sig.",
    "Tag en pause efter svære besøg; ring til mig samme dag, hvis det er tungt.",
]
ACTIONS = [
    ("Aftal faste besøgstider med afdelingen.", Owner.MENTOR),
    ("Send materialet om erhvervsuddannelsen til mentor.", Owner.COACH),
    ("Forbered familiemødet med søsteren.", Owner.MENTOR),
    ("Tal med koordinator om mentorens sagsmængde.", Owner.COACH),
    ("Skriv en kort plan for de næste fire uger.", Owner.MENTOR),
]
# Omar Haddad's emotional strain at his sessions, oldest first: it rises, then recovers.
STRAIN_SPELL = [2, 2, 3, 2, 3, 4, 5, 4, 3, 2, 2, 2, 2]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _mentor(username: str) -> Mentor:
    return Mentor.objects.get(user__username=username)


def _coached(coach: User, mentor: Mentor) -> list[Mentorship]:
    return list(access.supervised_mentorships(coach, mentor))


def _part(
    rng: random.Random, coach: User, mentor: Mentor, day: date, strain: int | None = None
) -> services.Part:
    discussed = [
        services.Discussed(mentorship=m, facts=rng.choice(FACTS), guidance=rng.choice(GUIDANCE))
        for m in _coached(coach, mentor)
        if m.initial_meeting_on is not None and m.initial_meeting_on <= day
    ]
    caseload = Mentorship.objects.filter(mentor=mentor, status__in=OPEN_MENTORSHIP_STATUSES).count()
    return services.Part(
        mentor=mentor,
        caseload=caseload,
        hours=rng.randint(6, 20),
        workload=rng.choice([2, 3, 3, 4]),
        strain=strain if strain is not None else rng.choice([2, 2, 3, None]),
        supported=rng.choice([4, 4, 5]),
        safe=rng.choice([4, 5, 5, None]),
        discussed=discussed,
    )


def _session(
    coach: User,
    day: date,
    parts: list[services.Part],
    *,
    every: int,
    rng: random.Random,
    today: date,
    action: bool = True,
) -> Session:
    actions = []
    if action:
        text, owner = rng.choice(ACTIONS)
        actions.append(
            services.ActionData(
                mentor=parts[0].mentor, owner=owner, text=text, due_on=day + timedelta(days=10)
            )
        )
    session = services.session_record(
        actor=coach,
        data=services.SessionData(
            held_on=day,
            format=Format.GROUP if len(parts) > 1 else rng.choice([Format.IN_PERSON, Format.VIDEO]),
            next_on=day + timedelta(days=every),
            parts=parts,
            actions=actions,
        ),
    )
    recorded_at = datetime.combine(day, time(15), tzinfo=timezone.get_current_timezone())
    Session.objects.filter(pk=session.pk).update(recorded_at=recorded_at, updated_at=recorded_at)
    # The mentors confirm within a few days; the latest session may still wait.
    for participant in Participant.objects.filter(session=session).select_related("mentor__user"):
        confirmed = day + timedelta(days=rng.randint(1, 3))
        if confirmed < today and participant.mentor.user is not None:
            services.session_confirm(actor=participant.mentor.user, part=participant)
            Participant.objects.filter(pk=participant.pk).update(
                confirmed_at=recorded_at + (confirmed - day)
            )
    # Actions whose day has passed were mostly done on time.
    for agreed in AgreedAction.objects.filter(participant__session=session).select_related(
        "participant__session__coach", "participant__mentor"
    ):
        if agreed.due_on < today - timedelta(days=3):
            mentor = agreed.participant.mentor.user
            doer = mentor if agreed.owner == Owner.MENTOR and mentor is not None else coach
            services.action_mark_done(actor=doer, action=agreed)
            AgreedAction.objects.filter(pk=agreed.pk).update(
                done_at=recorded_at + timedelta(days=rng.randint(3, 9))
            )
    return session


def _fortnightly(first: date, last: date) -> list[date]:
    days = []
    day = first
    while day <= last:
        days.append(day)
        day += timedelta(days=14)
    return days


def load(*, today: date) -> None:
    demo_only()
    rng = random.Random(1616)  # noqa: S311 - synthetic data, not secrets
    aisha, henrik = _user("mentor02"), _user("mentor01")
    jonas, omar, kasper = _mentor("mentor03"), _mentor("mentor05"), _mentor("mentor07")
    henrik_mentor, aisha_mentor, sofie = (
        _mentor("mentor01"),
        _mentor("mentor02"),
        _mentor("mentor04"),
    )
    # Aisha Karimi with Jonas Mikkelsen: fortnightly since his mentorship began six weeks ago.
    for day in _fortnightly(today - timedelta(days=39), today - timedelta(days=2)):
        _session(aisha, day, [_part(rng, aisha, jonas, day)], every=14, rng=rng, today=today)
    # With Omar Haddad: fortnightly for six months; his strain rises and recovers.
    days = _fortnightly(
        today - timedelta(days=14 * (len(STRAIN_SPELL) - 1) + 4), today - timedelta(days=4)
    )
    for day, strain in zip(days, STRAIN_SPELL, strict=True):
        _session(aisha, day, [_part(rng, aisha, omar, day, strain)], every=14, rng=rng, today=today)
    # Group sessions with Henrik Lund and Kasper Nørgaard; Kasper also alone lately.
    for days_ago in (92, 61, 31):
        day = today - timedelta(days=days_ago)
        parts = [_part(rng, aisha, henrik_mentor, day), _part(rng, aisha, kasper, day)]
        _session(aisha, day, parts, every=30, rng=rng, today=today, action=days_ago != 61)
    day = today - timedelta(days=9)
    _session(aisha, day, [_part(rng, aisha, kasper, day)], every=14, rng=rng, today=today)
    # Henrik Lund with Sofie Dahl (re-entry) about monthly, and with Aisha Karimi.
    for days_ago in (180, 150, 118, 90, 61, 33, 9):
        day = today - timedelta(days=days_ago)
        _session(henrik, day, [_part(rng, henrik, sofie, day)], every=30, rng=rng, today=today)
    for days_ago in (75, 40, 12):
        day = today - timedelta(days=days_ago)
        _session(
            henrik, day, [_part(rng, henrik, aisha_mentor, day)], every=30, rng=rng, today=today
        )
