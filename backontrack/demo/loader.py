"""Synthetic demo data. Every person and record here is invented; the database that holds
them is marked as a demo database and every page says so."""

import os
import random
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from backontrack.accounts import services as accounts
from backontrack.accounts.models import (
    Authenticator,
    Institution,
    Organisation,
    Region,
    Role,
    RoleGrant,
    User,
)
from backontrack.core.models import Installation
from backontrack.evaluation.followups import follow_ups_due_deferred, follow_ups_due_rebuild_all
from backontrack.mentees import synthetic
from backontrack.mentees.models import Mentee
from backontrack.mentors import pool
from backontrack.mentors import services as mentors
from backontrack.mentors.models import Mentor
from backontrack.mentorships.alerts import alert_windows_deferred, alert_windows_rebuild
from backontrack.mentorships.models import Mentorship
from backontrack.programmes.models import (
    MEMBER_ROLES,
    Programme,
    ProgrammeChange,
    ProgrammeMembership,
)
from backontrack.referrals.models import Referral, Status

from . import concerns as concern_stories
from . import disclosures as disclosure_stories
from . import evaluation as evaluation_stories
from . import lessons as lesson_stories
from . import mentors as mentor_stories
from . import mentorships as mentorship_stories
from . import register as register_story
from . import supervision as supervision_stories
from . import workinggroup as working_group_stories
from .guard import NotADemoDatabase
from .referrals import refer

DEMO_MENTEES = 48
DEFAULT_DEMO_PASSWORD = "demo-back-on-track"  # noqa: S105 - stated in the README, demo only


