"""Synthetic demo data. Every person and record here is invented; the database that holds
them is marked as a demo database and every page says so."""

import os
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from backontrack.accounts.models import Institution, Organisation, Region, Role, RoleGrant, User
from backontrack.mentees import synthetic

from .models import Installation

if TYPE_CHECKING:
    from backontrack.referrals.models import Referral

DEMO_MENTEES = 48
DEFAULT_DEMO_PASSWORD = "demo-back-on-track"  # noqa: S105 - stated in the README, demo only


def demo_password() -> str:
    return os.environ.get("BACKONTRACK_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


class NotADemoDatabase(Exception):
    pass


@dataclass(frozen=True)
class Persona:
    username: str
    first_name: str
    last_name: str
    organisation: str
    roles: tuple[Role, ...]
    does: str


PRISON_SERVICE = "Prison and Probation Service"
MINISTRY = "Ministry of Justice"
SECURITY_SERVICE = "Security and Intelligence Service"
MUNICIPALITY = "Aarhus Municipality"
RESEARCH = "Centre for Social Science Research"

ORGANISATIONS = [
    (PRISON_SERVICE, Organisation.Kind.PRISON_PROBATION),
    (MINISTRY, Organisation.Kind.MINISTRY),
    (SECURITY_SERVICE, Organisation.Kind.SECURITY_SERVICE),
    (MUNICIPALITY, Organisation.Kind.MUNICIPALITY),
    (RESEARCH, Organisation.Kind.OTHER),
]

INSTITUTIONS = [
    ("Copenhagen Prisons", Institution.Kind.REMAND_PRISON, Region.HOVEDSTADEN),
    ("Storstrøm Prison", Institution.Kind.CLOSED_PRISON, Region.SJAELLAND),
    ("East Jutland Prison", Institution.Kind.CLOSED_PRISON, Region.MIDTJYLLAND),
    ("Nyborg Prison", Institution.Kind.CLOSED_PRISON, Region.SYDDANMARK),
    ("Horserød Prison", Institution.Kind.OPEN_PRISON, Region.HOVEDSTADEN),
    ("Kragskovhede Prison", Institution.Kind.OPEN_PRISON, Region.NORDJYLLAND),
    ("Aarhus Remand Prison", Institution.Kind.REMAND_PRISON, Region.MIDTJYLLAND),
    ("Aalborg Remand Prison", Institution.Kind.REMAND_PRISON, Region.NORDJYLLAND),
    ("Odense Remand Prison", Institution.Kind.REMAND_PRISON, Region.SYDDANMARK),
    ("Engelsborg Halfway House", Institution.Kind.HALFWAY_HOUSE, Region.SJAELLAND),
    ("Probation Office Copenhagen", Institution.Kind.PROBATION_OFFICE, Region.HOVEDSTADEN),
    ("Probation Office Aarhus", Institution.Kind.PROBATION_OFFICE, Region.MIDTJYLLAND),
]

# The ten mentors of the pilot, each at a stage of screening and training (mentors/demo.py).
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
        "screens referrals, matches mentors, runs the programme",
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
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    synthetic.save_batch(
        list(
            synthetic.generate(
                DEMO_MENTEES,
                institutions=list(Institution.objects.all()),
                rng=random.Random(2016),  # noqa: S311 - synthetic data, not secrets
                today=date.today(),
                taken=set(),
            )
        )
    )
    from backontrack.mentors import demo as mentor_demo

    mentor_demo.load(today=date.today())
    _demo_referrals()
    return True


def _demo_referrals() -> None:
    """Referrals by the demo referrer in the states that can be reached today."""
    from backontrack.mentees.models import Mentee
    from backontrack.mentees.services import MenteeData
    from backontrack.referrals import services as referrals
    from backontrack.referrals.models import Status

    referrer = User.objects.get(username="referrer")
    coordinator = User.objects.get(username="coordinator")
    today = date.today()
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
        (45, "hate_crime", Status.MATCHED),
        (6, "vulnerable", Status.MATCHED),
    ]
    for mentee, (days_ago, criterion, status) in zip(
        Mentee.objects.order_by("id")[: len(plans)], plans, strict=True
    ):
        referral = referrals.referral_submit(
            actor=referrer,
            person=MenteeData(
                first_name=mentee.first_name,
                last_name=mentee.last_name,
                date_of_birth=mentee.date_of_birth,
                personal_id_digits=mentee.personal_id.replace("-", ""),
                gender=mentee.gender,
                languages=mentee.languages,
                institution=mentee.institution,
                custody_status=mentee.custody_status,
                expected_release_date=mentee.expected_release_date,
                earliest_release_date=mentee.earliest_release_date,
                data_subject_category=mentee.data_subject_category,
                notes="",
            ),
            data=referrals.ReferralData(
                referring_unit=f"{mentee.institution or 'Probation Office Copenhagen'}, wing B",
                referred_on=today - timedelta(days=days_ago),
                reason="Synthetic demo referral: talks about the conflict on the wing.",
                charged_with_terrorism=criterion == "charged_with_terrorism",
                convicted_of_terrorism=criterion == "convicted_of_terrorism",
                hate_crime=criterion == "hate_crime",
                hate_crime_motive="ethnicity" if criterion == "hate_crime" else "",
                vulnerable=criterion == "vulnerable",
                vulnerability_rationale="Synthetic: isolated, seeks out extremist material."
                if criterion == "vulnerable"
                else "",
                orientation="right_wing" if criterion == "hate_crime" else "religious",
            ),
        )
        _advance(referral, status, coordinator, today)
    _demo_mentorship(coordinator, today)
    _demo_conflict(coordinator)
    from backontrack.mentors import pool

    # A draft of the pool matching, waiting for the coordinator's review.
    pool.draft_create(actor=coordinator)


