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
alert) and once as conditions the database evaluates (`_alert_counts`), so that only the
mentorships with an alert are loaded and worded, and the home page counts them without
loading them (docs/performance.md). `tests/test_alerts.py` holds the two to the same alerts
on the demo over a year of days."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from backontrack.programmes.models import Programme
from backontrack.reviews.models import Occasion, Review

from .models import (
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
    """What alerts need, in the same query: the last meeting held and the check-ins."""
    related = ("programme", "mentee", "mentor__user", "coach__user")
    return mentorships.select_related(*related).annotate(
        last_meeting=Max("meetings__occurred_on", filter=Q(meetings__outcome=Meeting.Outcome.HELD)),
        check_in_count=Count(
            "checkins",
            filter=Q(checkins__occurred_on__gte=F("initial_meeting_on")),
            distinct=True,
        ),
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


class _Days(Func):
    """`_Days(later, earlier)`: the whole days from the date `earlier` to the date `later`, as
    an integer (SQLite and PostgreSQL), NULL when either is NULL."""

    arity = 2
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(CAST(%(expressions)s AS date))",
            arg_joiner=" AS date) - CAST(",
            **extra,
        )


def _per_programme(programmes: list[Programme], value: Any) -> Case:
    """A programme's setting as a value of each mentorship's row (a programme is one of a
    handful: its settings are read once and written into the query)."""
    return Case(
        *(When(programme_id=p.pk, then=Value(value(p))) for p in programmes),
        default=Value(None),
        output_field=IntegerField(),
    )


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _alert_counts(
    mentorships: QuerySet[Mentorship], today: date
) -> tuple[QuerySet[Mentorship], Any]:
    """The open mentorships among these, and an expression of their rows: the number of
    alerts `alerts_for` gives each (so that it is above 0 exactly when the mentorship has an
    alert), computed by the database from the same rules."""
    from backontrack.reviews.services import PRE_RELEASE_DAYS

    programmes = list(Programme.objects.all())
    held = Meeting.objects.filter(mentorship=OuterRef("pk"), outcome=Meeting.Outcome.HELD)
    of_it = Review.objects.filter(mentorship=OuterRef("pk"))
    plan = ReentryPlan.objects.filter(mentorship=OuterRef("pk"))
    check_ins = (
        CheckIn.objects.filter(
            mentorship=OuterRef("pk"), occurred_on__gte=OuterRef("initial_meeting_on")
        )
        .order_by()
        .values("mentorship")
        .annotate(n=Count("pk"))
        .values("n")
    )
    today_value = Value(today, output_field=DateField())
    rows = mentorships.exclude(status=MentorshipStatus.CLOSED).alias(
        since=Coalesce(
            Subquery(held.order_by("-occurred_on").values("occurred_on")[:1]),
            F("initial_meeting_on"),
        ),
        done=Coalesce(Subquery(check_ins), 0),
        started_days=_Days(today_value, F("initial_meeting_on")),
        quiet_days=_Days(today_value, F("since")),
        has_plan=Exists(plan),
        release=Coalesce(
            Subquery(plan.values("release_date")[:1]), F("mentee__expected_release_date")
        ),
        has_intake=Exists(of_it.filter(occasion=Occasion.INTAKE)),
        last_review=Subquery(of_it.order_by("-held_on").values("held_on")[:1]),
        last_pre_release=Subquery(
            of_it.filter(occasion=Occasion.PRE_RELEASE).order_by("-held_on").values("held_on")[:1]
        ),
        pre_release_gap=_Days(F("release"), F("last_pre_release")),
        housing=Subquery(
            ReentryNeed.objects.filter(
                plan__mentorship=OuterRef("pk"), domain=NeedDomain.HOUSING
            ).values("status")[:1]
        ),
        quiet_limit=Case(
            When(
                phase=Phase.AFTERCARE,
                then=_per_programme(programmes, lambda p: p.no_meeting_days_aftercare),
            ),
            default=_per_programme(programmes, lambda p: p.no_meeting_days),
            output_field=IntegerField(),
        ),
        first=_per_programme(programmes, lambda p: p.check_in_first_days),
        second=_per_programme(programmes, lambda p: p.check_in_second_days),
        every=_per_programme(programmes, lambda p: p.check_in_every_days),
    )
    active = Q(status=MentorshipStatus.ACTIVE)
    ongoing = Q(status__in=(MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED))
    started = Q(initial_meeting_on__isnull=False)
    # The check-in after the `done` ones is due: its day is the first's, the second's, or
    # the second's and so many more cadences.
    after_second = Q(started_days__gte=F("second"))
    check_in_due = started & (
        Q(done=0, started_days__gte=F("first"))
        | Q(done=0) & after_second
        | Q(done__gte=1)
        & after_second
        & (
            Q(started_days__gte=F("first"))
            & Q(started_days__gte=F("second") + (F("done") - 1) * F("every"))
            | Q(started_days__lt=F("first"))
            & Q(started_days__gte=F("second") + F("done") * F("every"))
        )
    )

    def within(days: Any) -> Q:
        return Q(release__gte=today) & Q(release__lte=days)

    conditions = [
        active & Q(quiet_days__gt=F("quiet_limit")),
        active & check_in_due,
        ongoing
        & (
            _any(
                Q(
                    programme_id=p.pk,
                    mentee__expected_release_date__gte=today,
                    mentee__expected_release_date__lte=today + timedelta(days=p.release_alert_days),
                )
                for p in programmes
            )
        ),
        Q(mentor__user__isnull=False, mentor__user__is_active=False),
        Q(coach__user__isnull=False, coach__user__is_active=False),
        ongoing
        & Q(has_plan=False)
        & _any(
            Q(programme_id=p.pk) & within(today + timedelta(days=p.reentry_plan_alert_days))
            for p in programmes
        ),
        ongoing
        & Q(has_plan=True)
        & (Q(housing__isnull=True) | ~Q(housing__in=(NeedStatus.SECURED, NeedStatus.NOT_NEEDED)))
        & _any(
            Q(programme_id=p.pk) & within(today + timedelta(days=p.housing_alert_days))
            for p in programmes
        ),
        ongoing
        & started
        & Q(has_intake=False, initial_meeting_on__lte=today - timedelta(days=INTAKE_REVIEW_DAYS)),
        ongoing
        & started
        & Q(has_intake=True)
        & _any(
            Q(
                programme_id=p.pk,
                last_review__lte=today - timedelta(days=30 * p.review_months),
            )
            for p in programmes
        ),
        ongoing
        & started
        & within(today + timedelta(days=PRE_RELEASE_DAYS))
        & (Q(last_pre_release__isnull=True) | Q(pre_release_gap__gt=PRE_RELEASE_DAYS)),
        Q(
            status=MentorshipStatus.PROPOSED,
            status_changed_at__isnull=False,
        )
        & _any(
            Q(
                programme_id=p.pk,
                status_changed_at__lt=_start_of(today - timedelta(days=p.activation_days)),
            )
            for p in programmes
        ),
    ]
    count = sum((_flag(condition) for condition in conditions[1:]), _flag(conditions[0]))
    return rows, count


def _any(conditions: Any) -> Q:
    found = Q(pk__in=[])
    for condition in conditions:
        found |= condition
    return found


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def alerts(mentorships: QuerySet[Mentorship], *, today: date | None = None) -> list[Alert]:
    """The alerts of these mentorships, by the mentee's name: only the mentorships that have
    one are loaded."""
    return first_alerts(mentorships, today=today)[0]


def first_alerts(
    mentorships: QuerySet[Mentorship], *, limit: int | None = None, today: date | None = None
) -> tuple[list[Alert], int]:
    """The first `limit` alerts of these mentorships (all without a limit), by the mentee's
    name, and how many there are in all: the database finds the mentorships that have an
    alert and counts the alerts; only the first of them are loaded and worded."""
    today = today or timezone.localdate()
    rows, count = _alert_counts(mentorships, today)
    flagged = (
        rows.alias(alert_count=count)
        .filter(Q(alert_count__gt=0))
        .order_by("mentee__last_name", "id")
    )
    ids = list(flagged.values_list("pk", flat=True)[:limit])
    found: list[Alert] = []
    for start in range(0, len(ids), LOADED_TOGETHER):
        batch = ids[start : start + LOADED_TOGETHER]
        loaded = {m.pk: m for m in annotated(Mentorship.objects.filter(pk__in=batch))}
        for pk in batch:
            found += alerts_for(loaded[pk], today)
    if limit is None or len(ids) < limit:
        return found[:limit], len(found)
    # Each of the first mentorships has at least one alert: the rest are only counted.
    return found[:limit], rows.annotate(alert_count=count).aggregate(
        total=Coalesce(Sum("alert_count"), 0)
    )["total"]


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