def demo_password() -> str:
    return os.environ.get("BACKONTRACK_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


@dataclass(frozen=True)
class Persona:
    username: str
    first_name: str
    last_name: str
    organisation: str
    roles: tuple[Role, ...]
    does: str


PRISON_SERVICE = "Kriminalforsorgen"
MINISTRY = "Justitsministeriet"
SECURITY_SERVICE = "Politiets Efterretningstjeneste"
MUNICIPALITY = "Aarhus Kommune"
RESEARCH = "Center for Samfundsvidenskabelig Forskning"

ORGANISATIONS = [
    (PRISON_SERVICE, Organisation.Kind.PRISON_PROBATION),
    (MINISTRY, Organisation.Kind.MINISTRY),
    (SECURITY_SERVICE, Organisation.Kind.SECURITY_SERVICE),
    (MUNICIPALITY, Organisation.Kind.MUNICIPALITY),
    (RESEARCH, Organisation.Kind.OTHER),
]

# In the order the synthetic people are spread over them (mentees/synthetic.py).
INSTITUTIONS = [
    ("Arresthuset i Aalborg", Institution.Kind.REMAND_PRISON, Region.NORDJYLLAND),
    ("Arresthuset i Aarhus", Institution.Kind.REMAND_PRISON, Region.MIDTJYLLAND),
    ("Københavns Fængsler", Institution.Kind.REMAND_PRISON, Region.HOVEDSTADEN),
    ("Statsfængslet Østjylland", Institution.Kind.CLOSED_PRISON, Region.MIDTJYLLAND),
    ("Pensionen Engelsborg", Institution.Kind.HALFWAY_HOUSE, Region.SJAELLAND),
    ("Horserød Fængsel", Institution.Kind.OPEN_PRISON, Region.HOVEDSTADEN),
    ("Kragskovhede Fængsel", Institution.Kind.OPEN_PRISON, Region.NORDJYLLAND),
    ("Nyborg Fængsel", Institution.Kind.CLOSED_PRISON, Region.SYDDANMARK),
    ("Arresthuset i Odense", Institution.Kind.REMAND_PRISON, Region.SYDDANMARK),
    ("Kriminalforsorgen Aarhus", Institution.Kind.PROBATION_OFFICE, Region.MIDTJYLLAND),
    ("Kriminalforsorgen København", Institution.Kind.PROBATION_OFFICE, Region.HOVEDSTADEN),
    ("Storstrøm Fængsel", Institution.Kind.CLOSED_PRISON, Region.SJAELLAND),
]

# The ten mentors of the pilot, each at a stage of screening and training (demo/mentors.py).
_MENTORS = [
    ("Henrik", "Lund", "mentor and mentor coach; ready"),
    ("Aisha", "Karimi", "mentor and mentor coach; ready"),
    ("Jonas", "Mikkelsen", "mentor; ready"),
    ("Sofie", "Dahl", "mentor; ready"),
    ("Omar", "Haddad", "mentor; ready, a conflict of interest recorded"),
    ("Mette", "Kristiansen", "mentor; criminal-record check expired"),
    ("Kasper", "Nørgaard", "mentor; extremism refresher due soon"),
    ("Leyla", "Demir", "mentor in training; last module awaits the trainer's sign-off"),
    ("Niels", "Bak", "mentor in training; security vetting pending"),
    ("Ida", "Thorsen", "applicant mentor"),
]

PERSONAS: list[Persona] = [
    Persona(
        "referrer",
        "Jesper",
        "Holt",
        PRISON_SERVICE,
        (Role.REFERRER,),
        "prison officer; submits referrals and follows their status",
    ),
    Persona(
        "coordinator",
        "Camilla",
        "Holm",
        PRISON_SERVICE,
        (Role.COORDINATOR,),
        "screens referrals, matches mentors, runs both programmes",
    ),
    Persona(
        "coordinator-special",
        "Maja",
        "Friis",
        PRISON_SERVICE,
        (Role.COORDINATOR,),
        "coordinates the special mentoring scheme only; sees nothing of Back on Track's cases",
    ),
    Persona(
        "coordinator2",
        "Jakob",
        "Mortensen",
        PRISON_SERVICE,
        (Role.COORDINATOR,),
        "Back on Track's second coordinator; approves or refuses the disclosures others propose",
    ),
    *[
        Persona(
            f"mentor{number:02d}",
            first,
            last,
            PRISON_SERVICE,
            (Role.MENTOR, Role.COACH) if number <= 2 else (Role.MENTOR,),
            does,
        )
        for number, (first, last, does) in enumerate(_MENTORS, start=1)
    ],
    Persona(
        "trainer",
        "Thomas",
        "Brandt",
        PRISON_SERVICE,
        (Role.TRAINER,),
        "runs mentor training; sees no case files",
    ),
    Persona(
        "liaison-ministry",
        "Birgitte",
        "Vestergaard",
        MINISTRY,
        (Role.LIAISON,),
        "ministry member of the working group",
    ),
    Persona(
        "liaison-security",
        "Anders",
        "Krogh",
        SECURITY_SERVICE,
        (Role.LIAISON,),
        "security-service member of the working group",
    ),
    Persona(
        "evaluator",
        "Louise",
        "Winther",
        RESEARCH,
        (Role.EVALUATOR,),
        "evaluates the programme from pseudonymised data",
    ),
    Persona(
        "auditor",
        "Peter",
        "Skov",
        PRISON_SERVICE,
        (Role.AUDITOR,),
        "data-protection officer; reads the audit trail",
    ),
    Persona(
        "admin",
        "Rasmus",
        "Juhl",
        PRISON_SERVICE,
        (Role.ADMIN,),
        "manages accounts and organisations; sees no case files",
    ),
]


def database_is_empty() -> bool:
    return not User.objects.exists() and not Installation.objects.exists()


@transaction.atomic
def load_demo_data(*, password: str | None = None) -> bool:
    """Fill an empty database with the demo and mark it as a demo database.

    Returns False (and changes nothing) when the demo is already loaded; refuses a database
    that holds anything else, so that real data never gets demo accounts mixed in."""
    if Installation.current_is_demo():
        return False
    if not database_is_empty():
        raise NotADemoDatabase(
            "This database already holds data and is not a demo database; "
            "demo data is only ever loaded into an empty database."
        )
    Installation.objects.create(is_demo=True)
    organisations = {
        name: Organisation.objects.create(name=name, kind=kind) for name, kind in ORGANISATIONS
    }
    Institution.objects.bulk_create(
        Institution(name=name, kind=kind, region=region, organisation=organisations[PRISON_SERVICE])
        for name, kind, region in INSTITUTIONS
    )
    # One hash for the one shared demo password: hashing it per persona only costs time.
    password_hash = make_password(password or demo_password())
    for persona in PERSONAS:
        user = User.objects.create(
            username=persona.username,
            first_name=persona.first_name,
            last_name=persona.last_name,
            email=f"{persona.username}@example.org",
            organisation=organisations[persona.organisation],
            password=password_hash,
        )
        RoleGrant.objects.bulk_create(RoleGrant(user=user, role=role) for role in persona.roles)
        # Demo personas are enrolled already; their secrets exist only in this database.
        Authenticator.objects.create(user=user, name="Authenticator app", confirmed=True)
    _demo_programmes(organisations[PRISON_SERVICE])
    synthetic.save_batch(
        list(
            synthetic.generate(
                DEMO_MENTEES,
                institutions=list(Institution.objects.order_by("pk")),
                rng=random.Random(2016),  # noqa: S311 - synthetic data, not secrets
                today=timezone.localdate(),
                taken=set(),
            )
        )
    )
    # The stories go through the services, which would derive a mentorship's alert windows
    # (and a case's follow-ups due) again at each of its records, and then date the records
    # with updates: every mentorship's windows and every case's follow-ups due are derived
    # once, at the end.
    with alert_windows_deferred(), follow_ups_due_deferred():
        mentor_stories.load(today=timezone.localdate())
        _demo_referrals()
        lesson_stories.load(today=timezone.localdate())
        _demo_account_request()
        evaluation_stories.load(today=timezone.localdate())
        supervision_stories.load(today=timezone.localdate())
        disclosure_stories.load(today=timezone.localdate())
        working_group_stories.load(today=timezone.localdate())
        register_story.load()
        alert_windows_rebuild(Mentorship.objects.values_list("pk", flat=True))
        follow_ups_due_rebuild_all()
    return True


SPECIAL_SCHEME = "Special mentoring scheme"
# The mentors who take part in the special scheme as well (the first two coach in both).
SPECIAL_MENTORS = ("mentor01", "mentor02", "mentor03", "mentor04")


def _demo_programmes(owner: Organisation) -> None:
    """Back on Track (the installation's default programme, made by the migrations) and the
    special mentoring scheme beside it: Camilla Holm coordinates both, Maja Friis only the
    special scheme; four mentors and the trainer take part in both."""
    back_on_track = Programme.objects.default()
    back_on_track.organisation = owner
    back_on_track.description = (
        "Kriminalforsorgens mentorindsats for indsatte og varetægtsfængslede, der er sigtet "
        "eller dømt for terror eller hadforbrydelser eller er i risiko for radikalisering."
    )
    back_on_track.save()
    special = Programme.objects.create(
        name=SPECIAL_SCHEME,
        organisation=owner,
        description=(
            "Den særlige mentorordning for personer i særlig risiko, bygget på erfaringerne "
            "fra Back on Track."
        ),
        no_meeting_days=7,
    )
    ProgrammeChange.objects.create(programme=special, kind=ProgrammeChange.Kind.CREATED)
    memberships = []
    for persona in PERSONAS:
        user = User.objects.get(username=persona.username)
        programmes = [back_on_track]
        if persona.username == "coordinator-special":
            programmes = [special]
        elif persona.username in ("coordinator", "trainer", *SPECIAL_MENTORS):
            programmes = [back_on_track, special]
        memberships += [
            ProgrammeMembership(programme=programme, user=user, role=role)
            for programme in programmes
            for role in persona.roles
            if role in MEMBER_ROLES
        ]
    ProgrammeMembership.objects.bulk_create(memberships)


def _demo_account_request() -> None:
    """The administrator has asked for mentor03 to become a coach too; a coordinator's
    approval is waiting (separation of duties, docs/guide/accounts.md)."""
    mentor = User.objects.get(username="mentor03")
    accounts.user_update(
        actor=User.objects.get(username="admin"),
        user=mentor,
        version=mentor.version,
        first_name=mentor.first_name,
        last_name=mentor.last_name,
        email=mentor.email,
        organisation=mentor.organisation,  # type: ignore[arg-type]
        roles=[Role.MENTOR, Role.COACH],
    )


def _demo_referrals() -> None:
    """Referrals by the demo referrer in the states that can be reached today, and the
    mentorships that grew out of the matched ones."""
    coordinator = User.objects.get(username="coordinator")
    today = timezone.localdate()
    plans = [
        (3, "hate_crime", Status.RECEIVED),
        (12, "vulnerable", Status.RECEIVED),
        (21, "charged_with_terrorism", Status.SCREENING),
        (8, "convicted_of_terrorism", Status.ELIGIBLE),
        (30, "vulnerable", Status.NOT_ELIGIBLE),
        (18, "hate_crime", Status.ACCEPTED),
        (40, "convicted_of_terrorism", Status.WITHDRAWN),
        (25, "convicted_of_terrorism", Status.ACCEPTED),
        (16, "vulnerable", Status.ACCEPTED),
        (75, "hate_crime", Status.MATCHED),
        (6, "vulnerable", Status.MATCHED),
    ]
    for mentee, (days_ago, criterion, status) in zip(
        Mentee.objects.order_by("id")[: len(plans)], plans, strict=True
    ):
        refer(mentee, days_ago=days_ago, criterion=criterion, status=status, today=today)
    mentorship_stories.load(today=today, skip=len(plans))
    _demo_conflict(coordinator)
    # A draft of the pool matching, waiting for the coordinator's review.
    pool.draft_create(actor=coordinator)
    _demo_special_scheme(today)
    concern_stories.load()


def _demo_special_scheme(today: date) -> None:
    """The special scheme's own cases, with the last people of the register: one referral
    just received, one accepted and waiting for a mentor, one matched to mentor02 (who
    mentors in both programmes) with mentor01 as coach."""
    special = Programme.objects.get(name=SPECIAL_SCHEME)
    people = list(Mentee.objects.order_by("-id")[:3])
    for mentee, (days_ago, criterion, status) in zip(
        people,
        [
            (2, "convicted_of_terrorism", Status.RECEIVED),
            (20, "charged_with_terrorism", Status.ACCEPTED),
            (45, "convicted_of_terrorism", Status.MATCHED),
        ],
        strict=True,
    ):
        began = timezone.now()
        referral = refer(
            mentee,
            days_ago=days_ago,
            criterion=criterion,
            status=status,
            today=today,
            programme=special,
            mentor=Mentor.objects.get(user__username="mentor02"),
            coach=Mentor.objects.get(user__username="mentor01"),
        )
        if status == Status.MATCHED:
            mentorship_stories.date_proposal(Mentorship.objects.get(referral=referral), began)


def _demo_conflict(coordinator: User) -> None:
    """One mentor knows the family of a person waiting for a mentor."""
    waiting = Referral.objects.filter(status=Status.ACCEPTED).order_by("id").first()
    if waiting is None:
        return
    mentors.conflict_record(
        actor=coordinator,
        mentor=Mentor.objects.get(user__username="mentor05"),
        mentee=waiting.mentee,
        side="mentor",
        description="Fiktivt: mentoren er nabo til personens familie.",
    )
