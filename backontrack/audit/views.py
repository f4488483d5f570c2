import csv
from collections.abc import Iterator

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backontrack.core.access import can_read_audit_trail, require, signed_in_user

from . import purposes
from .context import PurposeRequired
from .describe import describe
from .forms import AuditSearchForm, ExportForm, PersonLookupForm, StatedPurposeForm
from .models import AuditEvent
from .selectors import chain_checked, person_accesses, person_found, trail_exported, trail_searched


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The auditor's search: who did what to which record, when and from where."""
    user = signed_in_user(request)
    require(can_read_audit_trail(user))
    return _render_log(request, user, AuditSearchForm(request.GET or None), ExportForm())


def _render_log(
    request: HttpRequest, user: object, form: AuditSearchForm, export_form: ExportForm
) -> HttpResponse:
    found = trail_searched(user, form, request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "audit/audit_log.html",
        {
            "form": form,
            "page": found.page,
            "events": found.events,
            "querystring": params.urlencode(),
            "export_form": export_form,
        },
        status=400 if export_form.is_bound else 200,
    )


EXPORT_COLUMNS = (
    gettext_lazy("Time"),
    gettext_lazy("User"),
    gettext_lazy("Roles"),
    gettext_lazy("Action"),
    gettext_lazy("Record"),
    gettext_lazy("Records shown"),
    gettext_lazy("Fields"),
    gettext_lazy("Detail"),
    gettext_lazy("Why"),
    gettext_lazy("Recipient"),
    gettext_lazy("Address"),
    gettext_lazy("Request"),
    gettext_lazy("Event"),
    gettext_lazy("API token"),
)


class _Echo:
    """csv.writer writes to this and gets each line back, for a streamed response."""

    def write(self, value: str) -> str:
        return value


def _export_rows(events: QuerySet[AuditEvent]) -> Iterator[list[str]]:
    yield [str(column) for column in EXPORT_COLUMNS]
    for event in events.iterator(chunk_size=2000):
        item = describe(event)
        yield [
            timezone.localtime(event.occurred_at).isoformat(timespec="seconds"),
            event.actor_username,
            item.roles,
            item.action,
            item.record,
            " ".join(event.object_ids),
            item.fields,
            item.detail,
            item.purpose,
            event.recipient,
            event.address,
            event.request_id,
            str(event.pk),
            event.via_token or (str(_("API, no valid token")) if item.through_api else ""),
        ]


@require_POST
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The events of the current search as CSV, in the reader's language. An export leaves
    the system, so it asks why and records that with the filters and the number of events."""
    user = signed_in_user(request)
    require(can_read_audit_trail(user))
    form = AuditSearchForm(request.GET or None)
    export_form = ExportForm(request.POST)
    if not export_form.is_valid() or (form.is_bound and not form.is_valid()):
        return _render_log(request, user, form, export_form)
    events = trail_exported(user, form, export_form.cleaned_data["purpose"])
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _export_rows(events)), content_type="text/csv"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(can_read_audit_trail(user))
    checked, problems = chain_checked(user)
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
    form = PersonLookupForm(request.POST or None, prefix="id")
    if request.method == "POST" and form.is_valid():
        stated = purposes.justification(form.cleaned_data["reason"], form.cleaned_data["details"])
        found = person_found(user, form.cleaned_data["personal_id"], stated)
        if found is not None:
            purposes.state(request.session, f"mentee:{found.pk}", stated)
            return redirect("audit_person", pk=found.pk)
        form.add_error("personal_id", _("No mentee has this personal identification number."))
    return render(request, "audit/person_lookup.html", {"form": form})


@require_GET
def audit_person(request: HttpRequest, pk: int) -> HttpResponse:
    """Every access to one person's record, newest first."""
    user = signed_in_user(request)
    shown = person_accesses(user, pk, request.GET.get("page"))
    return render(
        request,
        "audit/audit_person.html",
        {"mentee": shown.mentee, "page": shown.page, "events": shown.events, "querystring": ""},
    )


def purpose_ask(request: HttpRequest, needed: PurposeRequired) -> HttpResponse:
    """The question asked instead of a page that is not a routine look (raised by the access
    policy, answered by `purpose_state`). It names no one: the record opens after."""
    form = StatedPurposeForm()
    return render(
        request,
        "audit/purpose_ask.html",
        {"form": form, "key": needed.key, "kind": needed.kind, "next": request.get_full_path()},
        status=403,
    )


@require_POST
def purpose_state(request: HttpRequest) -> HttpResponse:
    """Keep the purpose for this record for an hour of this session, then open it."""
    signed_in_user(request)
    key = request.POST.get("key", "")
    next_url = request.POST.get("next", "")
    if not purposes.KEY_PATTERN.fullmatch(key) or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect("home")
    form = StatedPurposeForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "audit/purpose_ask.html",
            {"form": form, "key": key, "kind": key.partition(":")[0], "next": next_url},
            status=400,
        )
    stated = purposes.justification(form.cleaned_data["reason"], form.cleaned_data["details"])
    purposes.state(request.session, key, stated)
    return redirect(next_url)
