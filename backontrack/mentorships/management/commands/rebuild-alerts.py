from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from backontrack.core.checks import OPERATOR_COMMAND_CHECKS
from backontrack.mentorships.alerts import alert_windows_rebuild
from backontrack.mentorships.models import Mentorship


class Command(BaseCommand):
    help = (
        "Derive the alert windows of every mentorship again from its records. The services "
        "keep them up to date; run it after changing records outside them (a restore, a "
        "correction in the database)."
    )
    requires_system_checks = OPERATOR_COMMAND_CHECKS

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            alert_windows_rebuild(Mentorship.objects.values_list("pk", flat=True))
        self.stdout.write(f"Alert windows derived for {Mentorship.objects.count()} mentorships.")
