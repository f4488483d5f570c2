import random
from itertools import islice
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from backontrack.accounts.models import Institution
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core.checks import OPERATOR_COMMAND_CHECKS
from backontrack.core.models import Installation
from backontrack.evaluation import synthetic as case_histories
from backontrack.mentees import synthetic
from backontrack.mentees.models import Mentee
from backontrack.programmes.models import Programme


class Command(BaseCommand):
    help = (
        "Add N synthetic mentees with custody histories to a demo database, in batches with "
        "a progress bar, to measure pages at national scale; with --with-cases each gets a "
        "case history too (referral, mentorship, meetings, goals, follow-ups)."
    )
    requires_system_checks = OPERATOR_COMMAND_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mentees", type=int, required=True, metavar="N")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--random-seed", type=int, default=None)
        parser.add_argument(
            "--with-cases",
            action="store_true",
            help="a referral for each, most of them mentored, and the follow-ups due",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not Installation.current_is_demo():
            raise CommandError(
                "Refused: synthetic people are only ever added to a demo database "
                "(created by `backontrack demo`)."
            )
        institutions = list(Institution.objects.filter(is_active=True))
        if not institutions:
            raise CommandError("There are no institutions to place the mentees in.")
        rng = random.Random(options["random_seed"])  # noqa: S311 - synthetic data, not secrets
        people = synthetic.generate(
            options["mentees"],
            institutions=institutions,
            rng=rng,
            today=timezone.localdate(),
            taken=synthetic.existing_indexes(),
        )
        added = 0
        with tqdm(total=options["mentees"], unit="mentee", file=self.stderr._out) as bar:
            while batch := list(islice(people, options["batch_size"])):
                with transaction.atomic():
                    ids = synthetic.save_batch(batch)
                    if options["with_cases"]:
                        case_histories.add_cases(
                            [item.mentee for item in batch],
                            programme=Programme.objects.default(),
                            rng=rng,
                            today=timezone.localdate(),
                        )
                    record(
                        actor=None,
                        username="(backontrack seed)",
                        action=Action.CREATE,
                        object_type=Mentee._meta.label_lower,
                        object_ids=ids,
                        detail="synthetic demo data",
                    )
                added += len(ids)
                bar.update(len(ids))
        self.stdout.write(f"Added {added:,} synthetic mentees.")
