from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backontrack.demo.guard import NotADemoDatabase
from backontrack.demo.loader import PERSONAS, demo_password, load_demo_data


class Command(BaseCommand):
    help = (
        "Create (or reuse) a demo database with synthetic data, print the demo sign-ins and "
        "serve the application."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Set up, but do not serve.")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        try:
            created = load_demo_data()
        except NotADemoDatabase as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            "Loaded the synthetic demo data." if created else "Using the existing demo data."
        )
        self._print_signins(options["port"])
        if not options["no_serve"]:
            call_command("serve", port=options["port"])

    def _print_signins(self, port: int) -> None:
        database = settings.DATABASES["default"]["NAME"]
        width = max(len(p.username) for p in PERSONAS)
        lines = [
            "",
            f"Back on Track demo — all people and data are synthetic. Database: {database}",
            f"Open http://127.0.0.1:{port}/ and sign in as one of:",
            "",
            *[f"  {p.username:<{width}}  {p.does}" for p in PERSONAS],
            "",
            f"Password for every demo user: {demo_password()}",
            "One-time code: run  .venv/bin/backontrack totp USERNAME  (it changes every 30 s)",
            "",
        ]
        self.stdout.write("\n".join(lines))
