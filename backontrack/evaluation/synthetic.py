"""Synthetic case histories for registered synthetic people: a referral, its screening and,
for most, a mentorship with meetings, goals and reviews, closed for many, and the follow-ups that
have fallen due; the rest are the comparison group (eligible, never matched). Written in
bulk, for the demo's two years of history and for `backontrack seed --with-cases` at
national scale. Demo databases only (the callers check)."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Case, DateTimeField, Value, When
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.mentees.models import Mentee
from backontrack.mentors.models import Mentor
from backontrack.mentorships.alerts import alert_windows_rebuild
from backontrack.mentorships.models import (
    AimArea,
    ClosureType,
    Frequency,
    Goal,
    GoalStatus,
    Meeting,
    Mentorship,
    MentorshipStatus,
    Phase,
)
from backontrack.programmes.models import Programme
from backontrack.referrals.models import Finding, Referral, ReferralTransition, Screening, Status
from backontrack.reviews.models import Instrument, Occasion, Rating, Review

from .followups import follow_ups_due_rebuild, months_after
from .models import (
    Custody,
    FollowUp,
    Group,
    Housing,
    MilieuContact,
    Occupation,
    Point,
    Reconviction,
    Source,
)

INSTRUMENT = "bot-desistance"
ORIENTATIONS = {"religious": 50, "right_wing": 35, "left_wing": 5, "mixed": 10}
CRITERIA = {
    "convicted_of_terrorism": 30,
    "charged_with_terrorism": 15,
    "hate_crime": 30,
    "vulnerable": 25,
}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


@dataclass
class _Batch:
    programme: Programme
    coordinator: User
    referrals: list[Referral] = field(default_factory=list)
    screenings: list[Screening] = field(default_factory=list)
    transitions: list[ReferralTransition] = field(default_factory=list)
    mentorships: list[Mentorship] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    instrument: Instrument | None = None
    matched_at: dict[int, datetime] = field(default_factory=dict)  # by referral id


def add_cases(
    mentees: list[Mentee],
    *,
    programme: Programme,
    rng: random.Random,
    today: date,
    within_days: int = 730,
    closed_only: bool = False,
) -> int:
    """A case history for each of these people (who have no referral yet), referred within
    the last `within_days`: most mentored (every mentorship closed with `closed_only`), the
    rest eligible but withdrawn before a match (the comparison group). Returns the number of
    follow-ups written."""
    coordinator = User.objects.filter(role_grants__role="coordinator").order_by("pk").first()
    mentors = list(Mentor.objects.filter(status="active").order_by("pk"))
    coaches = [m for m in mentors if m.coach_capacity > 0] or mentors
    if coordinator is None or not mentors:
        return 0
    batch = _Batch(programme, coordinator)
    batch.instrument = Instrument.objects.filter(code=INSTRUMENT).order_by("-version").first()
    plans = []
    for mentee in mentees:
        referred_on = today - timedelta(days=rng.randrange(30, within_days))
        criterion = _pick(rng, CRITERIA)
        decided_on = referred_on + timedelta(days=rng.randrange(3, 30))
        mentored = rng.random() < 0.8 and decided_on + timedelta(days=30) < today
        referral = Referral(
            mentee=mentee,
            programme=programme,
            referred_by=coordinator,
            referred_name=f"{mentee.first_name} {mentee.last_name}",
            referring_unit="Syntetisk afdeling",
            referred_on=referred_on,
            reason="Syntetisk indstilling til måling.",
            charged_with_terrorism=criterion == "charged_with_terrorism",
            convicted_of_terrorism=criterion == "convicted_of_terrorism",
            hate_crime=criterion == "hate_crime",
            hate_crime_motive="ethnicity" if criterion == "hate_crime" else "",
            vulnerable=criterion == "vulnerable",
            orientation=_pick(rng, ORIENTATIONS),
            status=Status.MATCHED if mentored else Status.WITHDRAWN,
            status_changed_at=_at(decided_on),
        )
        batch.referrals.append(referral)
        plans.append((referral, decided_on, mentored))
    Referral.objects.bulk_create(batch.referrals)
    for referral, decided_on, mentored in plans:
        batch.screenings.append(
            Screening(
                referral=referral,
                charged_finding=Finding.CONFIRMED
                if referral.charged_with_terrorism
                else Finding.NOT_CONFIRMED,
                convicted_finding=Finding.CONFIRMED
                if referral.convicted_of_terrorism
                else Finding.NOT_CONFIRMED,
                hate_crime_finding=Finding.CONFIRMED
                if referral.hate_crime
                else Finding.NOT_CONFIRMED,
                vulnerability_finding=Finding.CONFIRMED
                if referral.vulnerable
                else Finding.NOT_CONFIRMED,
                recommendation=Status.ELIGIBLE,
                decision=Status.ELIGIBLE,
                decided_by=coordinator,
                decided_at=_at(decided_on),
            )
        )
        if mentored:
            _mentorship(batch, referral, decided_on, rng, today, mentors, coaches, closed_only)
        else:
            _follow_ups(batch, referral.mentee, None, referral, decided_on, rng, today)
    Screening.objects.bulk_create(batch.screenings, batch_size=1000)
    ReferralTransition.objects.bulk_create(batch.transitions, batch_size=1000)
    Mentorship.objects.bulk_create(batch.mentorships, batch_size=1000)
    _date_matches(batch)
    for goal in batch.goals:
        goal.mentorship_id = goal.mentorship.pk
    for meeting in batch.meetings:
        meeting.mentorship_id = meeting.mentorship.pk
    Goal.objects.bulk_create(batch.goals, batch_size=1000)
    for review in batch.reviews:
        review.mentorship_id = review.mentorship.pk
    Review.objects.bulk_create(batch.reviews, batch_size=1000)
    for rating in batch.ratings:
        rating.review_id = rating.review.pk
    Rating.objects.bulk_create(batch.ratings, batch_size=1000)
    Meeting.objects.bulk_create(batch.meetings, batch_size=1000)
    for follow_up in batch.follow_ups:
        if follow_up.mentorship is not None:
            follow_up.mentorship_id = follow_up.mentorship.pk
    FollowUp.objects.bulk_create(batch.follow_ups, batch_size=1000)
    alert_windows_rebuild(m.pk for m in batch.mentorships)
    follow_ups_due_rebuild(
        mentorships=[m.pk for m in batch.mentorships], referrals=[r.pk for r in batch.referrals]
    )
    return len(batch.follow_ups)


def _date_matches(batch: _Batch) -> None:
    """A mentorship is proposed, and its referral matched, on the story's day (the column is
    filled with the day of the load on insert)."""
    if not batch.matched_at:
        return
    days = [When(pk=pk, then=Value(at)) for pk, at in batch.matched_at.items()]
    Referral.objects.filter(pk__in=batch.matched_at).update(
        status_changed_at=Case(*days, output_field=DateTimeField())
    )
    proposed = [When(referral_id=pk, then=Value(at)) for pk, at in batch.matched_at.items()]
    Mentorship.objects.filter(referral_id__in=batch.matched_at).update(
        created_at=Case(*proposed, output_field=DateTimeField())
    )


def _mentorship(
    batch: _Batch,
    referral: Referral,
    decided_on: date,
    rng: random.Random,
    today: date,
    mentors: list[Mentor],
    coaches: list[Mentor],
    closed_only: bool,
) -> None:
    coordinator = batch.coordinator
    accepted_on = decided_on + timedelta(days=rng.randrange(2, 14))
    matched_on = accepted_on + timedelta(days=rng.randrange(3, 21))
    started = min(matched_on + timedelta(days=rng.randrange(5, 25)), today)
    months = rng.choice((6, 9, 12, 12, 18))
    planned_end = months_after(started, months)
    closed_on = planned_end if planned_end < today else None
    if closed_on is None and (closed_only or rng.random() < 0.12):
        closed_on = min(started + timedelta(days=rng.randrange(30, 120)), today)
    closure = ""
    if closed_on is not None:
        closure = ClosureType.COMPLETED if rng.random() < 0.75 else ClosureType.ENDED_EARLY
    frequency = rng.choice((Frequency.WEEKLY, Frequency.FORTNIGHTLY, Frequency.FORTNIGHTLY))
    mentorship = Mentorship(
        programme=referral.programme,
        mentee=referral.mentee,
        referral=referral,
        mentor=rng.choice(mentors),
        coach=rng.choice(coaches),
        status=MentorshipStatus.CLOSED if closed_on else MentorshipStatus.ACTIVE,
        phase=Phase.AFTERCARE if closed_on else rng.choice(list(Phase)),
        status_changed_at=_at(closed_on or started),
        initial_meeting_on=started,
        agreement_signed_on=started,
        meeting_frequency=frequency,
        planned_months=months,
        closed_on=closed_on,
        closure_type=closure,
        created_by=coordinator,
    )
    batch.mentorships.append(mentorship)
    batch.matched_at[referral.pk] = _at(matched_on)
    batch.transitions.append(
        ReferralTransition(
            referral=referral,
            from_status=Status.ELIGIBLE,
            to_status=Status.ACCEPTED,
            actor=coordinator,
            occurred_at=_at(accepted_on),
        )
    )
    end = closed_on or today
    step = 7 if frequency == Frequency.WEEKLY else 14
    day = started
    while day <= end:
        batch.meetings.append(
            Meeting(
                mentorship=mentorship,
                occurred_on=day,
                kind=Meeting.Kind.PRISON_VISIT,
                outcome=Meeting.Outcome.HELD if rng.random() < 0.85 else Meeting.Outcome.CANCELLED,
                duration_minutes=60,
                recorded_by=coordinator,
            )
        )
        day += timedelta(days=step + rng.randrange(0, step))
    for area in rng.sample(list(AimArea), 2):
        status = GoalStatus.ACTIVE
        if closed_on is not None:
            status = rng.choice((GoalStatus.ACHIEVED, GoalStatus.ACHIEVED, GoalStatus.PARTLY))
        batch.goals.append(
            Goal(
                mentorship=mentorship,
                area=area,
                title="Syntetisk mål",
                status=status,
                progress=100 if status == GoalStatus.ACHIEVED else 50,
                created_by=coordinator,
            )
        )
    if batch.instrument is not None:
        _reviews(batch, mentorship, started, closed_on, min(end, today), rng)
    if closed_on is not None:
        _follow_ups(batch, referral.mentee, mentorship, None, closed_on, rng, today)


def _reviews(
    batch: _Batch,
    mentorship: Mentorship,
    started: date,
    closed_on: date | None,
    end: date,
    rng: random.Random,
) -> None:
    """An intake review, one every four months and one at the closure, on the default
    instrument: protective items rise and risk items fall as the mentorship goes on (with
    noise, and not for everyone)."""
    if batch.instrument is None:
        return
    days = [(Occasion.INTAKE, started + timedelta(days=rng.randrange(5, 20)))]
    day = months_after(days[0][1], 4)
    while day < end - timedelta(days=30):
        days.append((Occasion.PERIODIC, day))
        day = months_after(day, 4)
    if closed_on is not None:
        days.append((Occasion.CLOSURE, closed_on))
    progress = rng.choice((0.4, 0.8, 1.0, 1.2, 1.4))
    span = max((end - started).days, 1)
    for occasion, held_on in days:
        if held_on > end:
            continue
        review = Review(
            mentorship=mentorship,
            instrument=batch.instrument,
            occasion=occasion,
            held_on=held_on,
            recorded_by=batch.coordinator,
        )
        batch.reviews.append(review)
        moved = progress * (held_on - started).days / span
        for item in batch.instrument.items():
            level = 0.4 + moved if item["kind"] == "protective" else 1.6 - moved
            value = min(2, max(0, round(level + rng.uniform(-0.6, 0.6))))
            batch.ratings.append(Rating(review=review, item_code=item["code"], value=value))


def _follow_ups(
    batch: _Batch,
    mentee: Mentee,
    mentorship: Mentorship | None,
    referral: Referral | None,
    baseline: date,
    rng: random.Random,
    today: date,
) -> None:
    """The follow-ups due by today; the mentored reoffend less often than the comparison."""
    reoffend = 0.12 if mentorship is not None else 0.25
    for point in Point:
        due_on = months_after(baseline, point)
        if due_on > today or rng.random() < 0.1:  # a few are never recorded
            continue
        roll = rng.random()
        reconviction = (
            Reconviction.EXTREMISM
            if roll < reoffend / 3
            else Reconviction.OTHER
            if roll < reoffend
            else Reconviction.UNKNOWN
            if roll > 0.95
            else Reconviction.NONE
        )
        batch.follow_ups.append(
            FollowUp(
                programme=batch.programme,
                mentee=mentee,
                mentorship=mentorship,
                referral=referral,
                group=Group.MENTORED if mentorship is not None else Group.COMPARISON,
                months=point,
                due_on=due_on,
                recorded_on=min(due_on + timedelta(days=rng.randrange(0, 30)), today),
                reconviction=reconviction,
                custody=Custody.IN_CUSTODY
                if reconviction != Reconviction.NONE
                else rng.choice((Custody.ON_LICENCE, Custody.RELEASED, Custody.RELEASED)),
                housing=rng.choice((Housing.SETTLED, Housing.SETTLED, Housing.TEMPORARY)),
                occupation=rng.choice((Occupation.WORK, Occupation.EDUCATION, Occupation.NEITHER)),
                milieu_contact=rng.choice(
                    (MilieuContact.NONE, MilieuContact.NONE, MilieuContact.SOME)
                ),
                source=rng.choice((Source.REGISTER, Source.MENTOR, Source.SELF_REPORT)),
                recorded_by=batch.coordinator,
            )
        )
