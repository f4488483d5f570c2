"""The API's pages: a person's tokens, a programme's system clients, the documentation.
A secret is made only after the password and a new one-time code (accounts.step_up), and
shown on that answer alone."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from backontrack.accounts.step_up import SteppedUp, StepUpFailed, step_up
from backontrack.core import access, form_tokens
from backontrack.core.errors import Refused

from . import docs, services
from .forms import ClientForm, StepUpForm, TokenForm
from .models import Scope

PER_PAGE = 25


def _make_secret(
    request: HttpRequest, form: StepUpForm, make: Callable[[SteppedUp], str]
) -> str | HttpResponse:
    """Step up, then make the secret once for this form: the secret, or the answer to send
    (the form was sent twice); "" when refused, with the reason on the form and the code
    field emptied (the code was tried: the next one is asked for)."""
    user = access.signed_in_user(request)
    data = form.cleaned_data
    try:
        proof = step_up(request, user=user, password=data["password"], code=data["code"])
        with form_tokens.spend(form, actor=user) as spending:
            secret = make(proof)
            spending.made(request.path)
    except form_tokens.AlreadySubmitted as submitted:
        return form_tokens.already_submitted(request, submitted)
    except (StepUpFailed, Refused) as refused:
        form.add_error(None, str(refused))
        sent: QueryDict = request.POST.copy()
        sent["code"] = ""
        form.data = sent
        return ""
    return secret


@never_cache
@sensitive_post_parameters("password", "code")
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The person's tokens, and a new one: its secret is shown on this answer alone."""
    user = access.signed_in_user(request)
    allowed = access.api_scopes_of(user)
    form = TokenForm(request.POST or None, scopes=allowed)
    secret = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = _make_secret(
            request,
            form,
            lambda proof: services.token_create(
                actor=user, name=data["name"], scopes=data["scopes"], days=data["days"], proof=proof
            )[1],
        )
        if isinstance(made, HttpResponse):
            return made
        if made:
            secret = made
            form = TokenForm(scopes=allowed)
    page = Paginator(access.api_tokens_of(user).order_by("-created_at", "-id"), PER_PAGE)
    return render(
        request,
        "api/token_list.html",
        {
            "form": form,
            "page": page.get_page(request.GET.get("page")),
            "secret": secret,
            "may_create": bool(allowed),
            "max_tokens": settings.BACKONTRACK_API_MAX_TOKENS,
        },
    )


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    token = access.api_token_for(user, pk)
    services.token_revoke(actor=user, token=token)
    messages.success(request, _("The token is revoked: it no longer works."))
    return redirect("api_tokens")


def _clients_page(user: Any, number: str | None) -> Any:
    """A page of the programme's systems, each with what the list shows of its live token
    (scopes, expiry) and its last use, in a fixed number of queries."""
    live = Q(tokens__revoked_at__isnull=True)
    clients = (
        access.api_clients_visible_to(user)
        .select_related("programme", "created_by", "responsible")
        .annotate(
            last_used_at=Max("tokens__last_used_at"),
            expires_at=Max("tokens__expires_at", filter=live),
        )
        .order_by("name", "id")
    )
    page = Paginator(clients, PER_PAGE).get_page(number)
    suspended = access.api_clients_suspended(page.object_list)
    for client in page.object_list:
        shown: Any = client
        shown.suspended = client.pk in suspended
        shown.may_confirm = shown.suspended and access.coordinates(user, client.programme_id)
    return page


@never_cache
@sensitive_post_parameters("password", "code")
@require_http_methods(["GET", "POST"])
def client_list(request: HttpRequest) -> HttpResponse:
    """A coordinator connects their programme's prison register: the system's secret is
    shown on this answer alone."""
    user = access.signed_in_user(request)
    programmes = access.programmes_coordinated_by(user)
    access.require(programmes.exists())
    form = ClientForm(request.POST or None, programmes=programmes)
    secret = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = _make_secret(
            request,
            form,
            lambda proof: services.client_create(
                actor=user, name=data["name"], programme=data["programme"], proof=proof
            )[1],
        )
        if isinstance(made, HttpResponse):
            return made
        if made:
            secret = made
            form = ClientForm(programmes=programmes)
    return render(
        request,
        "api/client_list.html",
        {
            "form": form,
            "page": _clients_page(user, request.GET.get("page")),
            "secret": secret,
            "scopes": [Scope(s).label for s in access.SYSTEM_CLIENT_SCOPES],
            "scope_codes": access.SYSTEM_CLIENT_SCOPES,
        },
    )


@never_cache
@sensitive_post_parameters("password", "code")
@require_http_methods(["GET", "POST"])
def client_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    """A new secret for the system, shown on this answer alone; the old one stops working."""
    user = access.signed_in_user(request)
    client = access.api_client_for(user, pk)
    form = StepUpForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        made = _make_secret(
            request,
            form,
            lambda proof: services.client_rotate(actor=user, client=client, proof=proof),
        )
        if isinstance(made, HttpResponse):
            return made
        secret = made
    return render(
        request, "api/client_rotate.html", {"client": client, "form": form, "secret": secret}
    )


@require_POST
def client_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    client = access.api_client_for(user, pk)
    try:
        services.client_confirm(actor=user, client=client)
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("You answer for the system now: its calls are accepted again."))
    return redirect("api_clients")


@require_POST
def client_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    client = access.api_client_for(user, pk)
    services.client_revoke(actor=user, client=client)
    messages.success(request, _("The system is disconnected: its tokens no longer work."))
    return redirect("api_clients")


@require_http_methods(["GET"])
def documentation(request: HttpRequest) -> HttpResponse:
    access.signed_in_user(request)
    return render(request, "api/documentation.html", {"calls": docs.calls()})
