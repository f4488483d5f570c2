"""Reads of accounts and of account oversight data, each recording what it showed."""

from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access

from .forms import UserSearchForm
from .models import AccountRequest, Authenticator, Organisation, SignInLink, User

OVERSIGHT_ROWS = 10
USERS_PER_PAGE = 25
APPROVALS_SHOWN = 50
ACCOUNT_REQUEST_FIELDS = ["user", "kind", "role", "email", "requested_by"]


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


def lockouts() -> QuerySet[AccessAttempt]:
    """The user names (with addresses) whose sign-in is blocked now."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    )


def _users_with_status() -> QuerySet[User]:
    return (
        User.objects.select_related("organisation")
        .prefetch_related("role_grants")
        .annotate(
            has_authenticator=Exists(
                Authenticator.objects.filter(user=OuterRef("pk"), confirmed=True)
            ),
            is_locked=Exists(lockouts().filter(username=OuterRef("username"))),
        )
    )


def users_found(user: User, search: UserSearchForm, page_number: str | None) -> Page:
    """One page of the accounts, for the administrator, by name or role when searched for;
    the accounts on the page are recorded."""
    users = _users_with_status()
    if search.is_valid():
        if query := search.cleaned_data["q"].strip():
            users = users.filter(
                Q(username__icontains=query)
                | Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
            )
        if role := search.cleaned_data["role"]:
            users = users.filter(role_grants__role=role)
    page = Paginator(users.order_by("username"), USERS_PER_PAGE).get_page(page_number)
    record(
        actor=user,
        action=Action.SEARCH
        if search.is_valid() and any(search.cleaned_data.values())
        else Action.LIST,
        object_type=User._meta.label_lower,
        object_ids=[subject.pk for subject in page.object_list],
    )
    return page


@dataclass(frozen=True)
class AccountRecord:
    """An account as the administrator sees it: how sign-in stands, never a secret."""

    subject: User
    recovery_codes_left: int
    latest_link: SignInLink | None
    requests: list[AccountRequest]


def account_shown(user: User, pk: int) -> AccountRecord:
    """The account (404 if there is none), its sign-in state and its newest requests; the
    read is recorded."""
    subject = get_object_or_404(_users_with_status(), pk=pk)
    record(actor=user, action=Action.VIEW, obj=subject)
    return AccountRecord(
        subject=subject,
        recovery_codes_left=subject.recovery_codes.filter(used_at__isnull=True).count(),
        latest_link=subject.signin_links.order_by("-issued_at", "-id").first(),
        requests=list(subject.account_requests.select_related("requested_by", "decided_by")[:10]),
    )


def approvals_listed(user: User) -> list[AccountRequest]:
    """The account changes waiting for this person's approval, their listing recorded."""
    waiting = list(access.account_requests_to_decide(user)[:APPROVALS_SHOWN])
    record(
        actor=user,
        action=Action.LIST,
        object_type=AccountRequest._meta.label_lower,
        object_ids=[item.pk for item in waiting],
        fields=ACCOUNT_REQUEST_FIELDS,
    )
    return waiting


def record_account_request(user: User, account_request: AccountRequest) -> None:
    """The page that decides a request shows it, and whom it is about."""
    record(actor=user, action=Action.VIEW, obj=account_request, fields=ACCOUNT_REQUEST_FIELDS)


def admin_summary() -> dict[str, int]:
    """Figures for the administrator's home page."""
    active = User.objects.filter(is_active=True)
    return {
        "active_users": active.count(),
        "without_authenticator": active.exclude(
            Exists(Authenticator.objects.filter(user=OuterRef("pk"), confirmed=True))
        ).count(),
        "locked": lockouts().values("username").distinct().count(),
        "organisations": Organisation.objects.filter(is_active=True).count(),
    }
