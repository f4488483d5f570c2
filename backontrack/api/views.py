"""The API's pages: a person's tokens, a programme's system clients, the documentation."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from backontrack.core import access, form_tokens
from backontrack.core.errors import Refused

from . import docs, services
from .forms import ClientForm, TokenForm
from .models import Scope

PER_PAGE = 25


@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The person's tokens, and a new one: its secret is shown on this answer alone."""
    user = access.signed_in_user(request)
    allowed = access.api_scopes_of(user)
    form = TokenForm(request.POST or None, scopes=allowed)
    secret = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with form_tokens.spend(form, actor=user) as spending:
                _token, secret = services.token_create(
                    actor=user, name=data["name"], scopes=data["scopes"], days=data["days"]
                )
                spending.made(request.path)
        except form_tokens.AlreadySubmitted as submitted:
            return form_tokens.already_submitted(request, submitted)
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
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
        },
    )


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    token = access.api_token_for(user, pk)
    services.token_revoke(actor=user, token=token)
    messages.success(request, _("The token is revoked: it no longer works."))
    return redirect("api_tokens")


@never_cache
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
        try:
            with form_tokens.spend(form, actor=user) as spending:
                _client, secret = services.client_create(
                    actor=user, name=data["name"], programme=data["programme"]
                )
                spending.made(request.path)
        except form_tokens.AlreadySubmitted as submitted:
            return form_tokens.already_submitted(request, submitted)
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            form = ClientForm(programmes=programmes)
    clients = Paginator(
        access.api_clients_visible_to(user).select_related("programme", "created_by"), PER_PAGE
    )
    return render(
        request,
        "api/client_list.html",
        {
            "form": form,
            "page": clients.get_page(request.GET.get("page")),
            "secret": secret,
            "scopes": [Scope(s).label for s in access.SYSTEM_CLIENT_SCOPES],
        },
    )


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
