"""Who is acting, from where, in which request, and why: set once per request by the
middleware and read by `audit.services.record`, so that services need only pass the actor."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    address: str = ""
    # The page (URL name) the request is for: with the actor's relation to the people an
    # event concerns, it says why they were looked at.
    page: str = ""
    # The purposes this person stated in this session, as (what they opened, why) pairs
    # ("mentorship:7"), for looks that are not routine; `stated` is the one this request
    # relies on.
    purposes: tuple[tuple[str, str], ...] = ()
    stated: str = ""
    # A call of the API: "api:<its URL name>" and the key id of the token it came with.
    via: str = ""
    via_token: str = ""


# RequestContext is frozen, so sharing the default instance is safe.
current: ContextVar[RequestContext] = ContextVar("audit_request", default=RequestContext())  # noqa: B039


class PurposeRequired(Exception):
    """Raised by the access policy when a look is not routine (a closed case, a person's
    access history): the person is asked why before the page opens."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key
        self.kind = key.partition(":")[0]
