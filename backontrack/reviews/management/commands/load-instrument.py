from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core.checks import OPERATOR_COMMAND_CHECKS
from backontrack.reviews import instruments
from backontrack.reviews.models import Instrument


class Command(BaseCommand):
    help = (
        "Load a progress-review instrument from a JSON file (see docs/guide/reviews.md). The "
        "whole file is checked first; an invalid one is refused with the problem named and "
        "nothing stored. A loaded version never changes: change the version to change it."
    )
    requires_system_checks = OPERATOR_COMMAND_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{path}: cannot be read ({error.strerror})") from error
        try:
            instrument, new = instruments.load(raw, Instrument)
        except instruments.InvalidInstrument as error:
            raise CommandError(f"{path}: not loaded: {error}") from error
        if new:
            record(
                actor=None,
                username="(backontrack load-instrument)",
                action=Action.CREATE,
                obj=instrument,
                fields=["definition"],
            )
        self.stdout.write(
            f"{instrument.code} version {instrument.version}: "
            + ("loaded." if new else "already loaded, unchanged.")
        )
