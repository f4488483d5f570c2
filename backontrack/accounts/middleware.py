"""The limits of a signed-in session. In the accounts app, not in core, because ending a
session signs the person out and records it in the audit trail."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from backontrack.audit.models import Action
from backontrack.audit.services import record

Handler = Callable[[HttpRequest], HttpResponse]

# The time of the last activity is written at most this often: a session is written to the
# database only when something in it changed, not on every click. The idle limit counts from
# the time written, so a session may end up to this much sooner than the limit, never later.
LAST_SEEN_RESOLUTION_SECONDS = 60


class SessionLimitsMiddleware:
    """Ends a signed-in session after a spell of inactivity or a fixed total time."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            signed_in_at = request.session.setdefault("signed_in_at", now)
            last_seen = request.session.setdefault("last_seen", now)
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
            if now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
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
