from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backontrack.accounts import services
from backontrack.accounts.models import SignInLink, User
from backontrack.core.checks import OPERATOR_COMMAND_CHECKS
from backontrack.core.models import Installation


class Command(BaseCommand):
    help = (
        "On a demo database: print a fresh sign-in link for a user whose account or reset is "
        "waiting for one (in production the link goes to the person's e-mail only). The "
        "earlier link stops working. Refuses on any non-demo database."
    )
    requires_system_checks = OPERATOR_COMMAND_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not Installation.current_is_demo():
            raise CommandError(
                "Refused: this is not a demo database. Sign-in links go only to the person's "
                "own e-mail address."
            )
        user = User.objects.filter(username=options["username"], is_active=True).first()
        waiting = (
            user.signin_links.filter(used_at__isnull=True, cancelled_at__isnull=True)
            .order_by("-issued_at")
            .first()
            if user is not None
            else None
        )
        if user is None or waiting is None:
            raise CommandError(
                f"No active user {options['username']!r} is waiting for a sign-in link. An "
                "administrator creates the account or resets it first."
            )
        token = services.signin_link_issue(actor=None, user=user, purpose=waiting.purpose)
        self.stdout.write(services.signin_link_url(token))
        if waiting.purpose == SignInLink.Purpose.PASSWORD:
            self.stderr.write("The link asks for the user's one-time code too (backontrack totp).")
