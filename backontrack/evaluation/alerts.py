"""The follow-ups due, e-mailed by `backontrack send-alerts` to each programme's coordinators:
once each, with no names or dates, only how many and a link to the list."""

from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from backontrack.accounts.models import Role
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.mentorships.models import SentAlert
from backontrack.programmes.models import ProgrammeMembership

from .followups import listed_follow_ups
from .models import DueFollowUp, Group


def send_follow_up_alerts(today: date) -> tuple[int, int]:
    """E-mail each coordinator the follow-ups due in their programmes that they have not been
    told of; returns (follow-ups told of, e-mails sent)."""
    found = listed_follow_ups(DueFollowUp.objects.all(), today)
    if not found:
        return 0, 0
    coordinating = ProgrammeMembership.objects.filter(
        role=Role.COORDINATOR,
        user__is_active=True,
        user__role_grants__role=Role.COORDINATOR,
        programme_id__in={due.programme_id for due in found},
    ).select_related("user")
    sent_before = set(
        SentAlert.objects.filter(key__in={d.key for d in found}).values_list("user_id", "key")
    )
    told = mails = 0
    cases: set[tuple[str, int]] = set()
    for membership in coordinating:
        user = membership.user
        new = [
            due
            for due in found
            if due.programme_id == membership.programme_id and (user.pk, due.key) not in sent_before
        ]
        if not new or not user.email:
            continue
        url = f"{settings.BACKONTRACK_BASE_URL.rstrip('/')}/evaluation/follow-ups/"
        with transaction.atomic():
            SentAlert.objects.bulk_create(
                SentAlert(user=user, key=due.key, sent_on=today) for due in new
            )
            send_mail(
                subject=f"Back on Track: {len(new)} follow-ups due",
                message=(
                    f"{len(new)} follow-ups of {membership.programme} are due: {url}\n\n"
                    "Sign in to Back on Track to record them. This e-mail holds no names or "
                    "dates on purpose."
                ),
                from_email=None,
                recipient_list=[user.email],
            )
        sent_before |= {(user.pk, due.key) for due in new}
        told += len(new)
        mails += 1
        cases |= {(due.group, due.case_id) for due in new}
    for group, object_type in (
        (Group.MENTORED, "mentorships.mentorship"),
        (Group.COMPARISON, "referrals.referral"),
    ):
        ids = sorted(pk for kind, pk in cases if kind == group)
        if ids:
            record(
                actor=None,
                username="(backontrack send-alerts)",
                action=Action.DISCLOSE,
                object_type=object_type,
                object_ids=ids,
                fields=["follow_ups_due"],
                recipient="coordinators by e-mail (no names)",
                detail=f"{told} follow-ups due in {mails} e-mails",
            )
    return told, mails
