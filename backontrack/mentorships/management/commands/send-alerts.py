from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from backontrack.accounts.models import Role, User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.concerns.alerts import triage_overdue_alerts
from backontrack.core.checks import OPERATOR_COMMAND_CHECKS
from backontrack.evaluation.alerts import send_follow_up_alerts
from backontrack.mentors import pool
from backontrack.mentorships import services
from backontrack.mentorships.alerts import COACH, COORDINATOR, MENTOR, Alert, alerts
from backontrack.mentorships.models import Mentorship, SentAlert
from backontrack.programmes.models import ProgrammeMembership
from backontrack.supervision.alerts import email_coordinators
from backontrack.workinggroup.alerts import email_action_owners


class Command(BaseCommand):
    help = (
        "The day's date-driven phase moves and removal of old pool drafts, then the alerts "
        "by e-mail to the mentors, coaches and coordinators concerned. Each alert is sent to "
        "each person once: a second run the same day sends nothing new. The e-mails hold no "
        "names, only what is due and a link. Run it daily (cron or a systemd timer; see "
        "docs/guide/mentorships.md)."
    )
    requires_system_checks = OPERATOR_COMMAND_CHECKS

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        moved = services.phases_due(today=today)
        found = alerts(Mentorship.objects.all(), today=today) + triage_overdue_alerts()
        # Each programme's alerts go to its own coordinators, nobody else's.
        coordinating = ProgrammeMembership.objects.filter(
            role=Role.COORDINATOR,
            user__is_active=True,
            user__role_grants__role=Role.COORDINATOR,
        ).select_related("user")
        coordinators_of: dict[int, set[int]] = {}
        people: dict[int, User] = {}
        for membership in coordinating:
            coordinators_of.setdefault(membership.programme_id, set()).add(membership.user_id)
            people[membership.user_id] = membership.user
        due: dict[int, list[Alert]] = {}
        for alert in found:
            recipients = (
                set(coordinators_of.get(alert.mentorship.programme_id, set()))
                if COORDINATOR in alert.audience
                else set()
            )
            for role, profile in (
                (MENTOR, alert.mentorship.mentor),
                (COACH, alert.mentorship.coach),
            ):
                account = profile.user
                if (
                    role in alert.audience
                    and account is not None
                    and account.is_active
                    and (account.has_role(Role.MENTOR) or account.has_role(Role.COACH))
                ):
                    recipients.add(account.pk)
                    people[account.pk] = account
            for user_id in recipients:
                due.setdefault(user_id, []).append(alert)
        sent_before = set(
            SentAlert.objects.filter(key__in={a.key for a in found}).values_list("user_id", "key")
        )
        mails = alerts_sent = 0
        sent_mentorships: set[int] = set()
        no_address = []
        for user_id, items in sorted(due.items()):
            new = sorted(
                {a.key: a for a in items if (user_id, a.key) not in sent_before}.values(),
                key=lambda a: a.key,
            )
            if not new:
                continue
            user = people[user_id]
            if not user.email:
                no_address.append(user.username)
                continue
            with transaction.atomic():
                SentAlert.objects.bulk_create(
                    SentAlert(user=user, key=a.key, sent_on=today) for a in new
                )
                send_mail(
                    subject=f"Back on Track: {len(new)} to follow up",
                    message=_body(new),
                    from_email=None,
                    recipient_list=[user.email],
                )
            mails += 1
            alerts_sent += len(new)
            sent_mentorships |= {a.mentorship.pk for a in new}
        if alerts_sent or moved:
            record(
                actor=None,
                username="(backontrack send-alerts)",
                action=Action.DISCLOSE,
                object_type="mentorships.mentorship",
                object_ids=sorted(sent_mentorships | {m.pk for m in moved}),
                fields=["alerts", *(["phase"] if moved else [])],
                recipient="mentors, coaches and coordinators by e-mail (no names)",
                detail=f"{alerts_sent} alerts in {mails} e-mails; {len(moved)} phases moved",
            )
        follow_ups, follow_up_mails = send_follow_up_alerts(today)
        # Mentors' strain and caseload, to their programmes' coordinators (no names).
        support_mails, support_sent = email_coordinators(today=today)
        # Overdue working-group actions, to their owners (no names).
        action_mails, actions_sent = email_action_owners(today=today)
        # Housekeeping last, so that a failure here never holds back the day's alerts.
        purged = pool.drafts_purge()
        self.stdout.write(
            f"{len(moved)} phases moved to re-entry; {len(found)} alerts open; "
            f"{alerts_sent} new alerts sent in {mails} e-mails; "
            f"{support_sent} mentors to support sent in {support_mails} e-mails; "
            f"{actions_sent} overdue working-group actions sent in {action_mails} e-mails; "
            f"{purged} closed pool drafts removed; "
            f"{follow_ups} follow-ups due sent in {follow_up_mails} e-mails."
        )
        if no_address:
            self.stderr.write(f"No e-mail address, not sent: {', '.join(sorted(no_address))}")
        # The daily anchor of the audit trail outside the database (docs/guide/auditing.md).
        call_command("audit-checkpoint", stdout=self.stdout)


def _body(new: list[Alert]) -> str:
    lines = ["These mentorships need your attention:", ""]
    for alert in new:
        path = alert.path or f"/mentorships/{alert.mentorship.pk}/"
        url = f"{settings.BACKONTRACK_BASE_URL.rstrip('/')}{path}"
        lines.append(f"- {alert.title}: {url}")
    lines += [
        "",
        "Sign in to Back on Track to see more. This e-mail holds no names or dates on purpose.",
    ]
    return "\n".join(lines)
