import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from backontrack.audit import checkpoints as checkpoint_log
from backontrack.audit.checkpoints import Checkpoint
from backontrack.audit.models import AuditEvent
from backontrack.audit.services import ChainProblem, verify_chain
from backontrack.core.checks import OPERATOR_COMMAND_CHECKS


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class Command(BaseCommand):
    help = (
        "Check that the audit trail is intact and reaches as far as its checkpoints: exit 0 "
        "if every event is as written and in order, 1 naming the first bad event, a missing "
        "end, or a checkpoint with a bad signature."
    )
    requires_system_checks = OPERATOR_COMMAND_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            metavar="PATH",
            help="the checkpoint file to compare with (a file of the collected syslog messages "
            "will do); by default BACKONTRACK_AUDIT_CHECKPOINT_FILE",
        )
        parser.add_argument(
            "--since-checkpoint",
            action="store_true",
            help="check only the events written after the latest checkpoint",
        )
        parser.add_argument("--batch-size", type=int, default=5000, metavar="N")
        parser.add_argument(
            "--workers",
            type=int,
            default=_cores(),
            metavar="N",
            help="processes that check a long trail side by side, in chunks of ten batches "
            "(by default one for each core)",
        )

    def handle(
        self,
        *args: Any,
        checkpoints: str | None,
        since_checkpoint: bool,
        batch_size: int,
        workers: int,
        **options: Any,
    ) -> None:
        path = Path(checkpoints) if checkpoints else checkpoint_log.configured_file()
        found: list[Checkpoint] = []
        problems: list[str] = []
        if path is not None and path.exists():
            found, problems = checkpoint_log.read(path)
        elif checkpoints:
            raise CommandError(_("There is no checkpoint file %(path)s.") % {"path": path})
        since = found[-1] if since_checkpoint and found else None
        if since_checkpoint and since is None:
            raise CommandError(
                _("There is no checkpoint to start from in %(path)s.") % {"path": path}
            )

        start = since.events if since else 0
        show_progress = sys.stderr.isatty()
        total = (
            AuditEvent.objects.filter(id__gt=since.last_event_id if since else 0).count()
            if show_progress
            else None
        )
        checked = start
        with tqdm(total=total, unit=" events", disable=not show_progress, file=sys.stderr) as bar:
            for step in verify_chain(
                checkpoints=found, since=since, batch_size=batch_size, workers=workers
            ):
                if isinstance(step, ChainProblem):
                    problems.insert(0, step.message())
                    break
                bar.update(step - checked)
                checked = step
        if problems:
            raise CommandError("\n".join(problems))

        if since is None:
            self.stdout.write(
                _("The audit trail is intact: %(count)s events checked.") % {"count": checked}
            )
        else:
            self.stdout.write(
                _("The audit trail is intact: %(count)s events checked after %(checkpoint)s.")
                % {"count": checked - start, "checkpoint": since.describe()}
            )
        if found:
            self.stdout.write(
                _("It reaches every checkpoint in %(path)s; the latest is %(checkpoint)s.")
                % {"path": path, "checkpoint": found[-1].describe()}
            )
        else:
            self.stderr.write(
                _(
                    "No checkpoint to compare with (%(path)s has none), so events cut off "
                    "the end of the trail would go unnoticed. Write one with backontrack "
                    "audit-checkpoint."
                )
                % {"path": path or "-"}
            )
