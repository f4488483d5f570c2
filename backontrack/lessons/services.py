"""Every write to lessons learned, audited in the same transaction."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.accounts.models import Role, User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, dates
from backontrack.core.concurrency import claim_version
from backontrack.core.errors import Refused
from backontrack.programmes.models import Programme

from .models import MOVES, Lesson, LessonChange, LessonStatus, LessonVersion, Tag

TEXT_FIELDS = ["title", "what_happened", "what_we_learned"]
PERIOD = ["period_start", "period_end"]


@dataclass
class LessonData:
    title: str
    what_happened: str
    what_we_learned: str
    tags: list[Tag] = field(default_factory=list)
    period_start: date | None = None
    period_end: date | None = None

    def texts(self) -> list[str]:
        return [self.title, self.what_happened, self.what_we_learned]

    def clean(self, programme: Programme) -> "LessonData":
        self.title = self.title.strip()
        self.what_happened = self.what_happened.strip()
        self.what_we_learned = self.what_we_learned.strip()
        if not (self.title and self.what_happened and self.what_we_learned):
            raise Refused(_("Give the lesson a title, say what happened and what you learned."))
        if any(tag.programme_id not in (None, programme.pk) for tag in self.tags):
            raise Refused(_("Choose from the options given."))
        if self.period_end is not None and self.period_start is None:
            self.period_start = self.period_end
        if self.period_start is not None and self.period_end is None:
            self.period_end = self.period_start
        for day in (self.period_start, self.period_end):
            dates.PROGRAMME_EVENT.require(day)
            if day is not None and day > timezone.localdate():
                raise Refused(
                    _(
                        "A lesson is about what has happened: the period cannot end later "
                        "than today."
                    )
                )
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise Refused(_("The period ends before it begins."))
        return self


def author_role_of(user: User, programme: Programme) -> str:
    """The role the author writes in: the programme's coordinator, else its coach, else its
    mentor (the first role of these they hold in it)."""
    for role in (Role.COORDINATOR, Role.COACH, Role.MENTOR):
        if access.programmes_of(user, role).filter(pk=programme.pk).exists():
            return role
    raise Refused(_("Lessons are written by the programme's mentors, coaches and coordinators."))


def _snapshot_tags(lesson: Lesson) -> list[int]:
    return sorted(tag.pk for tag in lesson.tags.all())


@transaction.atomic
def lesson_propose(
    *, actor: User, programme: Programme, data: LessonData, names_confirmed: bool
) -> Lesson:
    if not access.can_propose_lesson(actor, programme):
        raise Refused(
            _("Lessons are written by the programme's mentors, coaches and coordinators.")
        )
    data.clean(programme)
    lesson = Lesson.objects.create(
        programme=programme,
        title=data.title,
        what_happened=data.what_happened,
        what_we_learned=data.what_we_learned,
        period_start=data.period_start,
        period_end=data.period_end,
        author=actor,
        author_role=author_role_of(actor, programme),
        names_confirmed=names_confirmed,
        proposed_on=timezone.localdate(),
    )
    lesson.tags.set(data.tags)
    LessonChange.objects.create(
        lesson=lesson,
        kind=LessonChange.Kind.PROPOSED,
        params={"names_confirmed": names_confirmed},
        changed_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=lesson,
        fields=[*TEXT_FIELDS, "tags", *(PERIOD if data.period_start else [])],
    )
    return lesson


@transaction.atomic
def lesson_update(
    *, actor: User, lesson: Lesson, version: int, data: LessonData, names_confirmed: bool
) -> Lesson:
    """The author changes their lesson while it is proposed; the wording it had is kept as
    a version."""
    if not access.can_edit_lesson(actor, lesson):
        raise Refused(_("A lesson is changed by its author while it is proposed."))
    data.clean(lesson.programme)
    claim_version(lesson, version)
    number = lesson.versions.count() + 1
    LessonVersion.objects.create(
        lesson=lesson,
        number=number,
        title=lesson.title,
        what_happened=lesson.what_happened,
        what_we_learned=lesson.what_we_learned,
        tags=_snapshot_tags(lesson),
        saved_by=actor,
        saved_at=timezone.now(),
    )
    changed = [name for name in TEXT_FIELDS if getattr(lesson, name) != getattr(data, name)]
    if _snapshot_tags(lesson) != sorted(tag.pk for tag in data.tags):
        changed.append("tags")
    if (lesson.period_start, lesson.period_end) != (data.period_start, data.period_end):
        changed += PERIOD
    for name in (*TEXT_FIELDS, "period_start", "period_end"):
        setattr(lesson, name, getattr(data, name))
    lesson.names_confirmed = names_confirmed
    lesson.save()
    lesson.tags.set(data.tags)
    LessonChange.objects.create(
        lesson=lesson,
        kind=LessonChange.Kind.EDITED,
        params={"version": number, "names_confirmed": names_confirmed},
        changed_by=actor,
    )
    record(actor=actor, action=Action.CHANGE, obj=lesson, fields=changed)
    return lesson


@transaction.atomic
def lesson_move(*, actor: User, lesson: Lesson, version: int, to_status: str, note: str) -> Lesson:
    """A coordinator of the programme moves the lesson on, saying why."""
    if not access.can_move_lesson(actor, lesson, to_status):
        raise Refused(_("The programme's coordinators discuss, adopt and decline lessons."))
    if to_status not in MOVES.get(lesson.status, ()):
        raise Refused(_("The lesson cannot move to that status from where it is now."))
    if not note.strip():
        raise Refused(_("Say in a note what was decided and why."))
    claim_version(lesson, version)
    from_status = lesson.status
    lesson.status = to_status
    if to_status in (LessonStatus.ADOPTED, LessonStatus.DECLINED):
        lesson.decided_on = timezone.localdate()
    lesson.save(update_fields=["status", "decided_on", "updated_at"])
    LessonChange.objects.create(
        lesson=lesson,
        kind=LessonChange.Kind.MOVED,
        params={"from": from_status, "to": to_status},
        note=note.strip(),
        changed_by=actor,
    )
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=lesson,
        fields=["status", "note"],
        detail=f"{from_status} -> {to_status}",
    )
    return lesson


@transaction.atomic
def tag_create(*, actor: User, programme: Programme, name: str) -> Tag:
    """A coordinator adds a tag of their programme's own."""
    if not access.can_manage_lesson_tags(actor, programme):
        raise Refused(_("The programme's coordinators add its tags."))
    name = " ".join(name.split())
    if not name:
        raise Refused(_("Give the tag a name."))
    taken = {str(tag).casefold() for tag in Tag.objects.filter(programme__isnull=True)}
    if name.casefold() in taken or programme.lesson_tags.filter(name__iexact=name).exists():
        raise Refused(_("The programme has a tag of that name already."))
    tag = Tag.objects.create(programme=programme, name=name, created_by=actor)
    record(actor=actor, action=Action.CREATE, obj=tag, fields=["name"])
    return tag
