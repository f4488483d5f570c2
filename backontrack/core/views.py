import sys

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, Error, connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.views.decorators.http import require_GET

# How long a browser or a load balancer is asked to wait before trying again in an outage.
RETRY_AFTER_SECONDS = 30


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: no sign-in, no personal data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return JsonResponse(
            {"status": "error", "database": f"unavailable: {type(error).__name__}"}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's error page for an unhandled exception (`handler500`). When the database cannot
    be reached, the error is the outage, not a fault of the page: it answers 503 with a short
    page in the reader's language and Retry-After. Renders without the request's context, as
    that would read the session and the user from the database."""
    unavailable = _caused_by_the_database(sys.exc_info()[1]) or not _database_answers()
    with translation.override(translation.get_language_from_request(request)):
        if unavailable:
            response = HttpResponse(loader.render_to_string("503.html"), status=503)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return HttpResponseServerError(loader.render_to_string("500.html"))


def _caused_by_the_database(error: BaseException | None) -> bool:
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, Error):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def _database_answers() -> bool:
    """Whether the database answers now (for an error that does not name it, such as the
    session's when its load failed halfway)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Error:
        return False
    return True
