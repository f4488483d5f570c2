"""Reads of account oversight data, each recording what it showed."""

from dataclasses import dataclass

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access

from .models import AccountRequest, SignInLink, User

OVERSIGHT_ROWS = 10


@dataclass(frozen=True)
class AccountOversight:
    requests: list[AccountRequest]
    links: list[SignInLink]


def account_oversight(user: User) -> AccountOversight:
    """For the auditor's home: the newest role and e-mail requests with their decisions, and
    the newest sign-in links sent after creations and resets."""
    requests = list(
        access.account_changes_visible_to(user).order_by("-requested_at", "-id")[:OVERSIGHT_ROWS]
    )
    links = list(
        access.signin_links_visible_to(user).order_by("-issued_at", "-id")[:OVERSIGHT_ROWS]
    )
    people = {item.user_id for item in requests} | {item.user_id for item in links}
    if people:
        record(
            actor=user,
            action=Action.LIST,
            object_type=User._meta.label_lower,
            object_ids=sorted(people),
            fields=["account_requests", "signin_links"],
        )
    return AccountOversight(requests=requests, links=links)


def approvals_waiting(user: User) -> int:
    """How many account changes wait for this person's approval (a count: no one is named)."""
    return access.account_requests_to_decide(user).count()
