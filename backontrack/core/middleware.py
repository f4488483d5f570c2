import time
import uuid
from collections.abc import Callable
from dataclasses import replace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from backontrack.audit import context as audit_context
from backontrack.audit import purposes
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.audit.views import purpose_ask

from .client_address import client_address

Handler = Callable[[HttpRequest], HttpResponse]

# No inline script or style anywhere: the page shell loads everything from our own origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class RequestIdMiddleware:
    """Gives every request an id, sent back in X-Request-ID, and makes it and the client's
    address known to the audit trail for the length of the request."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = audit_context.current.set(
            audit_context.RequestContext(request_id=request_id, address=client_address(request))
        )
        try:
            response = self.get_response(request)
        finally:
            audit_context.current.reset(token)
        response["X-Request-ID"] = request_id
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> None:
        match = request.resolver_match
        context = audit_context.current.get()
        if match is not None and match.url_name:
            context = replace(context, page=match.url_name)
        session = getattr(request, "session", None)
        if session is not None:
            context = replace(context, purposes=tuple(purposes.stated_in(session).items()))
        audit_context.current.set(context)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, audit_context.PurposeRequired):
            return purpose_ask(request, exception)
        return None


class SessionLimitsMiddleware:
    """Ends a signed-in session after a spell of inactivity or a fixed total time."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            signed_in_at = request.session.setdefault("signed_in_at", now)
            last_seen = request.session.get("last_seen", now)
            idle_limit = settings.BACKONTRACK_SESSION_IDLE_MINUTES * 60
            absolute_limit = settings.BACKONTRACK_SESSION_MAX_HOURS * 3600
            if now - last_seen > idle_limit:
                return self._end(
                    request,
                    _(
                        "You were signed out after %(minutes)s minutes without activity. "
                        "Sign in again to continue."
                    )
                    % {"minutes": settings.BACKONTRACK_SESSION_IDLE_MINUTES},
                )
            if now - signed_in_at > absolute_limit:
                return self._end(
                    request,
                    _(
                        "You were signed out because you had been signed in for "
                        "%(hours)s hours. Sign in again to continue."
                    )
                    % {"hours": f"{settings.BACKONTRACK_SESSION_MAX_HOURS:g}"},
                )
            request.session["last_seen"] = now
        return self.get_response(request)

    @staticmethod
    def _end(request: HttpRequest, message: str) -> HttpResponse:
        record(actor=request.user, action=Action.SIGN_OUT, detail="session expired")
        logout(request)
        messages.warning(request, message)
        target = reverse("signin")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)


class SecurityHeadersMiddleware:
    """Content security policy for every page, and no caching of anything dynamic: pages
    carry personal data and must not be kept by browsers or proxies."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response["Cache-Control"] = "no-store"
        return response