def _demo_mentorship(coordinator: User, today: date) -> None:
    """The earliest match became an active mentorship six weeks ago, with its meetings; the
    latest is still proposed."""
    from backontrack.mentorships import services as mentorships
    from backontrack.mentorships.models import Meeting, Mentorship

    mentorship = Mentorship.objects.select_related("mentor__user").order_by("id").first()
    if mentorship is None:
        return
    started = today - timedelta(days=42)
    mentorships.mentorship_activate(
        actor=coordinator,
        mentorship=mentorship,
        version=mentorship.version,
        agreement=mentorships.Agreement(
            initial_meeting_on=started,
            initial_meeting_with="coach",
            agreement_signed_on=started,
            meeting_frequency="weekly",
            planned_months=12,
            roles_agreed="Synthetic: the mentor visits weekly; the coach follows up monthly.",
            safety_rules="Synthetic: no private contact details; meetings in the visiting room.",
        ),
    )
    mentorships.check_in_record(
        actor=coordinator,
        mentorship=mentorship,
        occurred_on=started + timedelta(days=10),
        how="phone",
        note="Synthetic: both say the visits go well.",
    )
    mentor = mentorship.mentor.user
    if mentor is None:
        return
    mentorships.plan_save(
        actor=mentor,
        mentorship=mentorship,
        version=None,
        custody_constraints="Synthetic: visits on weekdays in the visiting room; no leave yet.",
    )
    for area, title, progress, status in (
        ("everyday", "Synthetic: handle conflicts on the wing without fights", 40, "active"),
        ("family", "Synthetic: a visit from his sister", 100, "achieved"),
        ("re_entry", "Synthetic: a place on the welding course", 20, "active"),
    ):
        mentorships.goal_create(
            actor=mentor,
            mentorship=mentorship,
            data=mentorships.GoalData(
                area=area,
                title=title,
                steps="",
                target_date=today + timedelta(days=60),
                progress=progress,
                status=status,
                outcome_reason="",
            ),
        )
    visits = [
        (
            35,
            "held",
            "",
            ["everyday", "motivation"],
            "some",
            "Talked about a conflict on the wing.",
        ),
        (28, "held", "", ["family"], "high", "Wants his sister to visit; we wrote to her."),
        (21, "cancelled", "lockdown", [], "", ""),
        (14, "held", "", ["ideology", "relations"], "some", "Discussed a video he had watched."),
        (7, "held", "", ["re_entry", "motivation"], "high", "Asked about training as a welder."),
    ]
    for days_ago, outcome, why, topics, engagement, facts in visits:
        mentorships.meeting_record(
            actor=mentor,
            mentorship=mentorship,
            data=mentorships.MeetingData(
                occurred_on=today - timedelta(days=days_ago),
                kind=Meeting.Kind.PRISON_VISIT,
                outcome=outcome,
                not_held_reason=why,
                duration_minutes=60 if outcome == "held" else None,
                participants=["mentee", "mentor"] if outcome == "held" else [],
                topics=topics,
                engagement=engagement,
                facts=f"Synthetic: {facts}" if facts else "",
                assessment="",
                follow_up="",
            ),
        )


