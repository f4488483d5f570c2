"""What needs attention (DESIGN.md §4), computed in one place for the home pages and for
`backontrack send-alerts`.

- no meeting held for N days (14 in custody, 7 in aftercare) → mentor, coach, coordinator;
- the coordinator's check-ins: by day 14 and day 30 of the mentorship, then every 30 days
  → coordinator;
- the expected release within 30 days → coordinator and mentor;
- a proposed mentorship not activated after 7 days → coordinator;
- the release within 90 days and no re-entry plan → mentor, coordinator;
- the release within 30 days and housing not secured → mentor, coach, coordinator;
- a progress review overdue: the intake review 30 days after the start, a periodic one, one
  before release → mentor, coach, coordinator;
- the mentor's or the coach's account deactivated while the mentorship is open → coordinator.

Each alert has a key that names what is due and since when, so the same situation is sent
once, and a new one (another month's check-in, a new quiet spell) is sent again.

The rules are written twice, once per mentorship in Python (`alerts_for`, which words the
alert and is the source of truth) and once solved for the day (`windows_for`: the day each
alert begins and the day it ends), kept as rows (`AlertWindow`) that every service changing
a record the rules read derives again (`alert_windows_rebuild`). The database finds the
mentorships with an alert today, and counts the alerts, on those rows' index, so that only
the mentorships shown are loaded and worded (docs/performance.md, decision 0038).
`tests/test_alerts.py` holds the two to the same alerts on the demo over a year of days."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from backontrack.accounts.models import User
from backontrack.programmes.models import Programme
from backontrack.reviews.models import Occasion, Review

from .models import (
    AlertWindow,
    CheckIn,
    Meeting,
    Mentorship,
    MentorshipStatus,
    NeedDomain,
    NeedStatus,
    Phase,
    ReentryNeed,
    ReentryPlan,
)

MENTOR, COACH, COORDINATOR = "mentor", "coach", "coordinator"


@dataclass(frozen=True)
class Alert:
    key: str
    kind: str
    mentorship: Mentorship
    text: str
    audience: frozenset[str]
    # The page the alert's e-mail links to, when not the mentorship's (a concern's).
    path: str = ""

    @property
    def title(self) -> str | Promise:
        return TITLES[self.kind]


TITLES: dict[str, str | Promise] = {
    "no_meeting": _("No meeting"),
    "check_in": _("Check-in due"),
    "release": _("Release approaching"),
    "activation": _("Not activated"),
    "reentry_plan": _("No re-entry plan"),
    "housing": _("Housing not secured"),
    "review": _("Review due"),
    "leaver": _("Needs a new mentor"),
    "concern_triage": _("Concern waiting for triage"),
}
INTAKE_REVIEW_DAYS = 30
# The mentorships with alerts are loaded and worded this many at a time.
LOADED_TOGETHER = 500
REVIEW_TEXTS: dict[str, str | Promise] = {
    "intake": _("The intake review is overdue (30 days since the start)."),
    "periodic": _("A periodic progress review is due."),
    "pre_release": _("The progress review before release is due."),
}


def quiet_limit(mentorship: Mentorship) -> int:
    """The days without a meeting the mentorship's programme allows in its phase."""
    if mentorship.phase == Phase.AFTERCARE:
        return mentorship.programme.no_meeting_days_aftercare
    return mentorship.programme.no_meeting_days


def check_ins_due(programme: Programme, started: date, today: date) -> list[date]:
    """The dates by which the coordinator's check-ins are due, up to today, by the cadence of
    the programme."""
    due = [
        started + timedelta(days=programme.check_in_first_days),
        started + timedelta(days=programme.check_in_second_days),
    ]
    while due[-1] + timedelta(days=programme.check_in_every_days) <= today:
        due.append(due[-1] + timedelta(days=programme.check_in_every_days))
    return [day for day in due if day <= today]


