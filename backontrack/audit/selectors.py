"""Reads of the audit trail: each loads through the access policy and records, in the same
call, that the trail (or the person looked up in it) was read."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone

from backontrack.core import access
from backontrack.mentees import identity
from backontrack.mentees.models import Mentee

from . import checkpoints as checkpoint_log
from .checkpoints import Checkpoint
from .describe import DescribedEvent, describe
from .forms import AuditSearchForm
from .models import Action, AuditEvent
from .services import ChainProblem, record, verify_chain

PAGE_SIZE = 50
EVENT = AuditEvent._meta.label_lower


def _search(user: object, form: AuditSearchForm) -> tuple[QuerySet[AuditEvent], list[str]]:
    """The events the auditor's filters select, newest first, and the filters used. A record
    is found through the index of records concerned, so lists and searches that showed it
    are found as well as the events about it alone."""
    events = access.audit_events_visible_to(user).order_by("-id")
    if not (form.is_bound and form.is_valid()):
        return events, []
    data = form.cleaned_data
    if data["username"]:
        events = events.filter(actor_username__iexact=data["username"].strip())
    if data["action"]:
        events = events.filter(action=data["action"])
    object_id = data["object_id"].strip()
    if object_id:
        is_number = object_id.isascii() and object_id.isdigit()
        if is_number and data["object_type"] in ("", "mentees.mentee"):
            # A person's accesses, found by number, are their access history: say why.
            access.require_stated_purpose(f"mentee:{int(object_id)}")
        events = events & access.audit_events_concerning(user, object_id, data["object_type"])
    elif data["object_type"]:
        events = events.filter(object_type=data["object_type"])
    if data["through"] == "api":
        events = events.filter(via__startswith="api:")
    elif data["through"] == "pages":
        events = events.filter(via="")
    if data["via_token"].strip():
        events = events.filter(via_token=data["via_token"].strip())
    if data["date_from"]:
        start = timezone.make_aware(datetime.combine(data["date_from"], time.min))
        events = events.filter(occurred_at__gte=start)
    if data["date_to"]:
        end = timezone.make_aware(datetime.combine(data["date_to"] + timedelta(days=1), time.min))
        events = events.filter(occurred_at__lt=end)
    return events, [name for name, value in data.items() if value]


@dataclass(frozen=True)
class EventPage:
    page: Page
    events: list[DescribedEvent]


def trail_searched(user: object, form: AuditSearchForm, page_number: str | None) -> EventPage:
    """One page of the events the auditor's filters select. Reading the audit trail is
    itself recorded."""
    events, used = _search(user, form)
    page = Paginator(events, PAGE_SIZE).get_page(page_number)
    described = [describe(event) for event in page.object_list]
    record(
        actor=user,
        action=Action.SEARCH if used else Action.LIST,
        object_type=EVENT,
        object_ids=[item.event.pk for item in described],
        fields=used,
    )
    return EventPage(page=page, events=described)


def trail_exported(user: object, form: AuditSearchForm, purpose: str) -> QuerySet[AuditEvent]:
    """The events of the search to export, as the trail is now (later events are left out);
    the export is recorded with the filters, the number of events and why."""
    events, used = _search(user, form)
    newest = events.values_list("id", flat=True).first() or 0
    events = events.filter(id__lte=newest)
    count = events.count()
    record(
        actor=user,
        action=Action.EXPORT,
        object_type=EVENT,
        fields=used,
        justification=purpose,
        detail=f"csv:{count}",
    )
    return events


def chain_checked(user: object) -> tuple[int, list[str]]:
    """How many events of the hash chain hold, and what is wrong with it (against the
    checkpoints written outside the database, when there are any); the check is recorded."""
    found: list[Checkpoint] = []
    problems: list[str] = []
    path = checkpoint_log.configured_file()
    if path is not None and path.exists():
        found, problems = checkpoint_log.read(path)
    checked = 0
    for step in verify_chain(checkpoints=found):
        if isinstance(step, ChainProblem):
            problems.insert(0, step.message())
            break
        checked = step
    record(actor=user, action=Action.VIEW, object_type="audit.chain", detail="verified")
    return checked, problems


def person_found(user: object, personal_id: str, justification: str) -> Mentee | None:
    """The person with this personal identification number, for the auditor; the search is
    recorded with the purpose stated for it, whether or not it found someone."""
    found = access.mentee_by_personal_id_for_audit(user, identity.index_for(personal_id))
    record(
        actor=user,
        action=Action.SEARCH,
        object_type="mentees.mentee",
        object_ids=[found.pk] if found else [],
        fields=["personal_id"],
        justification=justification,
    )
    return found


@dataclass(frozen=True)
class PersonAccesses:
    mentee: Mentee
    page: Page
    events: list[DescribedEvent]


def person_accesses(user: object, pk: int, page_number: str | None) -> PersonAccesses:
    """One page of every access to the person's record, newest first; the person's name
    shown and the events listed are recorded."""
    mentee = access.mentee_for_audit(user, pk)
    events = access.audit_events_about(user, mentee).order_by("-id")
    page = Paginator(events, PAGE_SIZE).get_page(page_number)
    # Fix the page before this visit's own events are written.
    described = [describe(event) for event in page.object_list]
    record(actor=user, action=Action.VIEW, obj=mentee, fields=["first_name", "last_name"])
    record(
        actor=user,
        action=Action.LIST,
        object_type=EVENT,
        object_ids=[item.event.pk for item in described],
        detail=f"accesses to mentees.mentee #{mentee.pk}",
    )
    return PersonAccesses(mentee=mentee, page=page, events=described)
