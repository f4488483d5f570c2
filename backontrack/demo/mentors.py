"""The ten mentors of the pilot, at different stages of screening and training, with the
courses that trained them. Everything goes through the real services, as the trainer and
the coordinator would do it."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Max
from django.utils import timezone

from backontrack.accounts.models import Institution, User
from backontrack.mentors import curriculum, services
from backontrack.mentors.models import (
    CheckKind,
    CheckResult,
    CourseSession,
    Mentor,
    MentorStatus,
    MentorStatusChange,
    TrainerKind,
    TrainingModule,
)

MENTOR_MODULES = ("dialogue", "coaching", "conflict", "extremism", "family", "custody_planning")
ALL_CHECKS = [kind.value for kind in CheckKind]


@dataclass
class Plan:
    username: str
    gender: str
    languages: list[str]
    regions: list[str]
    institutions: list[str]
    competences: list[str]
    recruited_from: str
    experience: str
    capacity: int
    coach_capacity: int = 0
    status: str = MentorStatus.ACTIVE
    checks: list[str] = field(default_factory=lambda: list(ALL_CHECKS))
    pending: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    modules: tuple[str, ...] = MENTOR_MODULES  # signed off in the autumn cohort
    attended_only: tuple[str, ...] = ()  # attended, waiting for the trainer's sign-off
    early_extremism: bool = False  # trained on extremism a year ago: refresher due soon


PLANS = [
    Plan(
        "mentor01",
        "male",
        ["da", "en"],
        ["hovedstaden", "sjaelland"],
        ["Københavns Fængsler", "Horserød Fængsel"],
        ["right_wing", "family"],
        "corps",
        "Tolv år i Kriminalforsorgens mentorkorps; tidligere ungdomsarbejder.",
        2,
        coach_capacity=6,
        modules=(*MENTOR_MODULES, "coach_supervision"),
    ),
    Plan(
        "mentor02",
        "female",
        ["da", "ar", "en"],
        ["midtjylland"],
        ["Statsfængslet Østjylland", "Arresthuset i Aarhus"],
        ["religious", "family"],
        "earlier_programme",
        "Exitrådgiver i et tidligere program; socialrådgiver.",
        3,
        coach_capacity=6,
        modules=(*MENTOR_MODULES, "coach_supervision"),
    ),
    Plan(
        "mentor03",
        "male",
        ["da", "de"],
        ["sjaelland", "syddanmark"],
        ["Storstrøm Fængsel", "Nyborg Fængsel"],
        ["right_wing", "left_wing"],
        "corps",
        "Fængselsbetjent i 20 år; tillidsrepræsentant.",
        2,
    ),
    Plan(
        "mentor04",
        "female",
        ["da", "en"],
        ["hovedstaden"],
        ["Kriminalforsorgen København"],
        ["re_entry", "family"],
        "external",
        "Rådgiver i jobcentret; kender boligkontorerne i København.",
        2,
    ),
    Plan(
        "mentor05",
        "male",
        ["da", "ar", "so"],
        ["hovedstaden", "midtjylland"],
        ["Københavns Fængsler", "Arresthuset i Aarhus"],
        ["religious", "re_entry"],
        "earlier_programme",
        "Imam og ungementor; taler arabisk og somali.",
        3,
    ),
    Plan(
        "mentor06",
        "female",
        ["da"],
        ["nordjylland"],
        ["Arresthuset i Aalborg", "Kragskovhede Fængsel"],
        ["left_wing", "other_extremism"],
        "corps",
        "Underviser i fængselsundervisningen.",
        2,
        expired=["criminal_record"],
    ),
    Plan(
        "mentor07",
        "male",
        ["da", "tr"],
        ["syddanmark"],
        ["Arresthuset i Odense", "Nyborg Fængsel"],
        ["religious", "other_extremism"],
        "external",
        "Sportstræner i Odense; tidligere bandemedlem, trådte ud for 15 år siden.",
        2,
        early_extremism=True,
    ),
    Plan(
        "mentor08",
        "female",
        ["da", "fa", "en"],
        ["hovedstaden"],
        ["Københavns Fængsler", "Kriminalforsorgen København"],
        ["religious", "family"],
        "external",
        "Cand.psych.; frivillig hos flygtningefamilier.",
        2,
        status=MentorStatus.IN_TRAINING,
        modules=("dialogue", "coaching", "conflict", "extremism", "family"),
        attended_only=("custody_planning",),
    ),
    Plan(
        "mentor09",
        "male",
        ["da", "pl"],
        ["sjaelland"],
        ["Pensionen Engelsborg"],
        ["right_wing", "re_entry"],
        "corps",
        "Værkstedsleder på en pension.",
        2,
        status=MentorStatus.IN_TRAINING,
        pending=["security_vetting"],
        modules=("dialogue", "coaching"),
    ),
    Plan(
        "mentor10",
        "female",
        ["da", "en"],
        ["midtjylland"],
        [],
        [],
        "external",
        "Søgte efter et informationsmøde på biblioteket.",
        2,
        status=MentorStatus.APPLICANT,
        checks=["application"],
        pending=["interview"],
        modules=(),
    ),
]

COURSE_TRAINERS = {
    "dialogue": ("Mette Holm", "Dialog Konsult ApS", TrainerKind.CONSULTANCY),
    "coaching": ("Lars Friis", "Dialog Konsult ApS", TrainerKind.CONSULTANCY),
    "conflict": ("Karen Vinther", "Kriminalforsorgen", TrainerKind.PRISON_SERVICE),
    "extremism": ("Dr. Jakob Sand", "Justitsministeriet", TrainerKind.MINISTRY),
    "family": ("Rikke Bjerre", "Psykologpraksis Bjerre", TrainerKind.PSYCHOLOGIST),
    "custody_planning": (
        "Karen Vinther",
        "Kriminalforsorgen",
        TrainerKind.PRISON_SERVICE,
    ),
    "coach_supervision": ("Rikke Bjerre", "Psykologpraksis Bjerre", TrainerKind.PSYCHOLOGIST),
}


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def _course(
    trainer: User, module: TrainingModule, title: str, first_day: date
) -> list[CourseSession]:
    name, organisation, kind = COURSE_TRAINERS[module.code]
    course = services.course_create(
        actor=trainer,
        data=services.CourseData(
            module=module,
            title=title,
            trainer_name=name,
            trainer_organisation=organisation,
            trainer_kind=kind,
            location="Kriminalforsorgens Uddannelsescenter, Birkerød",
        ),
    )
    days = max(int(module.required_hours // 7), 1)
    return [
        services.session_add(
            actor=trainer,
            course=course,
            starts_at=_at(first_day + timedelta(days=n), 9),
            ends_at=_at(first_day + timedelta(days=n), 16),
        )
        for n in range(days)
    ]


def load(*, today: date) -> None:
    curriculum.ensure(TrainingModule)
    trainer = User.objects.get(username="trainer")
    coordinator = User.objects.get(username="coordinator")
    modules = {module.code: module for module in TrainingModule.objects.all()}
    institutions = {i.name: i for i in Institution.objects.all()}
    users = {u.username: u for u in User.objects.filter(username__startswith="mentor")}

    mentors: dict[str, Mentor] = {}
    for plan in PLANS:
        user = users[plan.username]
        mentor = services.mentor_create(
            actor=coordinator,
            data=services.MentorData(
                first_name=user.first_name,
                last_name=user.last_name,
                gender=plan.gender,
                languages=plan.languages,
                regions=plan.regions,
                competences=plan.competences,
                recruited_from=plan.recruited_from,
                prior_experience=plan.experience,
                capacity=plan.capacity,
                coach_capacity=plan.coach_capacity,
                user=user,
            ),
            institutions=[institutions[name] for name in plan.institutions],
        )
        mentors[plan.username] = mentor
        screened_on = today - timedelta(days=300)
        for kind in plan.checks + plan.pending:
            expires = None
            if kind in ("criminal_record", "security_vetting"):
                expires = (
                    today - timedelta(days=5)
                    if kind in plan.expired
                    else screened_on + timedelta(days=730)
                )
            services.check_record(
                actor=coordinator,
                mentor=mentor,
                kind=kind,
                result=CheckResult.PENDING if kind in plan.pending else CheckResult.PASSED,
                checked_on=screened_on if kind not in plan.expired else today - timedelta(days=370),
                expires_on=expires,
                note="",
            )
        if plan.status != MentorStatus.APPLICANT:
            services.mentor_move(
                actor=coordinator,
                mentor=mentor,
                version=mentor.version,
                to_status=MentorStatus.IN_TRAINING,
                reason="",
            )

    # The autumn cohort, eight months ago: one course per module, one day per seven hours.
    cohort_start = today - timedelta(days=245)
    autumn = {
        code: _course(
            trainer,
            module,
            f"{module.name_da} — efterårshold",
            cohort_start + timedelta(days=7 * n),
        )
        for n, (code, module) in enumerate(modules.items())
    }
    # A year ago, an extremism course that one mentor took before the cohort.
    early = _course(
        trainer,
        modules["extremism"],
        f"{modules['extremism'].name_da} — introduktion",
        today - timedelta(days=340),
    )
    # The current course, for the newest mentor: two sessions done, the next ones to come.
    current = _course(
        trainer,
        modules["custody_planning"],
        f"{modules['custody_planning'].name_da} — vinterhold",
        today - timedelta(days=3),
    )
    services.session_add(
        actor=trainer,
        course=current[0].course,
        starts_at=_at(today + timedelta(days=14), 9),
        ends_at=_at(today + timedelta(days=14), 12),
    )

    def attend(sessions: list[CourseSession], who: list[Mentor]) -> None:
        for session in sessions:
            services.attendance_record(
                actor=trainer,
                session=session,
                hours_by_mentor={mentor: session.hours for mentor in who},
            )

    for code, sessions in autumn.items():
        who = [
            mentors[plan.username]
            for plan in PLANS
            if code in plan.modules and not (code == "extremism" and plan.early_extremism)
        ]
        attend(sessions, who)
        last_day = timezone.localdate(sessions[-1].ends_at)
        for mentor in who:
            services.module_sign_off(
                actor=trainer,
                mentor=mentor,
                module=modules[code],
                signed_off_on=last_day,
                note="",
            )
    early_who = [mentors[plan.username] for plan in PLANS if plan.early_extremism]
    attend(early, early_who)
    for mentor in early_who:
        services.module_sign_off(
            actor=trainer,
            mentor=mentor,
            module=modules["extremism"],
            signed_off_on=timezone.localdate(early[-1].ends_at),
            note="",
        )
    attend(current, [mentors[plan.username] for plan in PLANS if plan.attended_only])

    for plan in PLANS:
        mentor = mentors[plan.username]
        mentor.refresh_from_db()
        if plan.status == MentorStatus.ACTIVE:
            # Mentor 6's criminal-record check ran out after they became active.
            if plan.expired:
                Mentor.objects.filter(pk=mentor.pk).update(status=MentorStatus.ACTIVE)
                continue
            services.mentor_move(
                actor=coordinator,
                mentor=mentor,
                version=mentor.version,
                to_status=MentorStatus.ACTIVE,
                reason="",
            )
    _date_statuses(mentors, today=today, cohort_start=cohort_start)


def _date_statuses(mentors: dict[str, Mentor], *, today: date, cohort_start: date) -> None:
    """Date each mentor's status moves on their story rather than on the day the demo was
    loaded: recruited before the screening, in training a week before their course, active
    the day after their last module was signed off."""
    for plan in PLANS:
        mentor = mentors[plan.username]
        last_sign_off = mentor.sign_offs.aggregate(last=Max("signed_off_on"))["last"]
        days = {
            MentorStatus.APPLICANT: today - timedelta(days=320),
            MentorStatus.IN_TRAINING: (today - timedelta(days=10))
            if plan.attended_only
            else cohort_start - timedelta(days=7),
            MentorStatus.ACTIVE: min(today, (last_sign_off or today) + timedelta(days=1)),
        }
        for change in mentor.status_changes.all():
            MentorStatusChange.objects.filter(pk=change.pk).update(
                occurred_at=_at(days[MentorStatus(change.to_status)], 10)
            )
        Mentor.objects.filter(pk=mentor.pk).update(
            status_changed_at=_at(days[MentorStatus(plan.status)], 10)
        )
