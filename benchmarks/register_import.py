"""How long the prison register's import of N rows takes, against `backontrack seed` of N people.

Loads the demo into a scratch database (by default a new SQLite file in a temporary
directory; `--postgres URL` for an empty PostgreSQL database), then, each in a process of its
own under `/usr/bin/time` (peak resident memory, CPU seconds):

1. `backontrack seed --mentees N`;
2. writes N synthetic register rows to a CSV file: the custody histories of invented people
   (admission, sentencing, transfer, release on licence, acquittal), one row an event, each
   person and event with a register id (the people are not the seeded ones);
3. `backontrack import-register FILE --as coordinator`, and the same again (which changes
   nothing).

Usage: .venv/bin/python benchmarks/register_import.py [--rows 100000] [--postgres URL]

Not a test: it is not collected by pytest and takes minutes at full scale.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--rows", type=int, default=100_000)
parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database")
arguments = parser.parse_args()

scratch = tempfile.mkdtemp(prefix="register-import-")
os.environ["BACKONTRACK_VAR_DIR"] = scratch
os.environ.pop("DATABASE_URL", None)
if arguments.postgres:
    os.environ["DATABASE_URL"] = arguments.postgres
os.environ["DJANGO_SETTINGS_MODULE"] = "backontrack.settings"
BACKONTRACK = str(Path(sys.executable).with_name("backontrack"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from backontrack.accounts.models import Institution  # noqa: E402
from backontrack.demo.loader import load_demo_data  # noqa: E402
from backontrack.mentees import synthetic  # noqa: E402
from backontrack.mentees.register_import import COLUMNS  # noqa: E402


def timed(*command: str) -> tuple[float, float, int, str]:
    """Seconds, CPU seconds (user and system), peak resident memory (MB) and the last line
    written by the command. On a shared machine the CPU seconds are the figure to compare."""
    began = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own command
        ["/usr/bin/time", "-f", "%M %U %S", BACKONTRACK, *command],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - began
    errors = done.stderr.strip().splitlines()
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    output = done.stdout.strip().splitlines()
    peak, user, system = errors[-1].split()
    return seconds, float(user) + float(system), int(peak) // 1024, output[-1] if output else ""


def write_rows(path: Path, count: int) -> int:
    """`count` rows of invented people's custody histories; returns how many people."""
    institutions = list(Institution.objects.filter(is_active=True))
    people = synthetic.generate(
        count,
        institutions=institutions,
        rng=random.Random(20261206),  # noqa: S311 - synthetic data, not secrets
        today=timezone.localdate(),
        taken=synthetic.existing_indexes(),
    )
    written = persons = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        out = csv.writer(file)
        out.writerow(COLUMNS)
        for number, person in enumerate(people):
            mentee = person.mentee
            persons += 1
            for order, event in enumerate(sorted(person.events, key=lambda e: e.occurred_on)):
                out.writerow(
                    [
                        f"R{number:07d}",
                        f"R{number:07d}-{order}",
                        event.kind,
                        event.occurred_on.isoformat(),
                        mentee.first_name,
                        mentee.last_name,
                        mentee.date_of_birth.isoformat(),
                        mentee.personal_id,
                        mentee.gender,
                        event.institution.name if event.institution else "",
                        "",
                        "",
                    ]
                )
                written += 1
                if written == count:
                    return persons
    return persons


call_command("migrate", verbosity=0)
load_demo_data()
print(f"{arguments.rows:,} rows and people on {connection.vendor}")

seconds, cpu, megabytes, line = timed(
    "seed", "--mentees", str(arguments.rows), "--random-seed", "1"
)
print(
    f"seed --mentees {arguments.rows}: {seconds:.1f} s ({cpu:.1f} s CPU), peak {megabytes} MB "
    f"({line})"
)

rows = Path(scratch) / "register.csv"
people = write_rows(rows, arguments.rows)
print(f"register file: {arguments.rows:,} rows, {people:,} people")

for run in ("import-register", "import-register again"):
    seconds, cpu, megabytes, line = timed("import-register", str(rows), "--as", "coordinator")
    print(f"{run}: {seconds:.1f} s ({cpu:.1f} s CPU), peak {megabytes} MB ({line})")
