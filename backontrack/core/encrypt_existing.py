"""Data migrations that encrypt a column in place once its field becomes encrypted (and
decrypt it again on the way back), and that bind encrypted values to their rows. They work
on raw values, so the schema migration before them may have left booleans as '1'/'0'
(SQLite) or 'true'/'false' (PostgreSQL) text."""

import uuid
from typing import Any

from django.db import migrations, models

from . import crypto
from .fields import EncryptedBooleanField, EncryptedMixin

TRUE_TEXTS = ("1", "t", "true")
ENCRYPTED_PREFIXES = (crypto.PREFIX, *crypto.LEGACY_PREFIXES)


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
                    already = str(raw).startswith(ENCRYPTED_PREFIXES)
                    values.append(
                        raw
                        if already
                        else crypto.encrypt(
                            _plaintext(field, raw),
                            context=field.encryption_context,
                            row=None,
                            block=field.padding_block(),
                        )
                    )
                else:
                    values.append(crypto.decrypt(raw, context=field.encryption_context, row=None))
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


def _bind(apps: Any, schema_editor: Any, label: str, forward: bool) -> None:
    """Give every row its key and reseal its values for the row (forwards), or reseal them
    for the field alone (backwards, before the key is dropped)."""
    model = apps.get_model(label)
    fields: list[Any] = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]
    row_key_field = model._meta.get_field("row_key")
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    columns = ", ".join(quote(f.column) for f in [row_key_field, *fields])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk}, {columns} FROM {table}")  # noqa: S608 - names quoted
        rows = cursor.fetchall()
        updates = []
        for pk_value, stored_key, *raws in rows:
            row_key = uuid.uuid4() if forward else row_key_field.to_python(stored_key)
            old_row, new_row = (None, str(row_key)) if forward else (str(row_key), None)
            values = []
            for field, raw in zip(fields, raws, strict=True):
                if raw is None or raw == "":
                    values.append(raw)
                    continue
                plain = crypto.decrypt(raw, context=field.encryption_context, row=old_row)
                values.append(
                    crypto.encrypt(
                        plain,
                        context=field.encryption_context,
                        row=new_row,
                        block=field.padding_block(),
                    )
                )
            prepared_key = row_key_field.get_db_prep_value(row_key, connection)
            updates.append([prepared_key, *values, pk_value])
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in [row_key_field, *fields])
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", updates)  # noqa: S608


def bind_to_rows(app_label: str, model_name: str) -> list[Any]:
    """The operations that give `model_name` its row key (see core.models.RowKeyed) and bind
    its encrypted values to their rows: the column is added empty, filled row by row with
    the values resealed, then made required and unique."""
    label = f"{app_label}.{model_name}"

    def forwards(apps: Any, schema_editor: Any) -> None:
        _bind(apps, schema_editor, label, forward=True)

    def backwards(apps: Any, schema_editor: Any) -> None:
        _bind(apps, schema_editor, label, forward=False)

    name = model_name.lower()
    return [
        migrations.AddField(
            model_name=name,
            name="row_key",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name=name,
            name="row_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
