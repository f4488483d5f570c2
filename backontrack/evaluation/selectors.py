"""Reads of follow-ups: each loads through the access policy and records what it showed in
the same call. The due list names no one: it shows case numbers, the programme and the date."""

from django.core.paginator import Page, Paginator
from django.utils import timezone

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.lessons.models import Lesson
from backontrack.lessons.names import people_named
from backontrack.lessons.selectors import ADOPTED_FIELDS, adopted_lessons
from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Mentorship
from backontrack.programmes.models import Programme
from backontrack.referrals.models import Referral

from . import dashboard as figures
from . import dataset, report, theory
from .dashboard import Period, Table
from .dataset import DataSet
from .followups import Due, first_due_follow_ups, listed_follow_ups
from .models import Group
from .report import Report

INDICATOR_PAGE_SIZE = 25


def follow_ups_due(user: object) -> list[Due]:
    """The follow-ups due in the programmes the user coordinates (none for anyone else)."""
    return listed_follow_ups(access.due_follow_ups_visible_to(user), timezone.localdate())


def first_follow_ups_due(user: object, limit: int) -> tuple[list[Due], int]:
    """The first `limit` of `follow_ups_due(user)` and how many there are."""
    return first_due_follow_ups(access.due_follow_ups_visible_to(user), timezone.localdate(), limit)


def record_due_shown(user: object, shown: list[Due]) -> None:
    """File the listing of these cases' follow-up dates under the people concerned."""
    for group, model in ((Group.MENTORED, Mentorship), (Group.COMPARISON, Referral)):
        ids = sorted({due.case_id for due in shown if due.group == group})
        if ids:
            record(
                actor=user,
                action=Action.LIST,
                object_type=model._meta.label_lower,
                object_ids=ids,
                fields=["follow_ups_due"],
            )


def follow_up_case(user: object, group: str, pk: int) -> Mentorship | Referral:
    """The closed mentorship or comparison referral the user may follow up (404 otherwise)."""
    case: Mentorship | Referral
    if group == Group.MENTORED:
        case = access.follow_up_mentorship_for(user, pk)
        fields = ["closed_on", "closure_type"]
    else:
        case = access.follow_up_referral_for(user, pk)
        fields = ["eligibility_decided"]
    record(actor=user, action=Action.VIEW, obj=case, fields=fields, detail="follow-up")
    return case


def dashboard(user: object, period: Period) -> tuple[list[Table], list[Table]]:
    """The programme's figures for the period and its indicators' trajectories: pseudonymised
    for whoever is not its coordinator. The look is recorded (it names no one: the figures
    are aggregates)."""
    access.require(access.can_see_programme_dashboard(user))
    access.evaluation_programme_for(user, period.programme.pk)
    pseudonymised = access.sees_pseudonymised_figures(user)
    found = figures.tables(period, pseudonymised=pseudonymised)
    indicators = theory.tables(period, pseudonymised=pseudonymised)
    record(
        actor=user,
        action=Action.VIEW,
        obj=period.programme,
        fields=["dashboard"],
        detail=f"{period.start}..{period.end}",
    )
    return found, indicators


def dashboard_table(user: object, period: Period, key: str) -> Table:
    """One figure of the dashboard, for its CSV download (recorded as an export)."""
    access.require(access.can_see_programme_dashboard(user))
    access.evaluation_programme_for(user, period.programme.pk)
    pseudonymised = access.sees_pseudonymised_figures(user)
    if key.startswith(theory.KEY_PREFIX):
        found = theory.table(period, key, pseudonymised=pseudonymised)
    else:
        found = figures.table(period, key, pseudonymised=pseudonymised)
    record(
        actor=user,
        action=Action.EXPORT,
        obj=period.programme,
        fields=[f"dashboard:{key}"],
        detail=f"{period.start}..{period.end}",
    )
    return found


def data_set(user: object, period: Period, purpose: str) -> DataSet:
    """The evaluator's pseudonymised data set; the export is recorded under every person whose
    rows it holds, with its purpose."""
    access.require(access.can_export_evaluation_data_set(user))
    access.evaluation_programme_for(user, period.programme.pk)
    data = dataset.build(period, purpose)
    record(
        actor=user,
        action=Action.EXPORT,
        object_type="mentees.mentee",
        object_ids=data.people,
        fields=[*dataset.CASE_COLUMNS, *dataset.FOLLOW_UP_COLUMNS],
        justification=f"evaluation:{dataset.normalised_purpose(purpose)}",
        recipient="evaluator (pseudonymised data set)",
        detail=(
            f"{period.programme} {period.start}..{period.end}: {len(data.cases)} cases, "
            f"{len(data.follow_ups)} follow-ups, {data.left_out} left out"
        ),
    )
    return data


def programme_report(user: object, period: Period, *, download: bool) -> Report:
    """The programme report for the period (small counts hidden for every reader). The look
    or the download is recorded under the programme, and the lessons it lists under each."""
    access.require(access.can_read_programme_report(user))
    access.report_programme_for(user, period.programme.pk)
    lessons = adopted_lessons(period.programme, (period.start, period.end))
    found = report.build(period, lessons)
    record(
        actor=user,
        action=Action.EXPORT if download else Action.VIEW,
        obj=period.programme,
        fields=["report"],
        detail=f"{period.start}..{period.end}{' (PDF)' if download else ''}",
    )
    if lessons:
        record(
            actor=user,
            action=Action.LIST,
            object_type=Lesson._meta.label_lower,
            object_ids=[lesson.pk for lesson in lessons],
            fields=ADOPTED_FIELDS,
            detail="programme report",
        )
    return found


def indicator_page(user: object, programme: Programme, page_number: str | None) -> Page:
    """A page of the programme's indicators, for its coordinator (configuration: no one's
    personal data, so the list records nothing)."""
    access.require(access.can_manage_indicators(user, programme))
    indicators = access.indicators_visible_to(user).filter(programme=programme)
    return Paginator(indicators.order_by("-active", "name", "id"), INDICATOR_PAGE_SIZE).get_page(
        page_number
    )


def indicator_measures() -> list[tuple[str, list[tuple[str, str]]]]:
    """What an indicator may follow: the aim areas, the instruments' items, the follow-up
    outcomes (the form's grouped choices)."""
    return theory.measure_choices(theory.review_items())


def indicator_names_someone(user: object, programme: Programme, texts: list[str]) -> bool:
    """Whether an indicator's texts contain the name of one of the programme's mentees or of
    someone in their networks (the lessons' check). The answer names nobody; the trail
    records under whom it matched."""
    named = people_named(programme, texts)
    if named:
        record(
            actor=user,
            action=Action.SEARCH,
            object_type=Mentee._meta.label_lower,
            object_ids=named,
            fields=["name"],
            detail="indicator name check",
        )
    return bool(named)
