from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from backontrack.accounts.models import User
from backontrack.core.checks import OPERATOR_COMMAND_CHECKS
from backontrack.core.errors import Refused
from backontrack.mentees import register_import
from backontrack.programmes.models import Programme


class Command(BaseCommand):
    help = (
        "Import persons and custody events from the prison register's CSV export, keyed by "
        "the register's ids: every row is checked first, and nothing is written when any "
        "row is bad (with --skip-bad, the good rows). A re-run changes nothing."
    )
    requires_system_checks = OPERATOR_COMMAND_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help="the coordinator (or the system client's account) the import is made as",
        )
        parser.add_argument("--programme", help="the programme's name (default: the default one)")
        parser.add_argument("--skip-bad", action="store_true", help="write the good rows")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = User.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active account {options['username']!r}.")
        programmes = Programme.objects.all()
        try:
            programme = (
                programmes.get(name=options["programme"])
                if options["programme"]
                else programmes.default()
            )
        except Programme.DoesNotExist:
            raise CommandError(f"No programme {options['programme']!r}.") from None

        def open_file() -> IO[str]:
            return path.open(encoding="utf-8-sig", newline="")

        with tqdm(unit="row", file=self.stderr._out) as bar:
            try:
                report = register_import.import_file(
                    actor=actor,
                    programme=programme,
                    open_file=open_file,
                    skip_bad=options["skip_bad"],
                    progress=lambda: bar.update(),
                )
            except Refused as refused:
                raise CommandError(str(refused)) from None
        if report.file_changed:
            raise CommandError(
                "The file changed while it was imported: nothing was imported. Import it again."
            )
        for problem in report.problems:
            self.stderr.write(str(problem))
        if report.problems and not options["skip_bad"]:
            raise CommandError(
                f"{len(report.bad_lines)} of {report.rows} rows are bad: nothing was imported."
            )
        self.stdout.write(
            f"{report.rows} rows: {report.people_added} people and {report.events_added} "
            f"events added, {report.unchanged} rows already imported"
            + (f", {len(report.bad_lines)} bad rows skipped." if report.problems else ".")
        )
