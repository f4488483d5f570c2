from typing import Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from . import crypto


class Sealed(str):
    """A value as stored: encrypted, not yet opened for its row."""


class SealedForRow(Sealed):
    """A value just sealed for the row being saved: the only kind written to the column."""


class SealedAttribute(DeferredAttribute):
    """Opens a stored value when it is first read, with the key of the row it belongs to
    (the database converter that reads a column does not know the row)."""

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        super().__get__(instance, cls)  # loads a deferred value
        name = self.field.attname
        value = instance.__dict__[name]
        if isinstance(value, Sealed):
            value = self.field.open(value, instance)  # type: ignore[attr-defined]
            instance.__dict__[name] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedMixin:
    """Stores the field's value encrypted (see core.crypto) in a text column, bound to the
    field and to the row's `row_key` (models with encrypted fields inherit `RowKeyed`). It
    cannot be filtered on: search sensitive identifiers through a blind-index field instead,
    and filter other encrypted values in Python over a bounded set of rows. It is written
    only by saving its model (`save`, `bulk_create`), never by `update()`, which knows no
    row."""

    descriptor_class: Any = SealedAttribute
    encryption_context: str
    attname: str

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)  # type: ignore[misc]
        self.encryption_context = f"{cls._meta.label_lower}.{name}"

    def get_internal_type(self) -> str:
        return "TextField"

    def padding_block(self) -> int:
        # Pad every choice to the same length, so the ciphertext's length names none of them.
        choices = getattr(self, "flatchoices", None) or []
        longest = max((len(str(value).encode()) for value, _label in choices), default=0)
        return max(crypto.BLOCK, longest + 1)

    def to_plaintext(self, value: Any) -> str:
        return str(value)

    def from_plaintext(self, plaintext: str) -> Any:
        return plaintext

    @staticmethod
    def row_of(instance: models.Model) -> str:
        return str(instance.row_key)  # type: ignore[attr-defined]

    def open(self, token: str, instance: models.Model) -> Any:
        plaintext = crypto.decrypt(
            token, context=self.encryption_context, row=self.row_of(instance)
        )
        return self.from_plaintext(plaintext)

    def seal(self, value: Any, row: str) -> str:
        return crypto.encrypt(
            self.to_plaintext(value),
            context=self.encryption_context,
            row=row,
            block=self.padding_block(),
        )

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return Sealed(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if value is None or value == "":
            return value
        return SealedForRow(self.seal(value, self.row_of(model_instance)))

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, SealedForRow):
            return str(value)
        value = super().get_prep_value(value)  # type: ignore[misc]
        if value is None or value == "":
            return value
        raise ValueError(
            f"{self.encryption_context} is encrypted for its row: save the model instead of "
            "updating the column"
        )

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)  # type: ignore[misc]


class EncryptedTextField(EncryptedMixin, models.TextField):
    """Encrypted text; with `choices`, an encrypted choice (validated and displayed as usual)."""


class EncryptedBooleanField(EncryptedMixin, models.BooleanField):
    """An encrypted yes/no. True and false encrypt to ciphertexts of the same length."""

    def to_plaintext(self, value: Any) -> str:
        return "1" if value else "0"

    def from_plaintext(self, plaintext: str) -> bool:
        if plaintext not in ("0", "1"):
            raise crypto.DecryptionError(f"{self.encryption_context} is not a yes/no value")
        return plaintext == "1"