def annotated(mentorships: QuerySet[Mentorship]) -> QuerySet[Mentorship]:
    """What alerts need, in the same query: the last meeting held and the check-ins. Each is
    a subquery of one mentorship's rows on their index: joined and grouped, PostgreSQL read
    every meeting of the register to word 30 mentorships (docs/performance.md)."""
    related = ("programme", "mentee", "mentor__user", "coach__user")
    check_ins = (
        CheckIn.objects.filter(
            mentorship=OuterRef("pk"), occurred_on__gte=OuterRef("initial_meeting_on")
        )
        .order_by()
        .values("mentorship")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return mentorships.select_related(*related).annotate(
        last_meeting=Subquery(
            Meeting.objects.filter(mentorship=OuterRef("pk"), outcome=Meeting.Outcome.HELD)
            .order_by("-occurred_on")
            .values("occurred_on")[:1]
        ),
        check_in_count=Coalesce(Subquery(check_ins), 0),
        has_reentry_plan=Exists(ReentryPlan.objects.filter(mentorship=OuterRef("pk"))),
        plan_release=Subquery(
            ReentryPlan.objects.filter(mentorship=OuterRef("pk")).values("release_date")[:1]
        ),
        last_review=Subquery(
            Review.objects.filter(mentorship=OuterRef("pk"))
            .order_by("-held_on")
            .values("held_on")[:1]
        ),
        last_pre_release=Subquery(
            Review.objects.filter(mentorship=OuterRef("pk"), occasion=Occasion.PRE_RELEASE)
            .order_by("-held_on")
            .values("held_on")[:1]
        ),
        has_intake=Exists(
            Review.objects.filter(mentorship=OuterRef("pk"), occasion=Occasion.INTAKE)
        ),
        housing_status=Subquery(
            ReentryNeed.objects.filter(
                plan__mentorship=OuterRef("pk"), domain=NeedDomain.HOUSING
            ).values("status")[:1]
        ),
    )


def _day(value: date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def quiet_since(mentorship: Mentorship, today: date) -> date | None:
    """For an active mentorship with no meeting held for longer than its phase allows, the
    day of the last meeting (or of the initial one); None otherwise. Needs `last_meeting`
    annotated (see `annotated`) to count meetings."""
    if mentorship.status != MentorshipStatus.ACTIVE:
        return None
    since = getattr(mentorship, "last_meeting", None) or mentorship.initial_meeting_on
    if since is None or (today - since).days <= quiet_limit(mentorship):
        return None
    return since


def alerts_for(mentorship: Mentorship, today: date) -> list[Alert]:
    """Alerts of one mentorship loaded through `annotated`."""
    found = []
    if mentorship.status == MentorshipStatus.ACTIVE:
        limit = quiet_limit(mentorship)
        if (since := quiet_since(mentorship, today)) is not None:
            found.append(
                Alert(
                    key=f"no_meeting:{mentorship.pk}:{since.isoformat()}",
                    kind="no_meeting",
                    mentorship=mentorship,
                    text=ngettext(
                        "No meeting since %(date)s (more than %(days)s day).",
                        "No meeting since %(date)s (more than %(days)s days).",
                        limit,
                    )
                    % {"date": _day(since), "days": limit},
                    audience=frozenset({MENTOR, COACH, COORDINATOR}),
                )
            )
        started = mentorship.initial_meeting_on
        if started is not None:
            due = check_ins_due(mentorship.programme, started, today)
            done = getattr(mentorship, "check_in_count", 0)
            if len(due) > done:
                found.append(
                    Alert(
                        key=f"check_in:{mentorship.pk}:{due[done].isoformat()}",
                        kind="check_in",
                        mentorship=mentorship,
                        text=str(_("A coordinator check-in was due by %(date)s."))
                        % {"date": _day(due[done])},
                        audience=frozenset({COORDINATOR}),
                    )
                )
    if mentorship.status in (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED):
        release = mentorship.mentee.expected_release_date
        window = mentorship.programme.release_alert_days
        if release is not None and today <= release <= today + timedelta(days=window):
            found.append(
                Alert(
                    key=f"release:{mentorship.pk}:{release.isoformat()}",
                    kind="release",
                    mentorship=mentorship,
                    text=str(_("Expected release on %(date)s.")) % {"date": _day(release)},
                    audience=frozenset({MENTOR, COORDINATOR}),
                )
            )
    found += _leaver_alerts(mentorship)
    if mentorship.status in (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED):
        found += _reentry_alerts(mentorship, today)
        found += _review_alerts(mentorship, today)
    if mentorship.status == MentorshipStatus.PROPOSED and mentorship.status_changed_at:
        proposed_on = timezone.localdate(mentorship.status_changed_at)
        if (today - proposed_on).days > mentorship.programme.activation_days:
            found.append(
                Alert(
                    key=f"activation:{mentorship.pk}:{proposed_on.isoformat()}",
                    kind="activation",
                    mentorship=mentorship,
                    text=str(_("Proposed on %(date)s and not yet activated."))
                    % {"date": _day(proposed_on)},
                    audience=frozenset({COORDINATOR}),
                )
            )
    return found


def _leaver_alerts(mentorship: Mentorship) -> list[Alert]:
    """An open mentorship whose mentor's or coach's account the administrator deactivated:
    the coordinator must give it a new mentor or coach."""
    found = []
    for kind, who, text in (
        (
            MENTOR,
            mentorship.mentor,
            _("The account of mentor %(person)s is deactivated: choose a new mentor."),
        ),
        (
            COACH,
            mentorship.coach,
            _("The account of coach %(person)s is deactivated: choose a new coach."),
        ),
    ):
        if who.user is not None and not who.user.is_active:
            found.append(
                Alert(
                    key=f"leaver:{mentorship.pk}:{kind}:{who.user_id}",
                    kind="leaver",
                    mentorship=mentorship,
                    text=str(text) % {"person": who},
                    audience=frozenset({COORDINATOR}),
                )
            )
    return found


def _reentry_alerts(mentorship: Mentorship, today: date) -> list[Alert]:
    """A release within 90 days needs a re-entry plan; within 30 days, housing. The plan's
    release date counts when there is a plan, else the person's expected release."""
    found: list[Alert] = []
    release = getattr(mentorship, "plan_release", None) or mentorship.mentee.expected_release_date
    if release is None or release < today:
        return found
    days = (release - today).days
    if not getattr(mentorship, "has_reentry_plan", False):
        if days <= mentorship.programme.reentry_plan_alert_days:
            found.append(
                Alert(
                    key=f"reentry_plan:{mentorship.pk}:{release.isoformat()}",
                    kind="reentry_plan",
                    mentorship=mentorship,
                    text=str(_("Release on %(date)s and no re-entry plan yet."))
                    % {"date": _day(release)},
                    audience=frozenset({MENTOR, COORDINATOR}),
                )
            )
    elif days <= mentorship.programme.housing_alert_days and getattr(
        mentorship, "housing_status", None
    ) not in (NeedStatus.SECURED, NeedStatus.NOT_NEEDED):
        found.append(
            Alert(
                key=f"housing:{mentorship.pk}:{release.isoformat()}",
                kind="housing",
                mentorship=mentorship,
                text=ngettext(
                    "%(days)s day to release: housing not secured.",
                    "%(days)s days to release: housing not secured.",
                    days,
                )
                % {"days": days},
                audience=frozenset({MENTOR, COACH, COORDINATOR}),
            )
        )
    return found


def _review_alerts(mentorship: Mentorship, today: date) -> list[Alert]:
    """Progress reviews by the rule of the reviews page (`reviews.services.due_from`); the
    intake review is flagged once 30 days have passed without it."""
    from backontrack.reviews.services import due_from

    started = mentorship.initial_meeting_on
    if started is None:
        return []
    release = getattr(mentorship, "plan_release", None) or mentorship.mentee.expected_release_date
    last = getattr(mentorship, "last_review", None)
    found = []
    for occasion in due_from(
        started=started,
        has_intake=getattr(mentorship, "has_intake", False),
        last_held=last,
        last_pre_release=getattr(mentorship, "last_pre_release", None),
        release=release,
        today=today,
        review_months=mentorship.programme.review_months,
    ):
        if occasion == Occasion.INTAKE and (today - started).days < INTAKE_REVIEW_DAYS:
            continue
        found.append(
            Alert(
                key=f"review:{mentorship.pk}:{occasion}:{(last or started).isoformat()}",
                kind="review",
                mentorship=mentorship,
                text=str(REVIEW_TEXTS[occasion]),
                audience=frozenset({MENTOR, COACH, COORDINATOR}),
            )
        )
    return found


Window = tuple[str, date, date | None]


def check_in_begins(programme: Programme, started: date, done: int) -> date:
    """The day the check-in after the `done` ones falls due: the (done + 1)th of the days
    `check_ins_due` lists, which are the first check-in's day and the second's and every
    cadence after it (the first may fall after the second)."""
    second = started + timedelta(days=programme.check_in_second_days)
    days = [started + timedelta(days=programme.check_in_first_days)]
    days += [second + timedelta(days=k * programme.check_in_every_days) for k in range(done + 1)]
    return sorted(days)[done]


def windows_for(mentorship: Mentorship) -> list[Window]:
    """The days on which each alert of `alerts_for` holds for this mentorship loaded through
    `annotated`, as (kind, first day, first day it no longer holds or None): the same rules
    solved for today. A leaver's alert holds from the first day there is."""
    from backontrack.reviews.services import PRE_RELEASE_DAYS

    if mentorship.status == MentorshipStatus.CLOSED:
        return []
    programme = mentorship.programme
    started = mentorship.initial_meeting_on
    found: list[Window] = [("leaver", date.min, None) for _alert in _leaver_alerts(mentorship)]
    if mentorship.status == MentorshipStatus.ACTIVE:
        since = getattr(mentorship, "last_meeting", None) or started
        if since is not None:
            found.append(("no_meeting", since + timedelta(days=quiet_limit(mentorship) + 1), None))
        if started is not None:
            done = getattr(mentorship, "check_in_count", 0)
            found.append(("check_in", check_in_begins(programme, started, done), None))
    if mentorship.status in (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED):
        expected = mentorship.mentee.expected_release_date
        if expected is not None:
            found.append(_before("release", expected, programme.release_alert_days))
        release = getattr(mentorship, "plan_release", None) or expected
        if release is not None:
            if not getattr(mentorship, "has_reentry_plan", False):
                found.append(_before("reentry_plan", release, programme.reentry_plan_alert_days))
            elif getattr(mentorship, "housing_status", None) not in (
                NeedStatus.SECURED,
                NeedStatus.NOT_NEEDED,
            ):
                found.append(_before("housing", release, programme.housing_alert_days))
        if started is not None:
            last = getattr(mentorship, "last_review", None)
            if not getattr(mentorship, "has_intake", False):
                found.append(("review", started + timedelta(days=INTAKE_REVIEW_DAYS), None))
            elif last is not None:
                found.append(("review", last + timedelta(days=30 * programme.review_months), None))
            pre_release = getattr(mentorship, "last_pre_release", None)
            if release is not None and (
                pre_release is None or pre_release < release - timedelta(days=PRE_RELEASE_DAYS)
            ):
                found.append(_before("review", release, PRE_RELEASE_DAYS))
    if mentorship.status == MentorshipStatus.PROPOSED and mentorship.status_changed_at:
        proposed_on = timezone.localdate(mentorship.status_changed_at)
        found.append(
            ("activation", proposed_on + timedelta(days=programme.activation_days + 1), None)
        )
    return found


def _before(kind: str, day: date, days: int) -> Window:
    """From `days` before the day to the day itself."""
    return (kind, day - timedelta(days=days), day + timedelta(days=1))


# The mentorships whose windows are to be derived when the `alert_windows_deferred` block
# ends (None outside such a block).
_deferred: ContextVar[set[int] | None] = ContextVar("alert_windows_deferred", default=None)


@contextmanager
def alert_windows_deferred() -> Iterator[None]:
    """Within the block the services' rebuilds are noted, and each mentorship noted has its
    windows derived once, when the block ends: for writing many records in one go (the demo
    loads hundreds of meetings, check-ins and moves), where each would derive its
    mentorship's windows again. Nothing in the block may read the windows. If the block
    raises, nothing is derived: its transaction is rolled back. A block within another adds
    its mentorships to the outer one's, derived when that ends."""
    if _deferred.get() is not None:
        yield
        return
    pending: set[int] = set()
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    alert_windows_rebuild(sorted(pending))


def alert_windows_rebuild(mentorship_ids: Iterable[int]) -> None:
    """Derive the alert windows of these mentorships again from their records. Every service
    that changes a record the rules read calls it, in its transaction; `backontrack
    rebuild-alerts` calls it for every mentorship. In an `alert_windows_deferred` block the
    mentorships are only noted."""
    ids = list(mentorship_ids)
    if (pending := _deferred.get()) is not None:
        pending.update(ids)
        return
    for start in range(0, len(ids), LOADED_TOGETHER):
        batch = ids[start : start + LOADED_TOGETHER]
        AlertWindow.objects.filter(mentorship_id__in=batch).delete()
        AlertWindow.objects.bulk_create(
            AlertWindow(
                mentorship=mentorship,
                programme_id=mentorship.programme_id,
                kind=kind,
                begins_on=begins,
                ends_on=ends,
            )
            for mentorship in annotated(
                Mentorship.objects.filter(pk__in=batch).exclude(status=MentorshipStatus.CLOSED)
            )
            for kind, begins, ends in windows_for(mentorship)
        )


def programme_alert_windows_rebuild(programme: Programme) -> None:
    """The programme's settings changed: its open mentorships' windows follow them."""
    alert_windows_rebuild(
        Mentorship.objects.filter(programme=programme)
        .exclude(status=MentorshipStatus.CLOSED)
        .values_list("pk", flat=True)
    )


def account_alert_windows_rebuild(user: User) -> None:
    """An account was deactivated or reactivated: the open mentorships it mentors or
    supervises follow."""
    alert_windows_rebuild(
        Mentorship.objects.filter(Q(mentor__user=user) | Q(coach__user=user))
        .exclude(status=MentorshipStatus.CLOSED)
        .values_list("pk", flat=True)
    )


def _holding(today: date) -> QuerySet[AlertWindow]:
    """The alert windows that hold today."""
    return AlertWindow.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=today), begins_on__lte=today
    )


