"""Data migrations that encrypt a column in place once its field becomes encrypted (and
decrypt it again on the way back). They work on raw values, so the schema migration before
them may have left booleans as '1'/'0' (SQLite) or 'true'/'false' (PostgreSQL) text."""

from typing import Any

from django.db import migrations

from . import crypto
from .fields import EncryptedBooleanField, EncryptedMixin

TRUE_TEXTS = ("1", "t", "true")


def _plaintext(field: EncryptedMixin, raw: Any) -> str:
    if isinstance(field, EncryptedBooleanField):
        return field.to_plaintext(str(raw).lower() in TRUE_TEXTS)
    return str(raw)


def _rewrite(apps: Any, schema_editor: Any, label: str, names: list[str], forward: bool) -> None:
    model = apps.get_model(label)
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk}, {columns} FROM {table}")  # noqa: S608 - names quoted
        rows = cursor.fetchall()
        updates = []
        for row in rows:
            values = []
            for field, raw in zip(fields, row[1:], strict=True):
                if raw is None or raw == "":
                    values.append(raw)
                elif forward:
                    already = str(raw).startswith((crypto.PREFIX, crypto.UNPADDED_PREFIX))
                    values.append(
                        raw
                        if already
                        else crypto.encrypt(
                            _plaintext(field, raw),
                            context=field.encryption_context,
                            block=field.padding_block(),
                        )
                    )
                else:
                    values.append(crypto.decrypt(raw, context=field.encryption_context))
            updates.append([*values, row[0]])
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", updates)  # noqa: S608


def encrypt_columns(label: str, *names: str) -> migrations.RunPython:
    """Encrypt the values of `label`'s fields `names` (forwards) or decrypt them (backwards)."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        _rewrite(apps, schema_editor, label, list(names), forward=True)

    def backwards(apps: Any, schema_editor: Any) -> None:
        _rewrite(apps, schema_editor, label, list(names), forward=False)

    return migrations.RunPython(forwards, backwards)
