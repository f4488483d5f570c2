"""The JSON API, version 1 (docs/guide/api.md; docs/decisions/0029-api.md).

Each call mirrors a page: it reads through that page's selector and writes through its
service, so the access policy, the audit trail and the validation are the page's own. The
audit events of a call say that it came through the API and with which token, and name
the page it mirrors. A token
works within its scopes and, for a person, within what their roles allow today."""

import io
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.paginator import Page
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from backontrack.accounts.models import Institution
from backontrack.audit import context as audit_context
from backontrack.core import access, dates
from backontrack.core.concurrency import ConcurrentEditError
from backontrack.core.cursors import After
from backontrack.core.errors import Refused
from backontrack.disclosures import selectors as disclosures
from backontrack.evaluation import selectors as evaluation
from backontrack.evaluation.dashboard import Period
from backontrack.evaluation.forms import PeriodForm
from backontrack.mentees import register_import as importer
from backontrack.mentees import selectors as mentees
from backontrack.mentees import services as register
from backontrack.mentees.forms import CustodyEventForm, MenteeForm
from backontrack.mentorships import selectors as mentorships
from backontrack.mentorships.models import Meeting, Mentorship
from backontrack.referrals import selectors as referrals
from backontrack.referrals import services as referral_services
from backontrack.referrals.forms import ReferralForm

from . import ratelimit, schemas
from . import services as api_services
from .models import ApiToken, Scope

PROBLEM = "application/problem+json"

# Each call's URL name, and the page whose reads and writes it makes.
MIRRORS = {
    "api_mentee_list": "mentee_list",
    "api_mentee_create": "mentee_create",
    "api_mentee_detail": "mentee_detail",
    "api_mentee_edit": "mentee_edit",
    "api_custody_event_create": "custody_event_create",
    "api_register_event": "custody_event_create",
    "api_register_import": "mentee_create",
    "api_mentorship_list": "mentorship_list",
    "api_mentorship_detail": "mentorship_detail",
    "api_meeting_list": "mentorship_detail",
    "api_plan": "mentorship_detail",
    "api_referral_create": "referral_create",
    "api_referral_status": "referral_detail",
    "api_disclosure_inbox": "disclosure_inbox",
    "api_figures": "evaluation_dashboard",
}


class MissingScope(Exception):
    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


class BadCursor(Exception):
    pass


class PreconditionRequired(Exception):
    pass


class RateLimited(Exception):
    """Too many calls: of the person (across their tokens), or of failed bearer secrets from
    the address."""

    def __init__(self, retry_after: int, *, failed_bearer: bool) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after
        self.failed_bearer = failed_bearer


# A person's calls across all their tokens (a system's across its secrets), and an address's
# failed bearer secrets, each in a window, counted in the database so that every process and
# app server sees the same count (decision 0034).
RATE = ratelimit.Rate.parse(settings.BACKONTRACK_API_RATE)
FAILED_RATE = ratelimit.Rate.parse(settings.BACKONTRACK_API_FAILED_RATE)


class TokenAuth(HttpBearer):
    """A bearer token. The call then acts as the token's person (or system client); its
    audit events say that it came through the API (`api:<the call>`), with which token (its
    key id), and, in the purpose of a look, which page it mirrors. Failed secrets are counted
    per address and held back past FAILED_RATE; calls per person past RATE."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        match = request.resolver_match
        name = (match.url_name if match is not None else "") or ""
        context = replace(
            audit_context.current.get(),
            page=f"api:{MIRRORS.get(name, name)}",
            via=f"api:{name}"[:64],
        )
        audit_context.current.set(context)
        address = context.address
        failures, wait = ratelimit.count_of("address", address, FAILED_RATE)
        if failures >= FAILED_RATE.calls:
            # Not even checked: a held-back address learns nothing about the secret.
            failures, wait = ratelimit.bump("address", address, FAILED_RATE)
            if failures == FAILED_RATE.calls + 1:
                api_services.bearer_throttled_record()
            raise RateLimited(wait, failed_bearer=True)
        try:
            found = api_services.token_authenticate(token)
        except api_services.BearerRefused as refused:
            failures, wait = ratelimit.bump("address", address, FAILED_RATE)
            api_services.bearer_refused_record(refused, throttled=failures >= FAILED_RATE.calls)
            return None
        calls, wait = ratelimit.bump("person", str(found.user_id), RATE)
        if calls > RATE.calls:
            raise RateLimited(wait, failed_bearer=False)
        request.user = found.user
        audit_context.current.set(replace(context, via_token=found.key_id))
        return found


class ProblemAPI(NinjaAPI):
    """Describes every error answer as what it is: application/problem+json."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for methods in schema["paths"].values():
            for operation in methods.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[PROBLEM] = content.pop("application/json")
        return schema


