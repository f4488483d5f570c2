from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from backontrack.accounts.admin_views import admin_summary
from backontrack.accounts.models import Role
from backontrack.referrals.models import OPEN_STATUSES, Status

from .access import (
    can_administer_accounts,
    can_manage_training,
    can_screen_referrals,
    courses_visible_to,
    mentors_visible_to,
    own_mentor_profile,
    referrals_visible_to,
    signed_in_user,
)


def referral_summary(user: object) -> dict[str, int]:
    """Open referrals and those that have waited too long, for the coordinator's home."""
    open_referrals = referrals_visible_to(user).filter(status__in=OPEN_STATUSES)
    cutoff = date.today() - timedelta(days=settings.BACKONTRACK_REFERRAL_WAIT_DAYS)
    return {
        "new": open_referrals.filter(status=Status.RECEIVED).count(),
        "open": open_referrals.count(),
        "overdue": open_referrals.filter(referred_on__lt=cutoff).count(),
        "to_match": open_referrals.filter(status=Status.ACCEPTED).count(),
        "wait_days": settings.BACKONTRACK_REFERRAL_WAIT_DAYS,
    }


def training_summary(user: object) -> dict[str, object]:
    """For the trainer's home: who is in training and the sessions coming up."""
    from backontrack.mentors.models import CourseSession, MentorStatus

    return {
        "in_training": mentors_visible_to(user).filter(status=MentorStatus.IN_TRAINING).count(),
        "upcoming": list(
            CourseSession.objects.filter(
                course__in=courses_visible_to(user), starts_at__gte=timezone.now()
            )
            .select_related("course")
            .order_by("starts_at")[:5]
        ),
    }


def _own_readiness(user: object) -> object:
    from backontrack.mentors.readiness import readiness_for

    mentor = own_mentor_profile(user)
    return readiness_for(mentor) if mentor is not None else None


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


def home(request: HttpRequest) -> HttpResponse:
    """One home page per role; a person with several roles sees a section for each."""
    user = signed_in_user(request)
    roles = user.roles
    context = {
        "roles": [Role(role) for role in roles],
        "admin_summary": admin_summary() if can_administer_accounts(user) else None,
        "referral_summary": referral_summary(user) if can_screen_referrals(user) else None,
        "training_summary": training_summary(user) if can_manage_training(user) else None,
        "own_readiness": _own_readiness(user),
    }
    return render(request, "core/home.html", context)


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
