from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backontrack.accounts.models import Authenticator
from backontrack.core.checks import OPERATOR_COMMAND_CHECKS
from backontrack.core.models import Installation


class Command(BaseCommand):
    help = "Print a demo user's current one-time code. Refuses on any non-demo database."
    requires_system_checks = OPERATOR_COMMAND_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not Installation.current_is_demo():
            raise CommandError(
                "Refused: this is not a demo database. One-time codes are printed only for "
                "databases created by `backontrack demo`."
            )
        device = Authenticator.objects.filter(
            user__username=options["username"], confirmed=True
        ).first()
        if device is None:
            raise CommandError(
                f"No user {options['username']!r} with an authenticator in this database."
            )
        self.stdout.write(device.current_code())