def _demo_conflict(coordinator: User) -> None:
    """One mentor knows the family of a person waiting for a mentor."""
    from backontrack.mentors import services as mentors
    from backontrack.mentors.models import Mentor
    from backontrack.referrals.models import Referral, Status

    waiting = Referral.objects.filter(status=Status.ACCEPTED).order_by("id").first()
    if waiting is None:
        return
    mentors.conflict_record(
        actor=coordinator,
        mentor=Mentor.objects.get(user__username="mentor05"),
        mentee=waiting.mentee,
        side="mentor",
        description="Synthetic: the mentor is a neighbour of the person's family.",
    )


def _advance(referral: "Referral", status: str, coordinator: User, today: date) -> None:
    """Take a demo referral through the real services to the state it should show."""
    from backontrack.mentees import services as mentees
    from backontrack.referrals import services as referrals
    from backontrack.referrals.models import Finding, Status

    if status == Status.RECEIVED:
        return
    if status == Status.WITHDRAWN:
        referrals.referral_move(
            actor=coordinator,
            referral=referral,
            version=referral.version,
            to_status=status,
            reason="Transferred abroad before screening.",
        )
        return
    referrals.referral_move(
        actor=coordinator, referral=referral, version=referral.version, to_status=Status.SCREENING
    )
    if status == Status.SCREENING:
        return
    eligible = status != Status.NOT_ELIGIBLE
    confirmed = Finding.CONFIRMED if eligible else Finding.NOT_CONFIRMED
    referrals.referral_screen(
        actor=coordinator,
        referral=referral,
        version=referral.version,
        data=referrals.ScreeningData(
            findings={
                "charged": Finding.NOT_CONFIRMED,
                "convicted": confirmed
                if referral.convicted_of_terrorism
                else Finding.NOT_CONFIRMED,
                "hate_crime": confirmed if referral.hate_crime else Finding.NOT_CONFIRMED,
                "vulnerability": confirmed if referral.vulnerable else Finding.NOT_CONFIRMED,
            },
            evidence={"hate_crime": "Synthetic: judgment on file."},
            conviction_date=today - timedelta(days=200)
            if eligible and referral.convicted_of_terrorism
            else None,
            decision=Status.ELIGIBLE if eligible else Status.NOT_ELIGIBLE,
            not_eligible_reason="" if eligible else "outside_target_group",
            decision_note="" if eligible else "Synthetic: no sign of radicalisation found.",
            override_reason="",
        ),
    )
    if status in (Status.ACCEPTED, Status.MATCHED):
        mentees.consent_record(
            actor=coordinator,
            mentee=referral.mentee,
            given_on=today - timedelta(days=10),
            how="written",
            participation=True,
            contact_network=True,
            share_with_agencies=False,
            agencies="",
        )
        referrals.referral_accept(actor=coordinator, referral=referral, version=referral.version)
    if status == Status.MATCHED:
        from backontrack.mentors import matching
        from backontrack.mentors import services as mentors

        best = next(s for s in matching.suggestions_for(referral) if not s.excluded)
        mentors.referral_match(
            actor=coordinator,
            referral=referral,
            version=referral.version,
            mentor=best.mentor,
            coach=matching.coach_options(best.mentor, mentee_id=referral.mentee_id)[0].mentor,
            score=best.score,
        )
