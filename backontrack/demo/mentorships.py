"""Demo mentorships in every phase and state, with months of meetings, goals and check-ins.

Each story goes through the real services in the order it happened — match, activation,
meetings, goals, custody events, phases, reallocation, pause, closure — as the mentor, the
coordinator and the custody record would have done it. The services stamp their rows with
the time they ran; the loader then dates each row to the day of the story it belongs to,
so that the timeline, the 48-hour edit rule and the alerts look as they would after months
of work. Every text is synthetic."""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial

from django.db.models import Model, QuerySet
from django.utils import timezone

from backontrack.accounts.models import Institution, User
from backontrack.mentees import services as mentees
from backontrack.mentees.models import CustodyStatus, Mentee
from backontrack.mentors.models import Mentor
from backontrack.mentorships import services
from backontrack.mentorships.models import (
    CheckIn,
    Goal,
    GoalStatus,
    Meeting,
    Mentorship,
    MentorshipChange,
    MentorshipStatus,
    Phase,
    Plan,
    ReentryPlan,
)
from backontrack.referrals.models import Status

from .guard import demo_only
from .referrals import date_moves, mentee_data, refer

# What the mentor and the mentee talked about, by topic. One sentence per topic touched.
FACTS = {
    "everyday": [
        "Vi talte et skænderi i telefonkøen igennem; denne gang gik han sin vej.",
        "Vi gennemgik hans uge: arbejde i vaskeriet, fodbold om torsdagen.",
        "Han var vred over et afslået besøg; vi skrev klagen sammen.",
        "Vi talte om, hvordan han håndterer de betjente, der provokerer ham.",
    ],
    "motivation": [
        "Vi talte om, hvordan han vil have, at hans liv ser ud om fem år.",
        "Han vil ikke have, at hans lillebror ender, hvor han selv er.",
        "Vi gennemgik, hvad der fik ham til at stoppe, sidst han blev fristet.",
        "Han sagde for første gang, at han vil gøre sin uddannelse færdig.",
    ],
    "relations": [
        "Vi talte om, hvilke af vennerne udenfor han vil beholde.",
        "Han er kommet med i skakgruppen på afdelingen og har det godt med to af de andre.",
        "En fætter fra den gamle gruppe bliver ved med at skrive; han har ikke svaret.",
        "Han mødte en frivillig fra fodboldklubben, som vil mødes med ham efter løsladelsen.",
    ],
    "family": [
        "Hans mor kom på besøg søndag for første gang i et år.",
        "Vi skrev et brev til hans datter sammen.",
        "Hans søster ringede; han vil have hende med til næste familiemøde.",
        "Vi talte om, hvordan han fortæller sin far om dommen.",
    ],
    "re_entry": [
        "Vi gennemgik kommunens ansøgningsskema om bolig.",
        "Vi talte om svejsekurset på erhvervsskolen; papirerne er sendt.",
        "Vi øvede jobsamtalen på lageret.",
        "Vi lavede et budget for den første måned efter løsladelsen.",
    ],
    "ideology": [
        "Vi drøftede en video, han havde set; han spurgte, hvor tallene kom fra.",
        "Han fortalte, hvad gruppen gav ham: et sted at høre til.",
        "Vi læste en tekst sammen og talte om, hvem den udelukker.",
    ],
    "wellbeing": [
        "Han sover dårligt; han vil bede sygeplejersken om en tid.",
        "Vi talte om, hvordan han klarer at være låst inde i weekenderne.",
    ],
}
ASSESSMENTS = [
    "Virker mere åben end sidste måned.",
    "Stadig på vagt, når den gamle gruppe kommer på tale.",
    "Træt og nedtrykt; værd at holde øje med.",
    "Tager mere initiativ end før.",
]
FOLLOW_UPS = [
    "Spørg afdelingsbetjenten om besøgslisten.",
    "Tag kursusbrochuren med næste gang.",
    "Ring til boligkontoret inden fredag.",
    "Spørg coachen om et familiemøde.",
]
CHECK_IN_NOTES = [
    "Begge siger, at møderne går godt.",
    "Mentoren bad om råd om familiemødet; coachen følger op.",
    "Aftalt at holde den ugentlige rytme indtil løsladelsen.",
    "Menteen siger, at mentoren er den eneste, han kan tale med.",
]
# By phase: the topics talked about and the kinds of meeting, with weights.
TOPICS = {
    Phase.REMAND: ["everyday", "wellbeing", "family", "ideology", "motivation"],
    Phase.SENTENCE: ["everyday", "motivation", "relations", "family", "ideology"],
    Phase.RE_ENTRY: ["re_entry", "family", "relations", "motivation"],
    Phase.AFTERCARE: ["re_entry", "relations", "everyday", "motivation"],
}
KINDS = {
    Phase.REMAND: {"prison_visit": 8, "phone": 2},
    Phase.SENTENCE: {"prison_visit": 7, "phone": 1, "video": 1, "family": 1},
    Phase.RE_ENTRY: {"prison_visit": 5, "accompanied_leave": 2, "phone": 1, "family": 2},
    Phase.AFTERCARE: {"community": 6, "phone": 2, "video": 1, "family": 1},
}
NOT_HELD = {
    Phase.REMAND: ["lockdown", "lockdown", "transfer", "illness"],
    Phase.SENTENCE: ["lockdown", "illness", "declined", "mentor"],
    Phase.RE_ENTRY: ["lockdown", "illness", "mentor"],
    Phase.AFTERCARE: ["illness", "mentor", "declined"],
}


