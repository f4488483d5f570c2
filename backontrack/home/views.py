from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backontrack.accounts.models import Role, User
from backontrack.accounts.selectors import account_oversight, admin_summary, approvals_waiting
from backontrack.accounts.services import pending_roles
from backontrack.core.access import (
    can_administer_accounts,
    can_approve_account_changes,
    can_manage_training,
    can_read_audit_trail,
    can_screen_referrals,
    is_liaison,
    signed_in_user,
)
from backontrack.disclosures import selectors as disclosures
from backontrack.workinggroup import selectors as working_group

from . import selectors


def home(request: HttpRequest) -> HttpResponse:
    """One home page per role; a person with several roles sees a section for each."""
    user = signed_in_user(request)
    roles = user.roles
    context = {
        "roles": [Role(role) for role in roles],
        "admin_summary": admin_summary() if can_administer_accounts(user) else None,
        "approvals_waiting": approvals_waiting(user) if can_approve_account_changes(user) else 0,
        "account_oversight": account_oversight(user) if can_read_audit_trail(user) else None,
        "own_pending_roles": [] if roles else [Role(role).label for role in pending_roles(user)],
        "referral_summary": (
            selectors.referral_summary(user) if can_screen_referrals(user) else None
        ),
        "training_summary": (
            selectors.training_summary(user) if can_manage_training(user) else None
        ),
        "own_readiness": selectors.own_readiness(user),
        "follow_ups": selectors.follow_up_summary(user) if can_screen_referrals(user) else None,
        **selectors.mentorship_summary(user),
        **selectors.concern_summary(user),
        **selectors.lessons_summary(user),
        **selectors.supervision_summary(user),
        **_disclosures(user),
        "working_group": working_group.home(user),
        "programme_figures": selectors.programme_figures(user),
        "smallest_shown": selectors.SMALLEST_SHOWN,
    }
    return render(request, "home/home.html", context)


def _disclosures(user: User) -> dict[str, object]:
    """The liaison's inbox of disclosures to their agency; the coordinator's proposals
    waiting for a second coordinator."""
    return {
        "disclosure_inbox": disclosures.inbox_summary(user) if is_liaison(user) else None,
        "disclosures_waiting": (
            disclosures.waiting_for_decision(user) if can_screen_referrals(user) else 0
        ),
    }
