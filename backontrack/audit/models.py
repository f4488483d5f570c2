from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    DELETE = "delete", _("Deleted")
    VIEW = "view", _("Viewed")
    LIST = "list", _("Listed")
    SEARCH = "search", _("Searched")
    EXPORT = "export", _("Exported")
    DISCLOSE = "disclose", _("Disclosed")
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    LOCKOUT = "lockout", _("Locked out")
    SIGN_OUT = "sign_out", _("Signed out")
    REFUSE = "refuse", _("Refused")


class StatedReason(models.TextChoices):
    """Why someone opens what their role does not routinely need (a closed case, a person's
    access history); stored with every event of the look as `stated:<code>:<details>`."""

    FOLLOW_UP = "follow_up", _("Follow-up on the person after the case closed")
    COMPLAINT = "complaint", _("A complaint or an inquiry")
    ACCESS_REQUEST = "access_request", _("The person asked to see their data")
    QUALITY = "quality", _("Quality assurance or supervision")
    AUTHORITY = "authority", _("A legal obligation or a request from an authority")
    OTHER = "other", _("Other reason")


class AuditEvent(models.Model):
    """One entry in the append-only audit trail. Each event's `hash` covers its content and
    the previous event's hash (HMAC with a key kept outside the database), so changing,
    removing or inserting an event breaks the chain (`backontrack verify-audit`). On
    PostgreSQL a trigger refuses UPDATE and DELETE on this table."""

    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_username = models.CharField(_("user name"), max_length=150, blank=True)
    actor_roles = models.CharField(_("roles"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # For lists and searches: the ids of the records that were shown.
    object_ids = models.JSONField(_("records shown"), default=list, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    # The people (mentee ids) the records concern, derived when the event is written.
    people = models.JSONField(_("people concerned"), default=list, blank=True)
    justification = models.TextField(_("justification"), blank=True)
    recipient = models.CharField(_("recipient"), max_length=200, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    request_id = models.CharField(_("request id"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=64, blank=True)
    # For a call of the API: "api:<the call's URL name>", and the public key id of the token
    # it came with (never its secret). Empty for a page.
    via = models.CharField(_("through"), max_length=64, blank=True, db_default="")
    via_token = models.CharField(_("API token"), max_length=16, blank=True, db_default="")
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering: ClassVar = ["-id"]
        verbose_name = _("audit event")
        indexes: ClassVar = [
            models.Index(fields=["object_type", "object_id", "occurred_at"]),
            models.Index(fields=["actor", "occurred_at"]),
            models.Index(fields=["action", "occurred_at"]),
            models.Index(fields=["via_token", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"


class AuditEventSubject(models.Model):
    """The records an event concerns — the one record of a view or change, every record
    shown by a list or search — so that "who looked at this person" is one indexed query.
    Derived from the event (its hash covers object_id and object_ids), never edited."""

    event = models.ForeignKey(
        AuditEvent, on_delete=models.DO_NOTHING, related_name="subjects", db_constraint=False
    )
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["object_type", "object_id", "event"])]

    def __str__(self) -> str:
        return f"{self.object_type}#{self.object_id}"


class AuditChainHead(models.Model):
    """The hash of the newest event, in a single row locked by every writer: it serialises
    appends and shows whether events were cut off the end of the chain."""

    last_event_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit head at {self.last_event_id}"