api = ProblemAPI(
    title="Back on Track",
    version="1",
    description=(
        "The case-management platform's API. Every call reads and writes exactly as the "
        "page it mirrors: the same access policy, the same audit trail. Authenticate with "
        "a bearer token (a personal token from your account page, or a system client's)."
    ),
    urls_namespace="api",
    docs_url=None,
    openapi_url="/openapi.json",
    auth=TokenAuth(),
)

ERRORS: dict[int, type] = {
    400: schemas.Problem,
    401: schemas.Problem,
    403: schemas.Problem,
    404: schemas.Problem,
    422: schemas.Problem,
    429: schemas.Problem,
}


def _problem(
    status: int, title: str, detail: str = "", *, kind: str = "", errors: Any = ()
) -> HttpResponse:
    body = {
        "type": f"/api/v1/problems/{kind}" if kind else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": list(errors),
    }
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM)


def _handles(exception: type[Exception]) -> Callable:
    def register_handler(handler: Callable[[Exception], HttpResponse]) -> Callable:
        def answer(request: HttpRequest, error: Exception) -> HttpResponse:
            return handler(error)

        api.add_exception_handler(exception, answer)  # type: ignore[arg-type]
        return handler

    return register_handler


@_handles(Http404)
def _not_found(error: Exception) -> HttpResponse:
    # Not found and not allowed look the same.
    return _problem(404, _("Not found"))


@_handles(AuthenticationError)
def _unauthenticated(error: Exception) -> HttpResponse:
    response = _problem(401, _("A valid bearer token is required."), kind="unauthenticated")
    response["WWW-Authenticate"] = "Bearer"
    return response


@_handles(MissingScope)
def _missing_scope(error: Exception) -> HttpResponse:
    scope = getattr(error, "scope", "")
    return _problem(
        403, _("The token lacks the scope this call needs."), scope, kind="missing-scope"
    )


@_handles(RateLimited)
def _rate_limited(error: Exception) -> HttpResponse:
    if getattr(error, "failed_bearer", False):
        title = _("Too many failed bearer secrets from this address; wait before trying again.")
    else:
        title = _("Too many calls; wait before calling again.")
    response = _problem(429, title, kind="rate-limit")
    response["Retry-After"] = str(getattr(error, "retry_after", 60))
    return response


@_handles(NinjaValidationError)
def _invalid_input(error: Exception) -> HttpResponse:
    found = [
        {"field": ".".join(str(part) for part in item.get("loc", ())), "message": item["msg"]}
        for item in getattr(error, "errors", [])
    ]
    return _problem(422, _("The input is not valid."), kind="invalid", errors=found)


@_handles(BadCursor)
def _bad_cursor(error: Exception) -> HttpResponse:
    return _problem(422, _("The cursor is not valid."), kind="invalid")


@_handles(Refused)
def _refused(error: Exception) -> HttpResponse:
    return _problem(422, _("The write is refused."), str(error), kind="refused")


@_handles(dates.DateOutOfRange)
def _date_out_of_range(error: Exception) -> HttpResponse:
    return _problem(422, _("The input is not valid."), str(error), kind="invalid")


@_handles(register.DuplicatePerson)
def _duplicate(error: Exception) -> HttpResponse:
    return _problem(
        409,
        _("A person with this personal identification number is registered already."),
        kind="duplicate",
    )


@_handles(ConcurrentEditError)
def _stale(error: Exception) -> HttpResponse:
    return _problem(
        412,
        _("Someone else changed the record since your version: read it again."),
        kind="stale-version",
    )


@_handles(PreconditionRequired)
def _precondition_required(error: Exception) -> HttpResponse:
    return _problem(428, _("Send the record's ETag in If-Match."), kind="if-match-required")


@_handles(audit_context.PurposeRequired)
def _purpose_required(error: Exception) -> HttpResponse:
    # A closed case opens only after the person says why, on its page.
    return _problem(
        403, _("This record asks why you open it: open it on its page."), kind="purpose-required"
    )


