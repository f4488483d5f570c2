"""Reads of lessons learned: each loads through the access policy and records what it showed
in the same call. `adopted_lessons` is the programme report's reading (it records nothing:
the report that shows them records its own read)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from backontrack.accounts.models import Role
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.mentees.models import Mentee
from backontrack.programmes.models import Programme

from . import names
from .history import HistoryLine, history_of
from .models import BuiltInTag, Lesson, LessonStatus, LessonVersion, Tag
from .services import TEXT_FIELDS

PAGE_SIZE = 20
# Lesson texts are encrypted: a text search opens at most this many lessons, newest first.
SEARCH_LIMIT = 2000
LESSON = Lesson._meta.label_lower
LIST_FIELDS = ["title", "tags", "status", "author", "proposed_on"]
DETAIL_FIELDS = [
    "title",
    "what_happened",
    "what_we_learned",
    "tags",
    "period_start",
    "period_end",
    "status",
    "author",
    "history",
]
ADOPTED_FIELDS = ["title", "what_happened", "what_we_learned", "tags", "author_role", "decided_on"]
HOME_TRAINING_LESSONS = 5


def tags_of(programme: Programme | None) -> QuerySet[Tag]:
    """The built-in tags and, for one programme, its own."""
    own = Q(programme=programme) if programme is not None else Q(pk__in=[])
    return Tag.objects.filter(Q(programme__isnull=True) | own).order_by("programme_id", "id")


def _matches(lesson: Lesson, words: list[str]) -> bool:
    text = " ".join([lesson.title, lesson.what_happened, lesson.what_we_learned]).casefold()
    return all(word in text for word in words)


@dataclass
class LessonList:
    page: Page
    too_many: bool  # more lessons than a text search opens


def lesson_list_page(
    user: object, criteria: dict[str, Any], page_number: str | None, *, programme: Programme | None
) -> LessonList:
    """The lessons of the user's programmes (or of one), newest first, filtered by tag,
    status, the author's role and period in SQL, and by the words searched for in their
    (encrypted) texts."""
    lessons = access.lessons_visible_to(user)
    used: list[str] = []
    if programme is not None:
        lessons = lessons.filter(programme=programme)
    if tag := criteria.get("tag"):
        lessons = lessons.filter(tags=tag)
        used.append("tags")
    if status := criteria.get("status"):
        lessons = lessons.filter(status=status)
        used.append("status")
    if role := criteria.get("author_role"):
        lessons = lessons.filter(author_role=role)
        used.append("author_role")
    start, end = criteria.get("start"), criteria.get("end")
    if start or end:
        lessons = lessons.filter(in_period(start or date.min, end or date.max))
        used += ["period_start", "period_end"]
    lessons = lessons.order_by("-proposed_on", "-id")
    too_many = False
    if words := [w.casefold() for w in criteria.get("q", "").split()]:
        candidates = list(lessons.only("pk", "row_key", *TEXT_FIELDS)[: SEARCH_LIMIT + 1])
        too_many = len(candidates) > SEARCH_LIMIT
        found = [c.pk for c in candidates[:SEARCH_LIMIT] if _matches(c, words)]
        lessons = lessons.filter(pk__in=found)
        used += TEXT_FIELDS
    page = Paginator(
        lessons.select_related("programme", "author").prefetch_related("tags"), PAGE_SIZE
    ).get_page(page_number)
    record(
        actor=user,
        action=Action.SEARCH if used else Action.LIST,
        object_type=LESSON,
        object_ids=[lesson.pk for lesson in page.object_list],
        fields=used or LIST_FIELDS,
    )
    return LessonList(page=page, too_many=too_many)


def in_period(start: date, end: date) -> Q:
    """Lessons about a time overlapping the period, or, without one, proposed in it."""
    return Q(period_start__isnull=False, period_start__lte=end, period_end__gte=start) | Q(
        period_start__isnull=True, proposed_on__gte=start, proposed_on__lte=end
    )


@dataclass
class LessonPage:
    lesson: Lesson
    history: list[HistoryLine]
    versions: list[LessonVersion]
    tags: list[Tag]


def lesson_page(user: object, pk: int) -> LessonPage:
    lesson = access.lesson_for(user, pk)
    shown = LessonPage(
        lesson=lesson,
        history=history_of(list(lesson.changes.select_related("changed_by"))),
        versions=list(lesson.versions.select_related("saved_by")),
        tags=list(lesson.tags.all()),
    )
    record(actor=user, action=Action.VIEW, obj=lesson, fields=DETAIL_FIELDS)
    return shown


def lesson_shown(user: object, lesson: Lesson, fields: list[str]) -> Lesson:
    """A form page about a lesson (loaded by the view for its write) shows these fields."""
    record(actor=user, action=Action.VIEW, obj=lesson, fields=fields)
    return lesson


def looks_like_a_name(user: object, programme: Programme, texts: list[str]) -> bool:
    """Whether the texts contain the name of one of the programme's mentees or of someone in
    their networks. The answer names nobody; the comparison is a search of their names, and
    the trail records under whom it matched (so that probing the programme for a name is
    seen)."""
    named = names.people_named(programme, texts)
    if named:
        record(
            actor=user,
            action=Action.SEARCH,
            object_type=Mentee._meta.label_lower,
            object_ids=named,
            fields=["name"],
            detail="lesson name check",
        )
    return bool(named)


@dataclass(frozen=True)
class AdoptedLesson:
    """An adopted lesson as the programme's readers outside it see it: the texts, tags and
    date, and the author by role."""

    pk: int
    programme: str
    title: str
    what_happened: str
    what_we_learned: str
    tags: list[str]
    author_role: str
    adopted_on: date | None


def _adopted(lessons: Iterable[Lesson]) -> list[AdoptedLesson]:
    return [
        AdoptedLesson(
            pk=lesson.pk,
            programme=str(lesson.programme),
            title=lesson.title,
            what_happened=lesson.what_happened,
            what_we_learned=lesson.what_we_learned,
            tags=[str(tag) for tag in lesson.tags.all()],
            author_role=str(Role(lesson.author_role).label),
            adopted_on=lesson.decided_on,
        )
        for lesson in lessons
    ]


def _adopted_in(lessons: QuerySet[Lesson], period: tuple[date, date] | None) -> QuerySet[Lesson]:
    if period is not None:
        lessons = lessons.filter(decided_on__gte=period[0], decided_on__lte=period[1])
    return (
        lessons.filter(status=LessonStatus.ADOPTED)
        .select_related("programme")
        .prefetch_related("tags")
        .order_by("-decided_on", "-id")
    )


def adopted_lessons(programme: Programme, period: tuple[date, date] | None) -> list[AdoptedLesson]:
    """The programme's lessons adopted in the period (first and last day, both included; None:
    all), latest first: for the programme report, which loads the programme through the
    access policy and records its read. Two queries."""
    return _adopted(_adopted_in(Lesson.objects.filter(programme=programme), period))


def adopted_page(
    user: object,
    programme: Programme | None,
    period: tuple[date, date] | None,
    page_number: str | None,
) -> Page:
    """A page of the adopted lessons the user may read (of one programme, or all)."""
    lessons = access.adopted_lessons_visible_to(user)
    if programme is not None:
        lessons = lessons.filter(programme=programme)
    page = Paginator(_adopted_in(lessons, period), PAGE_SIZE).get_page(page_number)
    page.object_list = _adopted(page.object_list)  # type: ignore[assignment]
    record(
        actor=user,
        action=Action.LIST,
        object_type=LESSON,
        object_ids=[lesson.pk for lesson in page.object_list],
        fields=ADOPTED_FIELDS,
    )
    return page


def training_lessons(user: object) -> list[Lesson]:
    """For the trainer's home: the latest lessons tagged training in the programmes the
    trainer takes part in, that were not declined."""
    lessons = list(
        access.lessons_visible_to(user)
        .filter(tags__code=BuiltInTag.TRAINING)
        .exclude(status=LessonStatus.DECLINED)
        .select_related("programme")
        .order_by("-proposed_on", "-id")[:HOME_TRAINING_LESSONS]
    )
    if lessons:
        record(
            actor=user,
            action=Action.LIST,
            object_type=LESSON,
            object_ids=[lesson.pk for lesson in lessons],
            fields=["title", "status"],
            detail="home page",
        )
    return lessons


def lessons_to_decide(user: object) -> int:
    """For the coordinator's home: the lessons of the programmes they coordinate that wait
    for discussion or a decision."""
    return (
        access.lessons_visible_to(user)
        .filter(
            programme__in=access.programmes_coordinated_by(user),
            status__in=[LessonStatus.PROPOSED, LessonStatus.DISCUSSED],
        )
        .count()
    )
