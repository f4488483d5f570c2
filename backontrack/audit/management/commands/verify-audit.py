import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from backontrack.audit.models import AuditEvent
from backontrack.audit.services import ChainProblem, verify_chain


class Command(BaseCommand):
    help = (
        "Check that the audit trail is intact: exit 0 if every event is as written and in "
        "order, non-zero naming the first bad event otherwise."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        total = AuditEvent.objects.count()
        show_progress = sys.stderr.isatty()
        for step in verify_chain():
            if isinstance(step, ChainProblem):
                where = f"event {step.event_id}" if step.event_id else "the end of the chain"
                raise CommandError(f"The audit trail is broken at {where}: {step.reason}.")
            if show_progress:
                self.stderr.write(f"\rchecked {step:,} of {total:,} events", ending="")
        if show_progress:
            self.stderr.write("")
        self.stdout.write(f"The audit trail is intact: {total:,} events checked.")
