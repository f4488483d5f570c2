"""Who is acting, from where, in which request: set once per request by the middleware and
read by `audit.services.record`, so that services need only pass the actor."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    address: str = ""
    # The page (URL name) the request is for: with the actor's relation to the people an
    # event concerns, it says why they were looked at.
    page: str = ""


# RequestContext is frozen, so sharing the default instance is safe.
current: ContextVar[RequestContext] = ContextVar("audit_request", default=RequestContext())  # noqa: B039
