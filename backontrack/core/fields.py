from typing import Any

from django.db import models

from . import crypto


class EncryptedMixin:
    """Stores the field's value encrypted (see core.crypto) in a text column. It cannot be
    filtered on: search sensitive identifiers through a blind-index field instead, and filter
    other encrypted values in Python over a bounded set of rows."""

    encryption_context: str

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

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return self.from_plaintext(crypto.decrypt(value, context=self.encryption_context))

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # type: ignore[misc]
        if value is None or value == "":
            return value
        return crypto.encrypt(
            self.to_plaintext(value), context=self.encryption_context, block=self.padding_block()
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
