"""The request's part in the audit trail: its id, the client's address, the page and the
purposes stated in the session, known to every event recorded while it runs; and the question
for a purpose when a read needs one. In the audit app, not in core, because it is the trail's."""

import uuid
from collections.abc import Callable
from dataclasses import replace

from django.http import HttpRequest, HttpResponse

from backontrack.core.client_address import client_address

from . import context as audit_context
from . import purposes
from .views import purpose_ask

Handler = Callable[[HttpRequest], HttpResponse]


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
