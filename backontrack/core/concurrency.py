"""Optimistic locking: a save names the version it was based on and fails if that is stale."""

from django.db import models
from django.db.models import F


class ConcurrentEditError(Exception):
    """Someone else saved the record after the person started editing it."""


def claim_version(instance: models.Model, expected_version: int) -> None:
    """Move the stored version on by one if it is still `expected_version`, else raise.

    Call inside the writing transaction, before saving the other fields: the conditional
    UPDATE takes the row lock, so of two concurrent saves exactly one passes."""
    manager = type(instance)._default_manager
    claimed = manager.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if claimed != 1:
        raise ConcurrentEditError
    instance.version = expected_version + 1  # type: ignore[attr-defined]
