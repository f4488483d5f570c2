"""Which role may move a referral from which status to which: data, in one place.

Each move is carried out by one service in referrals.services; the table only says who may.
"""

from backontrack.accounts.models import Role

from .models import Status

# (from, to) -> roles allowed to make that move
TRANSITIONS: dict[tuple[str, str], frozenset[Role]] = {
    (Status.RECEIVED, Status.SCREENING): frozenset({Role.COORDINATOR}),
    (Status.SCREENING, Status.ELIGIBLE): frozenset({Role.COORDINATOR}),
    (Status.SCREENING, Status.NOT_ELIGIBLE): frozenset({Role.COORDINATOR}),
    (Status.ELIGIBLE, Status.ACCEPTED): frozenset({Role.COORDINATOR}),
    (Status.ACCEPTED, Status.MATCHED): frozenset({Role.COORDINATOR}),
    # Withdrawal (with a reason) from any open state, by the coordinator or the referrer.
    **{
        (open_status, Status.WITHDRAWN): frozenset({Role.COORDINATOR, Role.REFERRER})
        for open_status in (Status.RECEIVED, Status.SCREENING, Status.ELIGIBLE, Status.ACCEPTED)
    },
}

REASON_REQUIRED = frozenset({Status.NOT_ELIGIBLE, Status.WITHDRAWN})


def roles_allowed(from_status: str, to_status: str) -> frozenset[Role]:
    return TRANSITIONS.get((from_status, to_status), frozenset())


def next_statuses(from_status: str) -> list[str]:
    return [to for (origin, to) in TRANSITIONS if origin == from_status]