def alerts(mentorships: QuerySet[Mentorship], *, today: date | None = None) -> list[Alert]:
    """The alerts of these mentorships, by the mentee's name: only the mentorships that have
    one are loaded."""
    return first_alerts(mentorships, today=today)[0]


def first_alerts(
    mentorships: QuerySet[Mentorship],
    *,
    limit: int | None = None,
    today: date | None = None,
    windows: QuerySet[AlertWindow] | None = None,
) -> tuple[list[Alert], int]:
    """The first `limit` alerts of these mentorships (all without a limit), by the mentee's
    name, and how many there are in all: the database finds the mentorships that have an
    alert and counts the alerts; only the first of them are loaded and worded. `windows`,
    when given, are the same mentorships' windows as the access policy says them
    (`alert_windows_visible_to`), counted without asking for the mentorships."""
    today = today or timezone.localdate()
    rows = mentorships.exclude(status=MentorshipStatus.CLOSED)
    flagged = rows.filter(Exists(_holding(today).filter(mentorship=OuterRef("pk"))))
    ids = list(flagged.order_by("mentee__last_name", "id").values_list("pk", flat=True)[:limit])
    found: list[Alert] = []
    for start in range(0, len(ids), LOADED_TOGETHER):
        batch = ids[start : start + LOADED_TOGETHER]
        loaded = {m.pk: m for m in annotated(Mentorship.objects.filter(pk__in=batch))}
        for pk in batch:
            found += alerts_for(loaded[pk], today)
    if limit is None or len(ids) < limit:
        return found[:limit], len(found)
    # Each of the first mentorships has at least one alert: the rest are only counted, one
    # window for each alert.
    if windows is None:
        windows = AlertWindow.objects.filter(mentorship__in=rows.values("pk"))
    return found[:limit], (windows & _holding(today)).count()


def audience_of(alert: Alert, user_id: int) -> set[str]:
    """Which of the alert's audiences this person is in, for this mentorship."""
    roles = set()
    if alert.mentorship.mentor.user_id == user_id:
        roles.add(MENTOR)
    if alert.mentorship.coach.user_id == user_id:
        roles.add(COACH)
    return roles & alert.audience


def visible_alerts(user: object, mentorships: QuerySet[Mentorship]) -> list[Alert]:
    """The alerts this person should see among these (already access-filtered) mentorships:
    a coordinator sees the coordinator's; a mentor and a coach see theirs."""
    from backontrack.core.access import can_screen_referrals

    coordinator = can_screen_referrals(user)
    user_id = getattr(user, "pk", None)
    return [
        alert
        for alert in alerts(mentorships)
        if (coordinator and COORDINATOR in alert.audience)
        or (user_id is not None and audience_of(alert, user_id))
    ]
