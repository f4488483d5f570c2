"""Progress reviews: when they fall due, and recording one, audited."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, dates
from backontrack.mentorships.alerts import alert_windows_rebuild
from backontrack.mentorships.models import Mentorship
from backontrack.mentorships.services import Refused

from .models import Certification, Instrument, Occasion, Rating, Review

PRE_RELEASE_DAYS = 60


def may_rate(user: User, instrument: Instrument) -> bool:
    """A licensed instrument is rated only by a user certified for it."""
    return (
        not instrument.requires_licence
        or Certification.objects.filter(user=user, instrument_code=instrument.code).exists()
    )


def current_instruments(user: User) -> list[Instrument]:
    """The newest version of each instrument this user may rate."""
    newest: dict[str, Instrument] = {}
    for instrument in Instrument.objects.all():
        if instrument.code not in newest and may_rate(user, instrument):
            newest[instrument.code] = instrument
    return list(newest.values())


def due_from(
    *,
    started: date | None,
    has_intake: bool,
    last_held: date | None,
    last_pre_release: date | None,
    release: date | None,
    today: date,
    review_months: int,
) -> list[str]:
    """Which reviews are due — one rule for the reviews page and the alerts: the intake
    review once the mentorship is active; then one the programme's review months after the last;
    one before release (when the release is within 60 days). The closure review is recorded
    as part of closing (while the mentorship is still open), not flagged."""
    if started is None:
        return []
    found: list[str] = []
    if not has_intake:
        found.append(Occasion.INTAKE)
    elif last_held is not None and today >= last_held + timedelta(days=30 * review_months):
        found.append(Occasion.PERIODIC)
    if (
        release is not None
        and today <= release <= today + timedelta(days=PRE_RELEASE_DAYS)
        and (
            last_pre_release is None
            or last_pre_release < release - timedelta(days=PRE_RELEASE_DAYS)
        )
    ):
        found.append(Occasion.PRE_RELEASE)
    return found


def due(
    mentorship: Mentorship, reviews: list[Review], release: date | None, today: date
) -> list[str]:
    """`due_from` for one mentorship and its reviews."""
    occasions = {r.occasion for r in reviews}
    pre_release = [r.held_on for r in reviews if r.occasion == Occasion.PRE_RELEASE]
    return due_from(
        started=mentorship.initial_meeting_on,
        has_intake=Occasion.INTAKE in occasions,
        last_held=max((r.held_on for r in reviews), default=None),
        last_pre_release=max(pre_release, default=None),
        release=release,
        today=today,
        review_months=mentorship.programme.review_months,
    )


@dataclass
class ItemRating:
    item_code: str
    value: int | None
    evidence: str


@transaction.atomic
def review_record(
    *,
    actor: User,
    mentorship: Mentorship,
    instrument: Instrument,
    occasion: str,
    held_on: date,
    ratings: list[ItemRating],
    summary: str,
) -> Review:
    """Record a review: every item of the instrument rated (or marked unknown)."""
    if not access.can_record_reviews(actor, mentorship):
        raise Refused(_("Reviews are recorded by the mentor and the coordinator."))
    if held_on <= timezone.localdate():
        dates.PROGRAMME_EVENT.require(held_on)
    if not may_rate(actor, instrument):
        raise Refused(
            _("%(instrument)s needs a licence: only users certified for it rate it.")
            % {"instrument": instrument}
        )
    if occasion not in Occasion.values:
        raise Refused(_("Choose from the options given."))
    if held_on > timezone.localdate():
        raise Refused(_("A review cannot be recorded before it has taken place."))
    codes = [item["code"] for item in instrument.items()]
    values = {value for value, _label in instrument.scale()}
    given = {r.item_code: r for r in ratings}
    if set(given) != set(codes) or len(given) != len(ratings):
        raise Refused(_("Rate every item, or mark it unknown."))
    if any(r.value is not None and r.value not in values for r in ratings):
        raise Refused(_("Choose from the options given."))
    review = Review.objects.create(
        mentorship=mentorship,
        instrument=instrument,
        occasion=occasion,
        held_on=held_on,
        summary=summary.strip(),
        recorded_by=actor,
    )
    Rating.objects.bulk_create(
        Rating(
            review=review,
            item_code=code,
            value=given[code].value,
            evidence=given[code].evidence.strip(),
        )
        for code in codes
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=review,
        fields=["occasion", "held_on", "ratings", "evidence", *(["summary"] if summary else [])],
        detail=f"for mentorships.mentorship #{mentorship.pk}",
    )
    alert_windows_rebuild([mentorship.pk])
    return review