@_handles(HttpError)
def _http_error(error: Exception) -> HttpResponse:
    status = getattr(error, "status_code", 400)
    return _problem(status, str(error))


def _user(request: HttpRequest, scope: Scope) -> Any:
    """The caller, if the token holds the scope and (for a person) their roles still
    allow it."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if scope not in token.scopes or scope not in access.api_scopes_of(token.user):
        raise MissingScope(scope)
    return token.user


# A cursor names the last row a caller was given, signed with the installation's secret
# key for this caller, this list and these criteria: it cannot be made up, nor carried to
# another list, another query or another caller. It holds an id, no personal data.
CURSOR_SALT = "backontrack.api.cursor"
CURSOR: Any = Query(
    None,
    description=(
        "The `next` of the page before, as given (opaque, signed for you, this list and "
        "these filters; 422 otherwise). The list is in the order the records were made "
        "(the meetings and the disclosures newest first): records added while you walk it "
        "come after the page you are on, so no record is given twice or left out."
    ),
)


def _cursor_scope(request: HttpRequest, criteria: dict[str, Any]) -> list[Any]:
    match = request.resolver_match
    return [
        match.url_name if match is not None else "",
        getattr(request.user, "pk", None),
        sorted([str(k), str(v)] for k, v in criteria.items()),
    ]


def _after(
    request: HttpRequest, cursor: str | None, criteria: dict[str, Any], newest_first: bool = False
) -> After:
    """The position a cursor names (the start without one); BadCursor for anything else."""
    if not cursor:
        return After(newest_first=newest_first)
    try:
        scope, last = signing.loads(cursor, salt=CURSOR_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise BadCursor from None
    if scope != _cursor_scope(request, criteria) or not isinstance(last, int):
        raise BadCursor
    return After(last, newest_first=newest_first)


def _next(request: HttpRequest, page: Page, criteria: dict[str, Any]) -> str | None:
    if not page.has_next():
        return None
    last = page.object_list[-1].pk
    return signing.dumps([_cursor_scope(request, criteria), last], salt=CURSOR_SALT)


def _etag(record: Any) -> str:
    """A record's entity tag: its optimistic-locking version (decision 0010), which every
    write of the record moves on, whether a form, a service or a custody event made it."""
    return f'"{record._meta.model_name}-{record.pk}-{record.version}"'


def _version_from(request: HttpRequest, record: Any) -> int:
    """The version an update was made from: the record's ETag in If-Match, as read. 428
    without one (and for `*`, which would skip the check), 412 for any other tag."""
    sent = request.headers.get("If-Match", "").strip()
    if not sent or sent == "*":
        raise PreconditionRequired
    prefix = f'"{record._meta.model_name}-{record.pk}-'
    if not (sent.startswith(prefix) and sent.endswith('"') and sent[len(prefix) : -1].isdigit()):
        raise ConcurrentEditError
    return int(sent[len(prefix) : -1])


# Every update of the API sends this header (decision 0010's optimistic locking).
IF_MATCH: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": "If-Match",
            "required": True,
            "schema": {"type": "string"},
            "description": (
                "The record's ETag as read (GET answers it): 412 when the record changed "
                "since, 428 without it."
            ),
        }
    ]
}


def _invalid(form: Any) -> HttpResponse:
    found = [
        {"field": name, "message": str(message)}
        for name, messages in form.errors.items()
        for message in messages
    ]
    return _problem(422, _("The input is not valid."), kind="invalid", errors=found)


def _name(obj: object | None) -> str | None:
    return str(obj) if obj is not None else None


# --- Mentees ----------------------------------------------------------------------------------


def _mentee_out(shown: mentees.MenteeRecord) -> dict[str, Any]:
    mentee = shown.mentee
    return {
        "id": mentee.pk,
        "version": mentee.version,
        "register_id": mentee.register_id,
        "first_name": mentee.first_name,
        "last_name": mentee.last_name,
        "date_of_birth": mentee.date_of_birth,
        "personal_id": mentee.personal_id,
        "gender": mentee.gender,
        "languages": mentee.languages,
        "mentor_gender_preference": mentee.mentor_gender_preference,
        "institution": _name(mentee.institution),
        "custody_status": mentee.custody_status,
        "expected_release_date": mentee.expected_release_date,
        "earliest_release_date": mentee.earliest_release_date,
        "data_subject_category": mentee.data_subject_category,
        "notes": mentee.notes,
        "custody_events": [
            {
                "id": event.pk,
                "kind": event.kind,
                "occurred_on": event.occurred_on,
                "institution": _name(event.institution),
                "register_id": event.register_id,
            }
            for event in shown.custody_events
        ],
        "consents": [
            {
                "given_on": consent.given_on,
                "participation": consent.participation,
                "contact_network": consent.contact_network,
                "share_with_agencies": consent.share_with_agencies,
                "withdrawn_on": consent.withdrawn_on,
            }
            for consent in shown.consents
        ],
        "referrals": [{"id": r.pk, "status": r.status} for r in shown.referrals],
        "mentorships": [{"id": m.pk, "status": m.status} for m in shown.mentorships],
    }


@api.get(
    "/mentees",
    response={200: schemas.MenteePage, **ERRORS},
    url_name="api_mentee_list",
    tags=["mentees"],
    summary="The register, a page at a time (scope mentees:read)",
)
def mentee_list(
    request: HttpRequest,
    q: str = "",
    status: str = "",
    cursor: str | None = CURSOR,
) -> dict[str, Any]:
    user = _user(request, Scope.MENTEES_READ)
    criteria = {"q": q, "status": status}
    page = mentees.register_page(user, criteria, _after(request, cursor, criteria))
    return {
        "items": [
            {
                "id": m.pk,
                "first_name": m.first_name,
                "last_name": m.last_name,
                "institution": _name(m.institution),
                "custody_status": m.custody_status,
            }
            for m in page.object_list
        ],
        "next": _next(request, page, criteria),
    }


def _form_data(values: dict[str, Any]) -> dict[str, Any]:
    data = {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
    data["institution"] = data.pop("institution_id", None) or ""
    if "programme_id" in data:
        data["programme"] = data.pop("programme_id") or ""
    return {k: ("" if v is None else v) for k, v in data.items()}


@api.post(
    "/mentees",
    response={201: schemas.MenteeOut, 409: schemas.Problem, **ERRORS},
    url_name="api_mentee_create",
    tags=["mentees"],
    summary="Register a person (scope mentees:write)",
)
def mentee_create(request: HttpRequest, body: schemas.MenteeIn, response: HttpResponse) -> Any:
    user = _user(request, Scope.MENTEES_WRITE)
    form = MenteeForm(_form_data(body.dict()), programmes=access.programmes_coordinated_by(user))
    if not form.is_valid():
        return _invalid(form)
    mentee = register.mentee_create(
        actor=user, data=form.mentee_data(), programme=form.registered_in()
    )
    shown = mentees.mentee_record(user, mentee.pk)
    response["ETag"] = _etag(shown.mentee)
    return Status(201, _mentee_out(shown))


@api.get(
    "/mentees/{mentee_id}",
    response={200: schemas.MenteeOut, **ERRORS},
    url_name="api_mentee_detail",
    tags=["mentees"],
    summary="A person's record, with its ETag (scope mentees:read)",
)
def mentee_detail(request: HttpRequest, mentee_id: int, response: HttpResponse) -> Any:
    user = _user(request, Scope.MENTEES_READ)
    shown = mentees.mentee_record(user, mentee_id)
    response["ETag"] = _etag(shown.mentee)
    return _mentee_out(shown)


@api.patch(
    "/mentees/{mentee_id}",
    response={
        200: schemas.MenteeOut,
        409: schemas.Problem,
        412: schemas.Problem,
        428: schemas.Problem,
        **ERRORS,
    },
    url_name="api_mentee_edit",
    tags=["mentees"],
    summary="Change a person's record; If-Match: the ETag read (scope mentees:write)",
    openapi_extra=IF_MATCH,
)
def mentee_edit(
    request: HttpRequest, mentee_id: int, body: schemas.MenteeChange, response: HttpResponse
) -> Any:
    user = _user(request, Scope.MENTEES_WRITE)
    mentee = access.mentee_for(user, mentee_id)
    version = _version_from(request, mentee)
    current = MenteeForm(instance=mentee).initial
    current["institution"] = mentee.institution_id or ""
    changes = _form_data(body.dict(exclude_unset=True))
    if "institution_id" not in body.dict(exclude_unset=True):
        changes.pop("institution")
    form = MenteeForm({**current, **changes, "version": version}, instance=mentee)
    if not form.is_valid():
        return _invalid(form)
    register.mentee_update(actor=user, mentee=mentee, version=version, data=form.mentee_data())
    shown = mentees.mentee_record(user, mentee.pk)
    response["ETag"] = _etag(shown.mentee)
    return _mentee_out(shown)


@api.post(
    "/mentees/{mentee_id}/custody-events",
    response={201: schemas.CustodyEventOut, **ERRORS},
    url_name="api_custody_event_create",
    tags=["mentees"],
    summary="Record a custody event of a person (scope custody-events:write)",
)
def custody_event_create(request: HttpRequest, mentee_id: int, body: schemas.CustodyEventIn) -> Any:
    user = _user(request, Scope.CUSTODY_EVENTS_WRITE)
    mentee = access.mentee_for(user, mentee_id)
    form = CustodyEventForm(_form_data(body.dict()))
    if not form.is_valid():
        return _invalid(form)
    data = form.cleaned_data
    event = register.custody_event_record(
        actor=user,
        mentee=mentee,
        kind=data["kind"],
        occurred_on=data["occurred_on"],
        institution=data["institution"],
        note=data["note"],
    )
    return Status(
        201,
        {
            "id": event.pk,
            "kind": event.kind,
            "occurred_on": event.occurred_on,
            "institution": _name(event.institution),
            "register_id": event.register_id,
        },
    )


# --- The prison register ------------------------------------------------------------------------


@api.post(
    "/register/custody-events",
    response={200: schemas.RegisterEventOut, 201: schemas.RegisterEventOut, **ERRORS},
    url_name="api_register_event",
    tags=["register"],
    summary="The register pushes a custody event, by its ids (scope custody-events:write)",
)
def register_event(request: HttpRequest, body: schemas.RegisterEventIn) -> Any:
    user = _user(request, Scope.CUSTODY_EVENTS_WRITE)
    # The register names the institution; the form (the page's checks) takes its id.
    institution = None
    if body.institution:
        institution = Institution.objects.filter(name=body.institution, is_active=True).first()
        if institution is None:
            return _problem(
                422,
                _("The input is not valid."),
                kind="invalid",
                errors=[
                    {"field": "institution", "message": _("No active institution has this name.")}
                ],
            )
    form = CustodyEventForm(
        {
            "kind": body.kind,
            "occurred_on": body.occurred_on.isoformat(),
            "institution": institution.pk if institution else "",
        }
    )
    if not form.is_valid():
        return _invalid(form)
    try:
        event, recorded = register.register_custody_event(
            actor=user,
            person_register_id=body.person_id,
            event_register_id=body.event_id,
            kind=form.cleaned_data["kind"],
            occurred_on=form.cleaned_data["occurred_on"],
            institution=institution,
        )
    except register.NotInRegister:
        # Not in this programme's register, or in no one's: the same answer; the refusal is
        # filed under the person if there is one (after the service's rollback).
        register.register_refusal_record(
            actor=user, concerned=register.register_person_of(body.person_id)
        )
        raise Http404 from None
    except register.RegisterConflict as conflict:
        register.register_refusal_record(actor=user, concerned=conflict.concerned)
        return _problem(
            422,
            _("The write is refused."),
            str(register.REGISTER_CONFLICT_MESSAGE),
            kind="refused",
        )
    return Status(201 if recorded else 200, {"event_id": event.register_id, "recorded": recorded})


@api.post(
    "/register/import",
    response={200: schemas.ImportOut, **ERRORS},
    url_name="api_register_import",
    tags=["register"],
    summary="Import the register's CSV export (the body, text/csv; scope register:import)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def register_import(
    request: HttpRequest, skip_bad: bool = False, programme: int | None = None
) -> Any:
    """A system imports into its programme; a coordinator into the one named (or the first
    they coordinate)."""
    user = _user(request, Scope.REGISTER_IMPORT)
    into = access.api_client_programme(user)
    if into is None:
        coordinated = access.programmes_coordinated_by(user).order_by("-is_default", "name")
        into = (coordinated.filter(pk=programme) if programme else coordinated).first()
    if into is None:
        raise Http404
    try:
        text = request.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _problem(422, _("Send the file as UTF-8 text."), kind="invalid")
    report = importer.import_file(
        actor=user,
        programme=into,
        open_file=lambda: io.StringIO(text, newline=""),
        skip_bad=skip_bad,
    )
    problems = [{"line": p.line, "column": p.column, "message": p.message} for p in report.problems]
    if report.problems and not skip_bad:
        return _problem(
            422,
            _("Rows are not valid: nothing was imported."),
            kind="invalid",
            errors=[
                {"field": f"line {p.line}: {p.column}", "message": p.message}
                for p in report.problems
            ],
        )
    return {
        "rows": report.rows,
        "people_added": report.people_added,
        "events_added": report.events_added,
        "unchanged": report.unchanged,
        "problems": problems,
    }


# --- Mentorships ----------------------------------------------------------------------------------


def _mentorship_out(m: Mentorship) -> dict[str, Any]:
    return {
        "id": m.pk,
        "programme": str(m.programme),
        "mentee": {
            "id": m.mentee_id,
            "first_name": m.mentee.first_name,
            "last_name": m.mentee.last_name,
            "institution": _name(m.mentee.institution),
            "custody_status": m.mentee.custody_status,
            "expected_release_date": m.mentee.expected_release_date,
        },
        "mentor": str(m.mentor),
        "coach": _name(m.coach),
        "status": m.status,
        "phase": m.phase,
    }


@api.get(
    "/mentorships",
    response={200: schemas.MentorshipPage, **ERRORS},
    url_name="api_mentorship_list",
    tags=["mentorships"],
    summary="The open mentorships the caller sees (scope mentorships:read)",
)
def mentorship_list(
    request: HttpRequest, status: str = "", phase: str = "", cursor: str | None = CURSOR
) -> dict[str, Any]:
    user = _user(request, Scope.MENTORSHIPS_READ)
    criteria = {"status": status, "phase": phase}
    page = mentorships.mentorships_listed(user, criteria, _after(request, cursor, criteria))
    return {
        "items": [_mentorship_out(m) for m in page.object_list],
        "next": _next(request, page, criteria),
    }


@api.get(
    "/mentorships/{mentorship_id}",
    response={200: schemas.MentorshipOut, **ERRORS},
    url_name="api_mentorship_detail",
    tags=["mentorships"],
    summary="A mentorship (scope mentorships:read)",
)
def mentorship_detail(request: HttpRequest, mentorship_id: int) -> dict[str, Any]:
    user = _user(request, Scope.MENTORSHIPS_READ)
    return _mentorship_out(mentorships.mentorship_summary(user, mentorship_id))


def _meeting_out(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "occurred_on": m.occurred_on,
        "kind": m.kind,
        "outcome": m.outcome,
        "not_held_reason": m.not_held_reason,
        "duration_minutes": m.duration_minutes,
        "participants": m.participants,
        "topics": m.topics,
        "engagement": m.engagement,
        "facts": m.facts,
        "assessment": m.assessment,
        "follow_up": m.follow_up,
    }


@api.get(
    "/mentorships/{mentorship_id}/meetings",
    response={200: schemas.MeetingPage, **ERRORS},
    url_name="api_meeting_list",
    tags=["mentorships"],
    summary="A mentorship's meetings, newest first (scope meetings:read)",
)
def meeting_list(
    request: HttpRequest, mentorship_id: int, cursor: str | None = CURSOR
) -> dict[str, Any]:
    user = _user(request, Scope.MEETINGS_READ)
    criteria = {"mentorship": mentorship_id}
    after = _after(request, cursor, criteria, newest_first=True)
    page = mentorships.meetings_listed(user, mentorship_id, after)
    return {
        "items": [_meeting_out(m) for m in page.object_list],
        "next": _next(request, page, criteria),
    }


@api.get(
    "/mentorships/{mentorship_id}/plan",
    response={200: schemas.PlanOut, **ERRORS},
    url_name="api_plan",
    tags=["mentorships"],
    summary="A mentorship's plan and goals (scope plans:read)",
)
def plan(request: HttpRequest, mentorship_id: int) -> dict[str, Any]:
    user = _user(request, Scope.PLANS_READ)
    mentorship, found, goals = mentorships.plan_shown(user, mentorship_id)
    return {
        "mentorship": mentorship.pk,
        "custody_constraints": found.custody_constraints if found else "",
        "goals": [
            {
                "id": g.pk,
                "area": g.area,
                "title": g.title,
                "steps": g.steps,
                "target_date": g.target_date,
                "progress": g.progress,
                "status": g.status,
            }
            for g in goals
        ],
    }


# --- Referrals, disclosures, figures ---------------------------------------------------------


@api.post(
    "/referrals",
    response={201: schemas.ReferralStatusOut, 409: schemas.Problem, **ERRORS},
    url_name="api_referral_create",
    tags=["referrals"],
    summary="Submit a referral, as the referral form does (scope referrals:write)",
)
def referral_create(request: HttpRequest, body: schemas.ReferralIn) -> Any:
    user = _user(request, Scope.REFERRALS_WRITE)
    if not access.can_submit_referral(user):
        raise Http404
    values = body.dict()
    for flag in ("charged_with_terrorism", "convicted_of_terrorism", "hate_crime", "vulnerable"):
        if not values[flag]:
            del values[flag]  # an unticked box is not sent
    form = ReferralForm(_form_data(values))
    if not form.is_valid():
        return _invalid(form)
    try:
        referral = referral_services.referral_submit(
            actor=user, person=form.mentee_data(), data=form.referral_data()
        )
    except referral_services.OpenReferralExists as exists:
        shown = referrals.referral_shown(user, exists.referral, ["referred_on", "status"])
        return _problem(
            409,
            _("The person already has an open referral."),
            f"/api/v1/referrals/{shown.pk}",
            kind="open-referral",
        )
    return Status(
        201, {"id": referral.pk, "referred_on": referral.referred_on, "status": referral.status}
    )


@api.get(
    "/referrals/{referral_id}",
    response={200: schemas.ReferralStatusOut, **ERRORS},
    url_name="api_referral_status",
    tags=["referrals"],
    summary="A referral's status (scope referrals:read)",
)
def referral_status(request: HttpRequest, referral_id: int) -> dict[str, Any]:
    user = _user(request, Scope.REFERRALS_READ)
    shown = referrals.referral_page(user, referral_id)
    return {
        "id": shown.referral.pk,
        "referred_on": shown.referral.referred_on,
        "status": shown.referral.status,
    }


@api.get(
    "/disclosures",
    response={200: schemas.DisclosurePage, **ERRORS},
    url_name="api_disclosure_inbox",
    tags=["disclosures"],
    summary="The disclosures released to the liaison's agency (scope disclosures:read)",
)
def disclosure_inbox(request: HttpRequest, cursor: str | None = CURSOR) -> dict[str, Any]:
    user = _user(request, Scope.DISCLOSURES_READ)
    if not access.is_liaison(user):
        raise Http404
    inbox = disclosures.inbox(user, _after(request, cursor, {}, newest_first=True))
    return {
        "items": [
            {
                "id": d.pk,
                "recipient": str(d.recipient),
                "status": d.status,
                "decided_at": d.decided_at.isoformat() if d.decided_at else None,
                "expires_on": d.expires_on,
                "read": d.was_read,
            }
            for d in inbox.page.object_list
        ],
        "next": _next(request, inbox.page, {}),
    }


class FiguresQuery(schemas.Schema):
    programme: int | None = None
    start: date | None = None
    end: date | None = None


@api.get(
    "/figures",
    response={200: schemas.FiguresOut, **ERRORS},
    url_name="api_figures",
    tags=["figures"],
    summary="The dashboard's figures, small counts suppressed for all but coordinators "
    "(scope figures:read)",
)
def figures(request: HttpRequest, query: Query[FiguresQuery]) -> Any:
    user = _user(request, Scope.FIGURES_READ)
    if not access.can_see_programme_dashboard(user):
        raise Http404
    asked = {
        k: (v.isoformat() if isinstance(v, date) else str(v)) for k, v in query.dict().items() if v
    }
    form = PeriodForm(asked, programmes=access.evaluation_programmes_visible_to(user))
    if not form.is_valid():
        return _invalid(form)
    data = form.cleaned_data
    period = Period(programme=data["programme"], start=data["start"], end=data["end"])
    found, indicators = evaluation.dashboard(user, period)
    return {
        "programme": period.programme.pk,
        "start": period.start,
        "end": period.end,
        "pseudonymised": access.sees_pseudonymised_figures(user),
        "figures": [
            {
                "key": table.key,
                "title": str(table.title),
                "columns": [str(c) for c in table.columns],
                "rows": [
                    {"label": str(label), "values": [_cell(v) for v in values]}
                    for label, values in table.rows
                ],
            }
            for table in [*found, *indicators]
        ],
    }


def _cell(value: object) -> str | int | float | None:
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)


def urls() -> list[URLPattern | URLResolver]:
    """The API's URL patterns. A token, not a session, signs a call in: none of them sends a
    visitor to the sign-in page."""
    patterns, _app, _namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            login_not_required(pattern.callback)
    return patterns
