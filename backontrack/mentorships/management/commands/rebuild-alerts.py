from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from backontrack.core.checks import OPERATOR_COMMAND_CHECKS
from backontrack.evaluation.followups import follow_ups_due_rebuild_all
from backontrack.mentorships.alerts import alert_windows_rebuild
from backontrack.mentorships.models import Mentorship


class Command(BaseCommand):
    help = (
        "Derive the alert windows of every mentorship and the follow-ups due of every case "
        "again from their records. The services keep them up to date; run it after changing "
        "records outside them (a restore, a correction in the database)."
    )
    requires_system_checks = OPERATOR_COMMAND_CHECKS

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            alert_windows_rebuild(Mentorship.objects.values_list("pk", flat=True))
            due = follow_ups_due_rebuild_all()
        self.stdout.write(f"Alert windows derived for {Mentorship.objects.count()} mentorships.")
        self.stdout.write(f"Follow-ups due derived: {due}.")
