"""Demo referrals, taken through the real services to the state each should show."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.mentees import services as mentees
from backontrack.mentees.models import Mentee
from backontrack.mentors.models import Mentor
from backontrack.programmes.models import Programme
from backontrack.referrals import services as referrals
from backontrack.referrals.models import Finding, Referral, ReferralTransition, Screening, Status

from .guard import demo_only


def mentee_data(mentee: Mentee, **changes: object) -> mentees.MenteeData:
    """The person's record as the services take it, with the given fields changed."""
    data = mentees.MenteeData(
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
        notes=mentee.notes,
        mentor_gender_preference=mentee.mentor_gender_preference,
    )
    for name, value in changes.items():
        setattr(data, name, value)
    return data


def refer(
    mentee: Mentee,
    *,
    days_ago: int,
    criterion: str,
    status: str,
    today: date,
    mentor: Mentor | None = None,
    coach: Mentor | None = None,
    programme: Programme | None = None,
) -> Referral:
    """The demo referrer refers the person `days_ago`; the coordinator takes the referral
    on to `status`. A matched referral goes to the given mentor and coach, or else to the
    best suggestion."""
    demo_only()
    referrer = User.objects.get(username="referrer")
    coordinator = User.objects.get(username="coordinator")
    referral = referrals.referral_submit(
        actor=referrer,
        person=mentee_data(mentee, notes=""),
        data=referrals.ReferralData(
            referring_unit=f"{mentee.institution or 'Kriminalforsorgen København'}, afdeling B",
            referred_on=today - timedelta(days=days_ago),
            reason="Fiktiv demo-indstilling: taler om konflikten på afdelingen.",
            charged_with_terrorism=criterion == "charged_with_terrorism",
            convicted_of_terrorism=criterion == "convicted_of_terrorism",
            hate_crime=criterion == "hate_crime",
            hate_crime_motive="ethnicity" if criterion == "hate_crime" else "",
            vulnerable=criterion == "vulnerable",
            vulnerability_rationale="Fiktivt: isoleret, opsøger ekstremistisk materiale."
            if criterion == "vulnerable"
            else "",
            orientation="right_wing" if criterion == "hate_crime" else "religious",
            programme=programme,
        ),
    )
    _advance(referral, status, coordinator, today, mentor=mentor, coach=coach)
    date_moves(referral, until=min(today, referral.referred_on + timedelta(days=MOVES_WITHIN_DAYS)))
    return referral


MOVES_WITHIN_DAYS = 30


def date_moves(referral: Referral, *, until: date) -> None:
    """Date the referral's moves on its story rather than on the day the demo was loaded:
    received on the day it was referred, the later moves (and the screening decision) spread
    up to `until`, the day of the last one (by default a month later, none after today)."""
    moves = list(referral.transitions.order_by("occurred_at", "id"))
    span = (until - referral.referred_on).days
    at = referral.referred_on
    for n, move in enumerate(moves):
        step = span * n // (len(moves) - 1) if len(moves) > 1 else 0
        at = referral.referred_on + timedelta(days=step)
        ReferralTransition.objects.filter(pk=move.pk).update(occurred_at=_at(at))
        if move.to_status in (Status.ELIGIBLE, Status.NOT_ELIGIBLE):
            Screening.objects.filter(referral=referral).update(decided_at=_at(at))
    Referral.objects.filter(pk=referral.pk).update(status_changed_at=_at(at))
    referral.refresh_from_db(fields=["status_changed_at"])


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())


def _advance(
    referral: Referral,
    status: str,
    coordinator: User,
    today: date,
    *,
    mentor: Mentor | None,
    coach: Mentor | None,
) -> None:
    if status == Status.RECEIVED:
        return
    if status == Status.WITHDRAWN:
        referrals.referral_move(
            actor=coordinator,
            referral=referral,
            version=referral.version,
            to_status=status,
            reason="Overført til udlandet før screeningen.",
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
                "charged": confirmed if referral.charged_with_terrorism else Finding.NOT_CONFIRMED,
                "convicted": confirmed
                if referral.convicted_of_terrorism
                else Finding.NOT_CONFIRMED,
                "hate_crime": confirmed if referral.hate_crime else Finding.NOT_CONFIRMED,
                "vulnerability": confirmed if referral.vulnerable else Finding.NOT_CONFIRMED,
            },
            evidence={"hate_crime": "Fiktivt: dommen ligger i sagen."},
            conviction_date=today - timedelta(days=200)
            if eligible and referral.convicted_of_terrorism
            else None,
            decision=Status.ELIGIBLE if eligible else Status.NOT_ELIGIBLE,
            not_eligible_reason="" if eligible else "outside_target_group",
            decision_note="" if eligible else "Fiktivt: ingen tegn på radikalisering fundet.",
            override_reason="",
        ),
    )
    if status in (Status.ACCEPTED, Status.MATCHED):
        mentees.consent_record(
            actor=coordinator,
            mentee=referral.mentee,
            given_on=min(today - timedelta(days=10), referral.referred_on + timedelta(days=7)),
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

        if mentor is None:
            best = next(s for s in matching.suggestions_for(referral) if not s.excluded)
            mentor, score = best.mentor, best.score
        else:
            score = next(s.score for s in matching.suggestions_for(referral) if s.mentor == mentor)
        if coach is None:
            coach = matching.coach_options(
                mentor, mentee_id=referral.mentee_id, programme_id=referral.programme_id
            )[0].mentor
        mentors.referral_match(
            actor=coordinator,
            referral=referral,
            version=referral.version,
            mentor=mentor,
            coach=coach,
            score=score,
        )