@dataclass
class GoalPlan:
    area: str
    title: str
    set_on: int  # days after the start
    target: int  # days after the start
    progress: int  # where it ended, or stands today
    status: str = GoalStatus.ACTIVE
    done_on: int | None = None  # days after the start the outcome was recorded
    outcome_reason: str = ""
    steps: str = ""


@dataclass
class Person:
    """Someone in the mentee's network; both consents given `consented` days ago (None: the
    mentee has not agreed), perhaps withdrawn since, and the times they were involved."""

    name: str
    relation: str
    influence: str
    closeness: str
    consented: int | None
    withdrawn: int | None = None
    involved: list[tuple[int, str, str]] = field(default_factory=list)  # days ago, kind, note


@dataclass
class Step:
    days_ago: int
    kind: str  # release_date, sentencing, release, transfer, reallocate, pause, plan, close
    detail: dict[str, object] = field(default_factory=dict)


@dataclass
class Story:
    custody: str  # the custody status of the person chosen
    criterion: str
    mentor: str
    coach: str
    started: int | None  # days ago the initial meeting took place; None: never activated
    frequency: str = "weekly"
    engagement: tuple[str, ...] = ("some", "high")  # from first meetings to the latest
    goals: list[GoalPlan] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    constraints: str = "Besøg på hverdage i besøgsrummet; ingen udgang endnu."
    quiet_since: int | None = None  # days ago: every meeting since was cancelled
    check_in_late: bool = False  # the latest check-in has not been done
    matched: int = 0  # days ago the match was made (default: 12 days before the start)
    network: list["Person"] = field(default_factory=list)


