import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from backontrack.accounts.models import User
from backontrack.core.models import Installation
from backontrack.mentees.models import Mentee


class Command(BaseCommand):
    help = (
        "Measure the mentee register's pages on this (demo) database: median server time and "
        "query count of the list, a search and a detail page, as the demo coordinator."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=20)

    def handle(self, *args: Any, **options: Any) -> None:
        if not Installation.current_is_demo():
            raise CommandError("Refused: measure on a demo database only (it signs in as one).")
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(
            User.objects.get(username="coordinator"),
            backend="backontrack.accounts.backends.AccountBackend",
        )
        middle = Mentee.objects.order_by("id")[Mentee.objects.count() // 2]
        pages = {
            "list": "/mentees/",
            "list, page 200": "/mentees/?page=200",
            "search by name and status": "/mentees/?q=han&status=sentenced",
            "detail": f"/mentees/{middle.pk}/",
        }
        vendor = connection.vendor
        self.stdout.write(f"{Mentee.objects.count():,} mentees on {vendor}")
        for name, path in pages.items():
            timings = []
            queries = 0
            for _ in range(options["repeat"]):
                session = client.session
                session["last_seen"] = time.time()
                session.save()
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(path)
                    timings.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{path} answered {response.status_code}")
                queries = len(captured)
            self.stdout.write(
                f"  {name:<28} median {statistics.median(timings):7.1f} ms   {queries} queries"
            )
        timings = []
        for _ in range(options["repeat"]):
            start = time.perf_counter()
            response = client.post("/mentees/", {"id-personal_id": middle.personal_id})
            timings.append((time.perf_counter() - start) * 1000)
        self.stdout.write(
            f"  {'search by personal ID':<28} median {statistics.median(timings):7.1f} ms"
        )
