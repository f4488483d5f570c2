import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .fields import EncryptedMixin


class RowKeyedQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        """Refuses encrypted columns, whatever the value (text, another row's ciphertext, an
        expression): an encrypted value is written only by saving its row."""
        sealed = [
            name for name in kwargs if isinstance(self.model._meta.get_field(name), EncryptedMixin)
        ]
        if sealed:
            raise ValueError(
                f"{', '.join(sealed)} of {self.model._meta.label} is encrypted for its row: "
                "save the model instead of updating the column"
            )
        return super().update(**kwargs)


class RowKeyed(models.Model):
    """A model with encrypted fields. Each row has its own random key, fixed before the
    first save and never changed, which every encrypted value of the row is bound to (see
    core.crypto): a value copied into another row does not decrypt."""

    row_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = RowKeyedQuerySet.as_manager()

    class Meta:
        abstract = True


class Installation(models.Model):
    """One row describing this database. A database created by `backontrack demo` is a demo
    database: every page says so, and only there may `backontrack totp` print sign-in codes."""

    is_demo = models.BooleanField(_("demo database"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("installation")

    def __str__(self) -> str:
        return "demo" if self.is_demo else "installation"

    @classmethod
    def current_is_demo(cls) -> bool:
        return cls.objects.filter(is_demo=True).exists()


class SpentFormToken(models.Model):
    """A create form's one-time token, once its write is done (see core.form_tokens). The
    unique nonce makes a second submission of the same form, even a parallel one, fail to
    insert, so the record is written once."""

    nonce = models.CharField(_("nonce"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE
    )
    spent_at = models.DateTimeField(_("spent at"), db_index=True)
    result_path = models.CharField(_("result"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("spent form token")

    def __str__(self) -> str:
        return f"form token of user #{self.user_id}"
