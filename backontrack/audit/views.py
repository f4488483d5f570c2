from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backontrack.core import access
from backontrack.core.access import can_read_audit_trail, require, signed_in_user
from backontrack.mentees import identity
from backontrack.mentees.forms import PersonalIdSearchForm

from . import checkpoints as checkpoint_log
from .checkpoints import Checkpoint
from .forms import AuditSearchForm
from .models import Action, AuditEvent
from .services import ChainProblem, record, verify_chain

PAGE_SIZE = 50


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The auditor's search: who did what to which record, when and from where."""
    user = signed_in_user(request)
    require(can_read_audit_trail(user))
    form = AuditSearchForm(request.GET or None)
    events = access.audit_events_visible_to(user).order_by("-id")
    used: list[str] = []
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["username"]:
            events = events.filter(actor_username__iexact=data["username"].strip())
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if data["object_id"]:
            events = events.filter(object_id=data["object_id"].strip())
        if data["date_from"]:
            start = timezone.make_aware(datetime.combine(data["date_from"], time.min))
            events = events.filter(occurred_at__gte=start)
        if data["date_to"]:
            end = timezone.make_aware(
                datetime.combine(data["date_to"] + timedelta(days=1), time.min)
            )
            events = events.filter(occurred_at__lt=end)
        used = [name for name, value in data.items() if value]
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    # Reading the audit trail is itself recorded.
    record(
        actor=user,
        action=Action.SEARCH if used else Action.LIST,
        object_type=AuditEvent._meta.label_lower,
        object_ids=[event.pk for event in page.object_list],
        fields=used,
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "audit/audit_log.html",
        {"form": form, "page": page, "querystring": params.urlencode()},
    )


@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(can_read_audit_trail(user))
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
    if not problems:
        messages.success(
            request, _("The audit trail is intact: %(count)s events checked.") % {"count": checked}
        )
    for problem in problems:
        messages.error(request, problem)
    return redirect("audit_log")


@require_http_methods(["GET", "POST"])
def person_lookup(request: HttpRequest) -> HttpResponse:
    """The auditor finds a person by personal ID number (sent by POST, never in an address)
    to answer "who looked at this person's record"."""
    user = signed_in_user(request)
    require(can_read_audit_trail(user))
    form = PersonalIdSearchForm(request.POST or None, prefix="id")
    if request.method == "POST" and form.is_valid():
        index = identity.index_for(form.cleaned_data["personal_id"])
        found = access.mentee_by_personal_id_for_audit(user, index)
        record(
            actor=user,
            action=Action.SEARCH,
            object_type="mentees.mentee",
            object_ids=[found.pk] if found else [],
            fields=["personal_id"],
        )
        if found is not None:
            return redirect("audit_person", pk=found.pk)
        form.add_error("personal_id", _("No mentee has this personal identification number."))
    return render(request, "audit/person_lookup.html", {"form": form})


@require_GET
def audit_person(request: HttpRequest, pk: int) -> HttpResponse:
    """Every access to one person's record, newest first."""
    user = signed_in_user(request)
    mentee = access.mentee_for_audit(user, pk)
    events = access.audit_events_about(user, mentee).order_by("-id")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    # Fix the page before this visit's own events are written.
    page.object_list = list(page.object_list)
    record(actor=user, action=Action.VIEW, obj=mentee, fields=["first_name", "last_name"])
    record(
        actor=user,
        action=Action.LIST,
        object_type=AuditEvent._meta.label_lower,
        object_ids=[event.pk for event in page.object_list],
        detail=f"accesses to mentees.mentee #{mentee.pk}",
    )
    return render(
        request, "audit/audit_person.html", {"mentee": mentee, "page": page, "querystring": ""}
    )