STORIES = [
    # Remand: three months of weekly visits; a lockdown has stopped them for 18 days.
    Story(
        custody=CustodyStatus.REMAND,
        criterion="charged_with_terrorism",
        mentor="mentor01",
        coach="mentor02",
        started=100,
        engagement=("low", "some", "some"),
        constraints="Varetægt med restriktioner: breve læses, besøg er overvågede.",
        quiet_since=18,
        steps=[
            Step(
                80,
                "review",
                {
                    "occasion": "intake",
                    "values": {
                        "prosocial_ties": 0,
                        "group_ties": 1,
                        "conflict_handling": 1,
                        "grievance": 2,
                    },
                },
            ),
        ],
        goals=[
            GoalPlan("everyday", "Komme igennem varetægten uden disciplinærsager", 10, 120, 50),
            GoalPlan("family", "Få besøg af sin mor under opsyn", 20, 90, 100, "achieved", 60),
        ],
    ),
    # Re-entry: seven months; release in 25 days; housing and a course are being arranged.
    Story(
        custody=CustodyStatus.SENTENCED,
        criterion="convicted_of_terrorism",
        mentor="mentor04",
        coach="mentor01",
        started=220,
        network=[
            Person(
                "Fatima (mor)",
                "parent",
                "supportive",
                "close",
                200,
                involved=[
                    (150, "family_meeting", "Planlagde, hvor han skal bo."),
                    (40, "joint_meeting", "Så lejligheden, som kommunen har tilbudt."),
                ],
            ),
            Person(
                "Lars (arbejdsgiver)",
                "employer",
                "supportive",
                "some",
                90,
                involved=[(30, "call", "Lageret holder jobbet åbent til løsladelsen.")],
            ),
            Person("Bilal (gammel ven)", "friend", "extremist", "distant", None),
        ],
        engagement=("some", "high", "high"),
        constraints="Besøg på hverdage; udgang med ledsager to gange om måneden fra udslusningen.",
        steps=[
            Step(
                200,
                "review",
                {
                    "occasion": "intake",
                    "values": {
                        "prosocial_ties": 0,
                        "group_ties": 2,
                        "conflict_handling": 1,
                        "violence_endorsed": 1,
                        "motivation_change": 1,
                        "stable_housing": 0,
                        "occupation": 0,
                    },
                },
            ),
            Step(
                30,
                "review",
                {
                    "occasion": "periodic",
                    "values": {
                        "prosocial_ties": 1,
                        "group_ties": 1,
                        "conflict_handling": 2,
                        "violence_endorsed": 0,
                        "motivation_change": 2,
                        "stable_housing": 1,
                        "occupation": 2,
                    },
                },
            ),
            Step(65, "release_date", {"release_in": 25}),
            Step(
                60,
                "plan",
                {"text": "Udgang med ledsager to gange om måneden; besøg i jobcentret aftalt."},
            ),
            Step(
                50,
                "need",
                {
                    "domain": "employment",
                    "status": "secured",
                    "notes": "Lageret holder hans job åbent.",
                },
            ),
            Step(
                35,
                "need",
                {
                    "domain": "housing",
                    "status": "in_progress",
                    "notes": "Et værelse er tilbudt; venter på kommunen.",
                },
            ),
            Step(
                20,
                "need",
                {
                    "domain": "finances",
                    "status": "secured",
                    "notes": "Bankkonto og sundhedskort bestilt.",
                },
            ),
            Step(
                15,
                "need",
                {
                    "domain": "family",
                    "status": "in_progress",
                    "notes": "Familiemøde med hans mor planlagt.",
                },
            ),
        ],
        goals=[
            GoalPlan("re_entry", "En lejlighed eller et værelse på løsladelsesdagen", 150, 245, 60),
            GoalPlan("re_entry", "En plads på svejsekurset", 120, 250, 80),
            GoalPlan(
                "relations",
                "Komme med til fodboldklubbens træning om tirsdagen",
                60,
                200,
                100,
                "achieved",
                180,
            ),
            GoalPlan(
                "motivation",
                "Skrive ned, hvad han vil med livet udenfor",
                10,
                60,
                100,
                "achieved",
                55,
            ),
        ],
    ),
    # Aftercare: eleven months; released on licence two months ago; a check-in is overdue.
    Story(
        custody=CustodyStatus.SENTENCED,
        criterion="hate_crime",
        mentor="mentor07",
        coach="mentor02",
        started=330,
        network=[
            Person(
                "Hassan (bror)",
                "sibling",
                "supportive",
                "close",
                300,
                involved=[
                    (200, "family_meeting", "Planlagde de første uger efter løsladelsen."),
                    (50, "joint_meeting", "Mødtes i brorens lejlighed; talte om jobbet."),
                ],
            ),
        ],
        frequency="fortnightly",
        engagement=("low", "some", "high", "high"),
        check_in_late=True,
        steps=[
            Step(
                310,
                "review",
                {
                    "occasion": "intake",
                    "values": {
                        "prosocial_ties": 0,
                        "group_ties": 2,
                        "grievance": 2,
                        "violence_endorsed": 2,
                        "openness": 0,
                        "motivation_change": 0,
                    },
                },
            ),
            Step(
                140,
                "review",
                {
                    "occasion": "periodic",
                    "values": {
                        "prosocial_ties": 1,
                        "group_ties": 1,
                        "grievance": 1,
                        "violence_endorsed": 1,
                        "openness": 1,
                        "motivation_change": 1,
                        "stable_housing": 1,
                    },
                },
            ),
            Step(
                70,
                "review",
                {
                    "occasion": "pre_release",
                    "values": {
                        "prosocial_ties": 2,
                        "group_ties": 1,
                        "grievance": 1,
                        "violence_endorsed": 0,
                        "openness": 1,
                        "motivation_change": 2,
                        "stable_housing": 2,
                        "occupation": 2,
                    },
                },
            ),
            Step(150, "release_date", {"release_in": -60}),
            Step(
                120,
                "need",
                {
                    "domain": "housing",
                    "status": "secured",
                    "notes": "Et værelse i brorens lejlighed.",
                },
            ),
            Step(
                90,
                "need",
                {
                    "domain": "employment",
                    "status": "secured",
                    "notes": "Job på lageret fra første mandag.",
                },
            ),
            Step(
                70,
                "need",
                {
                    "domain": "finances",
                    "status": "secured",
                    "notes": "ID-kort og bankkonto er klar.",
                },
            ),
            Step(
                65,
                "need",
                {
                    "domain": "health",
                    "status": "not_needed",
                    "notes": "Ingen behandling nødvendig.",
                },
            ),
            Step(60, "release", {"kind": "release_on_licence"}),
        ],
        goals=[
            GoalPlan(
                "re_entry",
                "Beholde jobbet på lageret gennem prøvetiden",
                275,
                360,
                40,
            ),
            GoalPlan(
                "relations",
                "Holde op med at mødes med den gamle gruppe i fitnesscentret",
                30,
                200,
                70,
                "partly",
                250,
                "Ser stadig en af dem, men ikke gruppen.",
            ),
            GoalPlan("family", "Få kontakt med sin far igen", 60, 180, 100, "achieved", 150),
            GoalPlan(
                "everyday",
                "Vredeshåndteringskursus i fængslet",
                20,
                120,
                30,
                "dropped",
                100,
                "Fængslet aflyste kurset.",
            ),
        ],
    ),
    # Paused: five months in the sentence phase; the person was placed in the secure unit.
    Story(
        custody=CustodyStatus.SENTENCED,
        criterion="convicted_of_terrorism",
        mentor="mentor02",
        coach="mentor01",
        started=160,
        engagement=("some", "some", "low"),
        steps=[
            Step(
                140,
                "review",
                {
                    "occasion": "intake",
                    "values": {
                        "prosocial_ties": 1,
                        "group_ties": 1,
                        "violence_endorsed": 1,
                        "motivation_change": 1,
                    },
                },
            ),
            Step(
                12,
                "pause",
                {
                    "reason": "Anbragt i sikringsafdelingen efter en hændelse på "
                    "afdelingen; besøg er stillet i bero til revurderingen."
                },
            ),
        ],
        goals=[
            GoalPlan("motivation", "Gøre skolemodulet i fængslet færdigt", 15, 200, 40),
            GoalPlan(
                "relations", "Finde én person på afdelingen uden for den gamle gruppe", 30, 150, 20
            ),
        ],
    ),
    # Reallocated: transferred to a distant prison; the mentor there took over.
    Story(
        custody=CustodyStatus.SENTENCED,
        criterion="vulnerable",
        mentor="mentor03",
        coach="mentor02",
        started=190,
        frequency="weekly",
        engagement=("some", "high", "some", "high"),
        steps=[
            Step(
                175,
                "review",
                {
                    "occasion": "intake",
                    "values": {"prosocial_ties": 1, "conflict_handling": 0, "motivation_change": 1},
                },
            ),
            Step(70, "transfer", {"institution": "Statsfængslet Østjylland"}),
            Step(
                63,
                "reallocate",
                {
                    "mentor": "mentor05",
                    "reason": "transfer",
                    "note": "Overført til Østjylland; for langt væk til ugentlige besøg.",
                },
            ),
        ],
        goals=[
            GoalPlan("everyday", "Bede om hjælp, før en konflikt optrappes", 10, 150, 70),
            GoalPlan("family", "En telefonsamtale med sin datter hver uge", 40, 200, 60),
        ],
    ),
    # Completed: fourteen months from the sentence through release to aftercare.
    Story(
        custody=CustodyStatus.SENTENCED,
        criterion="convicted_of_terrorism",
        mentor="mentor01",
        coach="mentor02",
        started=430,
        frequency="fortnightly",
        engagement=("low", "some", "high", "high"),
        steps=[
            Step(250, "release_date", {"release_in": -160}),
            Step(
                220,
                "need",
                {"domain": "housing", "status": "secured", "notes": "Lejlighed fra kommunen."},
            ),
            Step(
                200,
                "need",
                {
                    "domain": "education",
                    "status": "secured",
                    "notes": "Plads på erhvervsskolen.",
                },
            ),
            Step(
                180,
                "need",
                {"domain": "finances", "status": "secured", "notes": "Gældsrådgivning aftalt."},
            ),
            Step(
                170,
                "need",
                {
                    "domain": "social",
                    "status": "in_progress",
                    "notes": "Fodboldklubben er kontaktet.",
                },
            ),
            Step(160, "release", {"kind": "release_on_licence"}),
            Step(
                20,
                "close",
                {
                    "closure_type": "completed",
                    "reason": "Det planlagte år efter "
                    "løsladelsen er gået; han har en lejlighed, et job og en fodboldklub.",
                    "mentee": "held",
                    "mentor": "held",
                    "contact": "agreed",
                    "rematch": True,
                },
            ),
        ],
        goals=[
            GoalPlan("re_entry", "En lejlighed for sig selv", 150, 300, 100, "achieved", 270),
            GoalPlan("re_entry", "Et job eller en læreplads", 180, 360, 100, "achieved", 330),
            GoalPlan(
                "relations",
                "En klub eller gruppe uden for den gamle kreds",
                200,
                380,
                100,
                "achieved",
                350,
            ),
            GoalPlan(
                "motivation",
                "Ingen kontakt med den gamle gruppe",
                10,
                400,
                80,
                "partly",
                405,
                "Ét møde med en gammel ven; han fortalte selv mentoren om det.",
            ),
        ],
    ),
    # Ended early: the person withdrew after four months.
    Story(
        custody=CustodyStatus.SENTENCED,
        criterion="hate_crime",
        mentor="mentor03",
        coach="mentor01",
        started=300,
        engagement=("some", "low", "none"),
        steps=[
            Step(
                170,
                "close",
                {
                    "closure_type": "ended_early",
                    "reason": "Han trak sig, efter at han "
                    "kom med i en anden gruppe på afdelingen; han kan spørge igen.",
                    "mentee": "declined",
                    "mentor": "held",
                    "contact": "programme",
                    "rematch": True,
                },
            ),
        ],
        goals=[
            GoalPlan(
                "everyday", "Ingen slåskampe på afdelingen i en måned", 10, 60, 100, "achieved", 50
            ),
            GoalPlan(
                "relations",
                "Tale med imamen om gruppen",
                60,
                140,
                10,
                "not_achieved",
                128,
                "Han ville ikke mødes med imamen.",
            ),
        ],
    ),
    # Cancelled: the person was extradited before the initial meeting.
    Story(
        custody=CustodyStatus.SENTENCED,
        criterion="convicted_of_terrorism",
        mentor="mentor07",
        coach="mentor02",
        started=None,
        matched=95,
        steps=[
            Step(
                80,
                "close",
                {
                    "closure_type": "cancelled",
                    "reason": "Udleveret til at afsone dommen i sit hjemland før det første møde.",
                    "rematch": False,
                },
            ),
        ],
    ),
]


