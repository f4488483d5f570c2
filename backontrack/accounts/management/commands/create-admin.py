from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from backontrack.accounts import services
from backontrack.accounts.models import Organisation, Role, SignInLink, User
from backontrack.core.checks import OPERATOR_COMMAND_CHECKS
from backontrack.core.models import Installation


class Command(BaseCommand):
    help = (
        "Create the first administrator of a new installation and print their one-time "
        "sign-in link. With it they choose their own password and set up their "
        "authenticator; after that, they create every other account in the application."
    )
    requires_system_checks = OPERATOR_COMMAND_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--organisation", required=True, help="created if it does not exist")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(username__iexact=options["username"]).exists():
            raise CommandError(f"A user named {options['username']!r} exists already.")
        if Installation.current_is_demo():
            raise CommandError("This is a demo database; its accounts come from the demo.")
        # Marks the database as a real installation: demo data is never loaded into it and
        # `backontrack totp` refuses it.
        Installation.objects.get_or_create(defaults={"is_demo": False})
        organisation, _ = Organisation.objects.get_or_create(
            name=options["organisation"], defaults={"kind": Organisation.Kind.PRISON_PROBATION}
        )
        user = services.user_create(
            actor=None,
            username=options["username"],
            first_name=options["first_name"],
            last_name=options["last_name"],
            email=options["email"],
            organisation=organisation,
            roles=[Role.ADMIN],
        )
        token = services.signin_link_issue(
            actor=None, user=user, purpose=SignInLink.Purpose.NEW_ACCOUNT
        )
        self.stdout.write(
            f"Created administrator {user.username} in {organisation}.\n"
            f"One-time sign-in link (shown once, valid for "
            f"{settings.BACKONTRACK_SIGNIN_LINK_HOURS} hours):\n"
            f"{services.signin_link_url(token)}\n"
            "Open it to choose the password and set up the authenticator. Set "
            "BACKONTRACK_BASE_URL if the address is not the one people use."
        )
