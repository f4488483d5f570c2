"""Writing and checking the audit trail. Every write of personal data records its event in
the same transaction as the write; every consultation records what was shown."""

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.core.keys import audit_key

from .context import current
from .models import Action, AuditChainHead, AuditEvent, AuditEventSubject

GENESIS = "0" * 64

# The content a hash covers, in this order. Changing it would break every existing chain.
HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_roles",
    "action",
    "object_type",
    "object_id",
    "object_ids",
    "fields",
    "justification",
    "recipient",
    "detail",
    "request_id",
    "address",
)


def _canonical(event: AuditEvent) -> bytes:
    values: dict[str, Any] = {}
    for name in HASHED_FIELDS:
        value = getattr(event, name)
        if name == "occurred_at":
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        values[name] = value
    return json.dumps(values, sort_keys=True, separators=(",", ":"), default=str).encode()


def event_hash(event: AuditEvent, previous_hash: str) -> str:
    message = previous_hash.encode() + b"\n" + _canonical(event)
    return hmac.new(audit_key(), message, hashlib.sha256).hexdigest()


def _head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def describe(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


@transaction.atomic
def record(
    *,
    actor: Any,
    action: Action,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_ids: Iterable[Any] = (),
    fields: Iterable[str] = (),
    justification: str = "",
    recipient: str = "",
    detail: str = "",
    username: str = "",
) -> AuditEvent:
    """Append one event. Pass the record (`obj`) or its type and id; never pass values of
    personal data in `detail` — name the fields instead."""
    if obj is not None:
        object_type, object_id = describe(obj)
    context = current.get()
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor=actor if signed_in else None,
        actor_username=actor.get_username() if signed_in else username,
        actor_roles=",".join(actor.roles) if signed_in else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_ids=[str(i) for i in object_ids],
        fields=sorted(fields),
        justification=justification,
        recipient=recipient,
        detail=detail,
        request_id=context.request_id,
        address=context.address,
    )
    head = _head()
    event.previous_hash = head.last_hash
    event.hash = event_hash(event, head.last_hash)
    event.save()
    AuditEventSubject.objects.bulk_create(
        AuditEventSubject(event=event, object_type=kind, object_id=subject)
        for kind, subject in sorted(_subjects_of(event))
    )
    head.last_event_id = event.pk
    head.last_hash = event.hash
    head.save(update_fields=["last_event_id", "last_hash"])
    return event


@dataclass(frozen=True)
class ChainProblem:
    event_id: int | None
    reason: str


def verify_chain(*, batch_size: int = 2000) -> Iterator[int | ChainProblem]:
    """Walk the chain from the start up to the head as it is now (events written while the
    walk runs are left for the next one). Yields the number of events checked after each
    batch, and a ChainProblem (then stops) at the first event that does not fit — including
    an event whose list of records concerned (the "who looked at this person" index) was
    changed."""
    head = AuditChainHead.objects.filter(pk=1).first()
    head_hash = head.last_hash if head else GENESIS
    head_id = head.last_event_id if head else 0
    previous_hash = GENESIS
    last_id = 0
    checked = 0
    while True:
        batch = list(
            AuditEvent.objects.filter(id__gt=last_id, id__lte=head_id).order_by("id")[:batch_size]
        )
        if not batch:
            break
        subjects: dict[int, set[tuple[str, str]]] = {}
        for event_id, object_type, object_id in AuditEventSubject.objects.filter(
            event_id__in=[event.pk for event in batch]
        ).values_list("event_id", "object_type", "object_id"):
            subjects.setdefault(event_id, set()).add((object_type, object_id))
        for event in batch:
            if event.previous_hash != previous_hash:
                yield ChainProblem(
                    event.pk,
                    str(
                        _("does not follow the event before it (an event was removed or inserted)")
                    ),
                )
                return
            if event_hash(event, previous_hash) != event.hash:
                yield ChainProblem(event.pk, str(_("its content was changed after it was written")))
                return
            if subjects.get(event.pk, set()) != _subjects_of(event):
                yield ChainProblem(
                    event.pk,
                    str(_("the records it concerns were changed in the index of accesses")),
                )
                return
            previous_hash = event.hash
            last_id = event.pk
            checked += 1
        yield checked
    # Every append moves the head in its own transaction, so a committed event beyond the
    # head was not written by the application. (Newest id first, then the head: a write that
    # commits in between moves the head past it and raises no false alarm.)
    newest_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    head_now = AuditChainHead.objects.filter(pk=1).values_list("last_event_id", flat=True).first()
    if newest_id > (head_now or 0):
        yield ChainProblem(
            newest_id,
            str(_("it lies beyond the newest event the chain records (it was inserted)")),
        )
        return
    if head_hash != previous_hash or head_id != last_id:
        yield ChainProblem(
            None,
            str(
                _(
                    "the newest event should be %(expected)s, but the chain ends at "
                    "%(actual)s (events were removed from the end)"
                )
                % {"expected": head_id, "actual": last_id}
            ),
        )


def _subjects_of(event: AuditEvent) -> set[tuple[str, str]]:
    if not event.object_type:
        return set()
    return {(event.object_type, i) for i in {event.object_id, *event.object_ids} - {""}}
