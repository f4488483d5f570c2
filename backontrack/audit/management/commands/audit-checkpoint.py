from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from backontrack.audit.services import HeadMismatch, checkpoint_write
from backontrack.core.checks import OPERATOR_COMMAND_CHECKS


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the audit chain's head (its newest event, that event's "
        "hash and the number of events) to BACKONTRACK_AUDIT_CHECKPOINT_FILE and/or "
        "BACKONTRACK_AUDIT_CHECKPOINT_SYSLOG, so that verify-audit notices events cut off the "
        "end. Nothing is written when the trail has not grown since the file's last one."
    )
    requires_system_checks = OPERATOR_COMMAND_CHECKS

    def handle(self, *args: Any, **options: Any) -> None:
        file_path = settings.BACKONTRACK_AUDIT_CHECKPOINT_FILE
        syslog_address = settings.BACKONTRACK_AUDIT_CHECKPOINT_SYSLOG
        if not file_path and not syslog_address:
            raise CommandError(
                _(
                    "Audit checkpoints go nowhere: set BACKONTRACK_AUDIT_CHECKPOINT_FILE or "
                    "BACKONTRACK_AUDIT_CHECKPOINT_SYSLOG."
                )
            )
        try:
            checkpoint = checkpoint_write(file_path=file_path, syslog_address=syslog_address)
        except HeadMismatch as error:
            raise CommandError(str(error)) from error
        except OSError as error:
            raise CommandError(
                _("The audit checkpoint could not be written: %(error)s.") % {"error": error}
            ) from error
        if checkpoint is None:
            self.stdout.write(_("The audit trail has not grown since the last checkpoint."))
        else:
            self.stdout.write(
                _("Audit checkpoint written: %(count)s events, up to event %(id)s.")
                % {"count": checkpoint.events, "id": checkpoint.last_event_id}
            )