def _at(day: date, hour: int = 17) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


class _Dating:
    """Dates the rows a service just wrote to the day of the story they belong to: every
    row of the story stamped later than the loader began."""

    def __init__(self, mentorship: Mentorship, began: datetime) -> None:
        self.mentorship = mentorship
        self.began = began

    def _fresh(self, queryset: QuerySet[Model], stamp: str) -> QuerySet[Model]:
        return queryset.filter(**{f"{stamp}__gte": self.began})

    def to(self, day: date, *only: str) -> None:
        """Date the fresh rows to `day`: of every kind, or only of the kinds named (changes,
        mentorship, meetings, goals, checkins, plan) — the loader knows what it just wrote."""
        at = _at(day)
        m = self.mentorship
        every = not only
        if every or "changes" in only:
            self._fresh(MentorshipChange.objects.filter(mentorship=m), "occurred_at").update(
                occurred_at=at
            )
        if every or "mentorship" in only:
            mine = Mentorship.objects.filter(pk=m.pk)
            self._fresh(mine, "status_changed_at").update(status_changed_at=at)
            self._fresh(mine, "created_at").update(created_at=at)
            # A service saving this instance later must not write the old stamps back.
            m.refresh_from_db(fields=["created_at", "status_changed_at"])
        if every or "meetings" in only:
            self._fresh(Meeting.objects.filter(mentorship=m), "recorded_at").update(
                recorded_at=at, updated_at=at
            )
        if every or "goals" in only:
            goals = Goal.objects.filter(mentorship=m)
            self._fresh(goals, "created_at").update(created_at=at)
            self._fresh(goals, "updated_at").update(updated_at=at)
        if every or "checkins" in only:
            self._fresh(CheckIn.objects.filter(mentorship=m), "recorded_at").update(recorded_at=at)
        if every or "plan" in only:
            self._fresh(Plan.objects.filter(mentorship=m), "updated_at").update(updated_at=at)


