from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core.checks import OPERATOR_COMMAND_CHECKS
from backontrack.reviews.models import Certification, Instrument


class Command(BaseCommand):
    help = (
        "Record that a user is certified to rate a licensed instrument (by its code), as the "
        "licence holder requires. Only certified users are offered a licensed instrument."
    )
    requires_system_checks = OPERATOR_COMMAND_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("instrument")
        parser.add_argument("--on", type=date.fromisoformat, default=timezone.localdate())
        parser.add_argument("--by", required=True, help="the coordinator recording it")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        by = User.objects.filter(username=options["by"]).first()
        if user is None or by is None:
            raise CommandError("No such user.")
        if not by.has_role("coordinator"):
            raise CommandError(f"{by.username} is not a coordinator.")
        if not user.is_active:
            raise CommandError(f"{user.username}'s account is not active.")
        if options["on"] > timezone.localdate():
            raise CommandError("A certification cannot be dated in the future.")
        if not Instrument.objects.filter(code=options["instrument"]).exists():
            raise CommandError(f"No instrument with the code {options['instrument']}.")
        certification, new = Certification.objects.get_or_create(
            user=user,
            instrument_code=options["instrument"],
            defaults={"certified_on": options["on"], "recorded_by": by},
        )
        if new:
            record(
                actor=by,
                action=Action.CREATE,
                obj=certification,
                fields=["user", "instrument_code", "certified_on"],
            )
        self.stdout.write(
            f"{user.username} is certified for {options['instrument']} "
            f"since {certification.certified_on}."
        )