# What a loader step does, in order within a day, and which rows it writes (see `_Dating.to`;
# none named: every kind).
Action = tuple[date, int, Callable[[], None], tuple[str, ...]]
GOAL_ROWS = ("goals", "changes")
PLAN_ROWS = ("plan", "changes")


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _meeting_days(start: date, end: date, paused: date | None) -> list[date]:
    """Every week from the start; a fortnightly mentorship skips every other week while in
    custody (see `_Runner.meet`)."""
    every = 7
    days, day = [], start + timedelta(days=every)
    while day < end and (paused is None or day < paused):
        days.append(day)
        day += timedelta(days=every)
    return days


class _Runner:
    def __init__(
        self, story: Story, mentorship: Mentorship, today: date, seed: int, began: datetime
    ) -> None:
        self.story = story
        self.mentorship = mentorship
        self.today = today
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
        self.dating = _Dating(mentorship, began)
        self.coordinator = User.objects.get(username="coordinator")
        self.goals: dict[int, Goal] = {}

    def reload(self) -> Mentorship:
        """The mentorship as it is now (a service may have moved it on), with its mentor."""
        self.mentorship = Mentorship.objects.select_related("mentor__user").get(
            pk=self.mentorship.pk
        )
        self.dating.mentorship = self.mentorship
        return self.mentorship

    @property
    def mentor(self) -> User:
        user = self.mentorship.mentor.user
        if user is None:
            raise ValueError("Every demo mentor has an account.")
        return user

    def run(self) -> None:
        story, today = self.story, self.today
        start = today - timedelta(days=story.started or 0)
        close = next((s for s in story.steps if s.kind == "close"), None)
        pause = next((s for s in story.steps if s.kind == "pause"), None)
        end = today - timedelta(days=close.days_ago) if close else today
        actions: list[Action] = []
        actions.append((start, 0, partial(self.activate, start), ()))
        actions.append(
            (start + timedelta(days=3), 1, partial(self.plan, story.constraints), PLAN_ROWS)
        )
        meeting_days = _meeting_days(
            start, end, today - timedelta(days=pause.days_ago) if pause else None
        )
        for n, day in enumerate(meeting_days):
            stage = min(
                n * len(story.engagement) // max(len(meeting_days), 1), len(story.engagement) - 1
            )
            quiet = story.quiet_since is not None and day >= today - timedelta(
                days=story.quiet_since
            )
            actions.append(
                (
                    day,
                    5,
                    partial(self.meet, n, day, story.engagement[stage], quiet),
                    ("meetings",),
                )
            )
        for day in self.check_in_days(start, end):
            actions.append((day, 4, partial(self.check_in, day), ("checkins",)))
        for number, goal in enumerate(story.goals):
            actions += self.goal_actions(number, goal, start, end)
        for step in story.steps:
            actions.append((today - timedelta(days=step.days_ago), 3, partial(self.step, step), ()))
        for day, _order, action, rows in sorted(actions, key=lambda a: (a[0], a[1])):
            self.reload()
            action()
            self.dating.to(day, *rows)

    def check_in_days(self, start: date, end: date) -> list[date]:
        days = [start + timedelta(days=12), start + timedelta(days=27)]
        while days[-1] + timedelta(days=29) <= end:
            days.append(days[-1] + timedelta(days=29))
        if self.story.check_in_late:
            days.pop()
        return [day for day in days if day <= end]

    def activate(self, start: date) -> None:
        m = self.mentorship
        services.mentorship_activate(
            actor=self.coordinator,
            mentorship=m,
            version=m.version,
            agreement=services.Agreement(
                initial_meeting_on=start,
                initial_meeting_with=self.rng.choice(["coach", "coordinator"]),
                agreement_signed_on=start,
                meeting_frequency=self.story.frequency,
                planned_months=12 if self.story.started and self.story.started < 365 else 18,
                roles_agreed="Fiktivt: mentoren kommer på besøg som aftalt; coachen følger op "
                "hver måned; koordinatoren holder opfølgningssamtaler.",
                safety_rules="Fiktivt: ingen private kontaktoplysninger; møder, hvor personalet "
                "kan se dem; bekymringer går til koordinatoren samme dag.",
            ),
        )

    def plan(self, text: str) -> None:
        existing = Plan.objects.filter(mentorship=self.mentorship).first()
        services.plan_save(
            actor=self.mentor,
            mentorship=self.mentorship,
            version=existing.version if existing else None,
            custody_constraints=f"Fiktivt: {text}",
        )

    def meet(self, week: int, day: date, engagement: str, quiet: bool) -> None:
        rng, m = self.rng, self.mentorship
        phase = m.phase
        # Fortnightly in custody; weekly in aftercare, where a week without a meeting is
        # already a week too long.
        if self.story.frequency == "fortnightly" and week % 2 and phase != Phase.AFTERCARE:
            return
        held = not quiet and rng.random() > 0.12
        kind = _pick(rng, KINDS[Phase(phase)])
        topics = sorted(rng.sample(TOPICS[Phase(phase)], k=rng.choice([1, 2, 2])))
        participants = ["mentee", "mentor"]
        if kind == "family":
            participants.append("family")
        if kind == "accompanied_leave":
            participants.append("staff")
        why = "lockdown" if quiet else rng.choice(NOT_HELD[Phase(phase)])
        outcome = (
            "held"
            if held
            else ("no_show" if why == "declined" and phase == Phase.AFTERCARE else "cancelled")
        )
        goals = [
            g
            for g in Goal.objects.filter(mentorship=m, status=GoalStatus.ACTIVE)
            if g.area in topics
        ]
        services.meeting_record(
            actor=self.mentor,
            mentorship=m,
            data=services.MeetingData(
                occurred_on=day,
                kind=kind
                if held
                else ("prison_visit" if phase != Phase.AFTERCARE else "community"),
                outcome=outcome,
                not_held_reason="" if held else why,
                duration_minutes=rng.choice([45, 60, 60, 75, 90]) if held else None,
                participants=participants if held else [],
                topics=topics if held else [],
                engagement=engagement if held else "",
                facts=" ".join(f"Fiktivt: {rng.choice(FACTS[t])}" for t in topics if t in FACTS)
                if held
                else "",
                assessment=f"Fiktivt: {rng.choice(ASSESSMENTS)}"
                if held and rng.random() < 0.4
                else "",
                follow_up=f"Fiktivt: {rng.choice(FOLLOW_UPS)}"
                if held and rng.random() < 0.3
                else "",
            ),
            goals=goals if held else [],
        )

    def check_in(self, day: date) -> None:
        if self.mentorship.status not in services.ONGOING:
            return
        services.check_in_record(
            actor=self.coordinator,
            mentorship=self.mentorship,
            occurred_on=day,
            how=self.rng.choice(["phone", "meeting", "video"]),
            note=f"Fiktivt: {self.rng.choice(CHECK_IN_NOTES)}",
        )

    def goal_actions(self, number: int, plan: GoalPlan, start: date, end: date) -> list[Action]:
        set_on = start + timedelta(days=plan.set_on)
        done_on = start + timedelta(days=plan.done_on) if plan.done_on is not None else None
        last = min(done_on or end, end)
        actions: list[Action] = [
            (set_on, 2, partial(self.goal_set, number, plan, start), GOAL_ROWS)
        ]
        # Progress noted a few times on the way to where it stands.
        span = (last - set_on).days
        for k in (1, 2, 3):
            day = set_on + timedelta(days=span * k // 4)
            if set_on < day < last:
                progress = plan.progress * k // 4
                actions.append(
                    (day, 6, partial(self.goal_update, number, progress, "", ""), GOAL_ROWS)
                )
        if done_on is not None and done_on <= end:
            actions.append(
                (
                    done_on,
                    6,
                    partial(
                        self.goal_update, number, plan.progress, plan.status, plan.outcome_reason
                    ),
                    GOAL_ROWS,
                )
            )
        elif plan.status == GoalStatus.ACTIVE and last > set_on:
            actions.append(
                (last, 6, partial(self.goal_update, number, plan.progress, "", ""), GOAL_ROWS)
            )
        return actions

    def goal_set(self, number: int, plan: GoalPlan, start: date) -> None:
        self.goals[number] = services.goal_create(
            actor=self.mentor,
            mentorship=self.mentorship,
            data=services.GoalData(
                area=plan.area,
                title=f"Fiktivt: {plan.title}",
                steps=plan.steps,
                target_date=start + timedelta(days=plan.target),
                progress=0,
                status=GoalStatus.ACTIVE,
                outcome_reason="",
            ),
        )

    def goal_update(self, number: int, progress: int, status: str, reason: str) -> None:
        goal = self.goals[number]
        goal.refresh_from_db()
        if self.mentorship.status not in services.ONGOING:
            return
        services.goal_update(
            actor=self.mentor,
            goal=goal,
            version=goal.version,
            data=services.GoalData(
                area=goal.area,
                title=goal.title,
                steps=goal.steps,
                target_date=goal.target_date,
                progress=progress,
                status=status or goal.status,
                outcome_reason=f"Fiktivt: {reason}" if reason else "",
            ),
        )

    def step(self, step: Step) -> None:
        m, today = self.mentorship, self.today
        day = today - timedelta(days=step.days_ago)
        mentee = Mentee.objects.get(pk=m.mentee_id)
        detail = step.detail
        if step.kind == "release_date":
            release = today + timedelta(days=int(detail["release_in"]))  # type: ignore[call-overload]
            mentees.mentee_update(
                actor=self.coordinator,
                mentee=mentee,
                version=mentee.version,
                data=mentee_data(mentee, expected_release_date=release, earliest_release_date=None),
            )
            services.phases_due(today=day)
        elif step.kind in ("sentencing", "release", "transfer"):
            kind = str(detail.get("kind", step.kind))
            where = detail.get("institution")
            mentees.custody_event_record(
                actor=self.coordinator,
                mentee=mentee,
                kind=kind,
                occurred_on=day,
                institution=Institution.objects.get(name=where) if where else None,
                note="Fiktivt: fra fængslets underretning.",
            )
        elif step.kind == "plan":
            self.plan(str(detail["text"]))
        elif step.kind == "review":
            _review(self.mentor, m, day, str(detail["occasion"]), dict(detail["values"]))  # type: ignore[call-overload]
        elif step.kind == "need":
            plan = ReentryPlan.objects.get(mentorship=m)
            _need(
                self.mentor,
                m,
                plan,
                str(detail["domain"]),
                str(detail["status"]),
                str(detail["notes"]),
            )
        elif step.kind == "reallocate":
            services.mentorship_reallocate(
                actor=self.coordinator,
                mentorship=m,
                version=m.version,
                mentor=Mentor.objects.get(user__username=detail["mentor"]),
                reason=str(detail["reason"]),
                note=f"Fiktivt: {detail['note']}",
            )
        elif step.kind == "pause":
            services.mentorship_pause_or_resume(
                actor=self.coordinator,
                mentorship=m,
                version=m.version,
                to_status=MentorshipStatus.PAUSED,
                reason=f"Fiktivt: {detail['reason']}",
            )
        elif step.kind == "close":
            close(m, day, detail, self.coordinator)


def close(m: Mentorship, day: date, detail: dict[str, object], coordinator: User) -> None:
    services.mentorship_close(
        actor=coordinator,
        mentorship=m,
        version=m.version,
        closure=services.Closure(
            closed_on=day,
            closure_type=str(detail["closure_type"]),
            closure_reason=f"Fiktivt: {detail['reason']}",
            exit_interview_mentee=str(detail.get("mentee", "")),
            exit_interview_mentor=str(detail.get("mentor", "")),
            after_closure_contact=str(detail.get("contact", "")),
            rematch_eligible=bool(detail["rematch"]),
        ),
    )


def date_proposal(mentorship: Mentorship, began: datetime) -> None:
    """A mentorship just proposed by matching is dated on the day its referral was matched."""
    assert mentorship.referral is not None  # noqa: S101 - matching always names the referral
    _Dating(mentorship, began).to(timezone.localdate(mentorship.referral.status_changed_at))


def load(*, today: date, skip: int) -> None:
    """The earliest demo match becomes the six-week-old mentorship; then each story gets
    a person of its custody status from those not referred yet."""
    demo_only()
    first = Mentorship.objects.select_related("mentor__user").order_by("id").first()
    if first is not None:
        _six_weeks(first, today)
    people = list(Mentee.objects.order_by("id")[skip:])
    coordinator = User.objects.get(username="coordinator")
    for number, story in enumerate(STORIES):
        mentee = next(
            p
            for p in people
            if p.custody_status == story.custody
            and (
                p.custody_status != CustodyStatus.SENTENCED
                or (p.expected_release_date or today) > today + timedelta(days=365)
            )
        )
        people.remove(mentee)
        matched = story.matched or (story.started or 0) + 12
        began = timezone.now()
        referral = refer(
            mentee,
            days_ago=matched + 30,
            criterion=story.criterion,
            status=Status.MATCHED,
            today=today,
            mentor=Mentor.objects.get(user__username=story.mentor),
            coach=Mentor.objects.get(user__username=story.coach),
        )
        mentorship = Mentorship.objects.get(referral=referral)
        runner = _Runner(story, mentorship, today, seed=2016 + number, began=began)
        runner.dating.to(today - timedelta(days=matched))
        if story.started is None:
            for step in story.steps:
                close(mentorship, today - timedelta(days=step.days_ago), step.detail, coordinator)
                runner.dating.to(today - timedelta(days=step.days_ago))
            continue
        runner.run()
        _network(mentorship, story.network, today)


def _network(mentorship: Mentorship, people: list[Person], today: date) -> None:
    """The people around the mentee, with their consents and involvement, as the mentor
    recorded them."""
    from backontrack.network import services as network
    from backontrack.network.models import Involvement

    mentorship = Mentorship.objects.select_related("mentor__user", "mentee").get(pk=mentorship.pk)
    mentor = mentorship.mentor.user
    if mentor is None:
        return
    for person in people:
        given = today - timedelta(days=person.consented) if person.consented else None
        member = network.member_create(
            actor=mentor,
            mentorship=mentorship,
            data=network.MemberData(
                name=person.name,
                relation=person.relation,
                influence=person.influence,
                closeness=person.closeness,
                contact_details="Fiktivt: +45 20 00 00 00" if given else "",
                mentee_consent_on=given,
                member_consent_on=given,
                notes="",
            ),
        )
        for days_ago, kind, note in person.involved:
            day = today - timedelta(days=days_ago)
            involvement = network.involvement_record(
                actor=mentor,
                mentorship=mentorship,
                member=member,
                kind=kind,
                occurred_on=day,
                meeting=None,
                note=f"Fiktivt: {note}",
            )
            Involvement.objects.filter(pk=involvement.pk).update(recorded_at=_at(day))
        if person.withdrawn is not None:
            member.refresh_from_db()
            network.consent_withdraw(
                actor=mentor,
                mentorship=mentorship,
                member=member,
                version=member.version,
                withdrawn_on=today - timedelta(days=person.withdrawn),
                withdrawn_by="member",
            )


SIX_WEEKS_NETWORK = [
    Person(
        "Sara (søster)",
        "sibling",
        "supportive",
        "close",
        38,
        involved=[(30, "call", "Bad hende komme på besøg."), (20, "visit", "Hun besøgte ham.")],
    ),
    Person("Karim (fætter)", "other", "extremist", "some", None),
    Person("Ali (far)", "parent", "negative", "distant", 36, withdrawn=10),
]


def _six_weeks(mentorship: Mentorship, today: date) -> None:
    """The earliest match: active for six weeks, with its plan, goals, a check-in and
    weekly visits, one of them cancelled for a lockdown."""
    coordinator = User.objects.get(username="coordinator")
    dating = _Dating(mentorship, began=mentorship.created_at)
    started = today - timedelta(days=42)
    dating.to(started - timedelta(days=10))
    if mentorship.referral is not None:
        date_moves(mentorship.referral, until=started - timedelta(days=10))
    services.mentorship_activate(
        actor=coordinator,
        mentorship=mentorship,
        version=mentorship.version,
        agreement=services.Agreement(
            initial_meeting_on=started,
            initial_meeting_with="coach",
            agreement_signed_on=started,
            meeting_frequency="weekly",
            planned_months=12,
            roles_agreed="Fiktivt: mentoren kommer hver uge; coachen følger op hver måned.",
            safety_rules="Fiktivt: ingen private kontaktoplysninger; møder i besøgsrummet.",
        ),
    )
    dating.to(started)
    services.check_in_record(
        actor=coordinator,
        mentorship=mentorship,
        occurred_on=started + timedelta(days=10),
        how="phone",
        note="Fiktivt: begge siger, at besøgene går godt.",
    )
    dating.to(started + timedelta(days=10))
    mentor = mentorship.mentor.user
    if mentor is None:
        return
    services.plan_save(
        actor=mentor,
        mentorship=mentorship,
        version=None,
        custody_constraints="Fiktivt: besøg på hverdage i besøgsrummet; ingen udgang endnu.",
    )
    for area, title, progress, status in (
        ("everyday", "Fiktivt: håndtere konflikter på afdelingen uden slagsmål", 40, "active"),
        ("family", "Fiktivt: et besøg af hans søster", 100, "achieved"),
        ("re_entry", "Fiktivt: en plads på svejsekurset", 20, "active"),
    ):
        services.goal_create(
            actor=mentor,
            mentorship=mentorship,
            data=services.GoalData(
                area=area,
                title=title,
                steps="",
                target_date=today + timedelta(days=60),
                progress=progress,
                status=status,
                outcome_reason="",
            ),
        )
    dating.to(started + timedelta(days=3))
    visits = [
        (
            35,
            "held",
            "",
            ["everyday", "motivation"],
            "some",
            "Vi talte om en konflikt på afdelingen.",
        ),
        (
            28,
            "held",
            "",
            ["family"],
            "high",
            "Vil gerne have besøg af sin søster; vi skrev til hende.",
        ),
        (21, "cancelled", "lockdown", [], "", ""),
        (14, "held", "", ["ideology", "relations"], "some", "Vi drøftede en video, han havde set."),
        (
            7,
            "held",
            "",
            ["re_entry", "motivation"],
            "high",
            "Spurgte til en uddannelse som svejser.",
        ),
    ]
    for days_ago, outcome, why, topics, engagement, facts in visits:
        services.meeting_record(
            actor=mentor,
            mentorship=mentorship,
            data=services.MeetingData(
                occurred_on=today - timedelta(days=days_ago),
                kind=Meeting.Kind.PRISON_VISIT,
                outcome=outcome,
                not_held_reason=why,
                duration_minutes=60 if outcome == "held" else None,
                participants=["mentee", "mentor"] if outcome == "held" else [],
                topics=topics,
                engagement=engagement,
                facts=f"Fiktivt: {facts}" if facts else "",
                assessment="",
                follow_up="",
            ),
        )
        dating.to(today - timedelta(days=days_ago))
    _network(mentorship, SIX_WEEKS_NETWORK, today)
    # The mentor started the re-entry plan early, for the welding course.
    plan = services.reentry_plan_create(actor=mentor, mentorship=mentorship)
    _need(mentor, mentorship, plan, "education", "in_progress", "Der er søgt om svejsekurset.")
    dating.to(today - timedelta(days=5))


def _review(
    actor: User, mentorship: Mentorship, day: date, occasion: str, values: dict[str, int]
) -> None:
    """A progress review on the shipped instrument; items not named are unknown."""
    from backontrack.reviews import instruments
    from backontrack.reviews import services as reviews
    from backontrack.reviews.models import Instrument

    instrument = instruments.ensure_default(Instrument)
    review = reviews.review_record(
        actor=actor,
        mentorship=mentorship,
        instrument=instrument,
        occasion=occasion,
        held_on=day,
        ratings=[
            reviews.ItemRating(item["code"], values.get(item["code"]), "")
            for item in instrument.items()
        ],
        summary="Fiktivt: gennemgået med menteen i besøgsrummet.",
    )
    type(review).objects.filter(pk=review.pk).update(recorded_at=_at(day))


def _need(
    actor: User, mentorship: Mentorship, plan: ReentryPlan, domain: str, status: str, notes: str
) -> None:
    need = plan.needs.get(domain=domain)
    services.reentry_need_update(
        actor=actor,
        mentorship=mentorship,
        need=need,
        version=need.version,
        data=services.NeedData(
            status=status,
            owner={"housing": "municipality", "employment": "job_centre"}.get(domain, "mentor"),
            due_days_before=need.due_days_before,
            notes=f"Fiktivt: {notes}",
        ),
    )
