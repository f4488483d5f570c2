from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from tqdm import tqdm

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import crypto
from backontrack.core.checks import OPERATOR_COMMAND_CHECKS
from backontrack.core.fields import EncryptedMixin
from backontrack.core.keys import field_keys


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[Any]]]:
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]
        if fields:
            yield model, fields


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value under the newest key (the first of "
        "BACKONTRACK_FIELD_KEYS), bound to its row. Safe to interrupt and run again: values "
        "already under the newest key are skipped. Remove an old key only after this has "
        "finished."
    )
    requires_system_checks = OPERATOR_COMMAND_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--max-batches",
            type=int,
            default=None,
            help="stop after this many batches per table (to rotate in slices)",
        )
        parser.add_argument(
            "--bind-legacy",
            action="store_true",
            help=(
                "also bind values from before row binding (enc1, enc2) to the row they are "
                "in. The migrations bind every such value, so one found later may have been "
                "copied in from another row or a backup: check the rows listed first."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        newest = crypto.key_id(field_keys()[0])
        self.bind_legacy = options["bind_legacy"]
        self.legacy: dict[str, list[Any]] = {}
        for model, fields in encrypted_fields():
            changed = self._rotate(
                model, fields, newest, options["batch_size"], options["max_batches"]
            )
            self.stdout.write(f"{model._meta.label}: {changed:,} values re-encrypted.")
        if self.legacy:
            found = "; ".join(
                f"{label} rows {sorted(set(ids))}" for label, ids in self.legacy.items()
            )
            raise CommandError(
                f"Values not bound to their rows were left as they are: {found}. The "
                "migrations bound every value, so these may have been copied in from another "
                "row or a backup. Check them; run again with --bind-legacy to bind them."
            )
        self.stdout.write(f"Done: every value read is now under key {newest}.")

    def _rotate(
        self,
        model: type[models.Model],
        fields: list[Any],
        newest: str,
        batch_size: int,
        max_batches: int | None,
    ) -> int:
        def quote(name: str | None) -> str:
            return connection.ops.quote_name(str(name))

        table = quote(model._meta.db_table)
        pk = quote(model._meta.pk.column if model._meta.pk else "id")
        row_key: Any = model._meta.get_field("row_key")
        columns = ", ".join(quote(f.column) for f in [row_key, *fields])
        total = model._default_manager.count()
        changed = batches = 0
        last = None
        with tqdm(total=total, unit="row", desc=model._meta.label, file=self.stderr._out) as bar:
            while max_batches is None or batches < max_batches:
                with transaction.atomic(), connection.cursor() as cursor:
                    where = f"WHERE {pk} > %s " if last is not None else ""
                    # Lock the rows until they are written back, so that a save in between
                    # is never overwritten with the old value (SQLite locks the whole file).
                    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
                    cursor.execute(
                        f"SELECT {pk}, {columns} FROM {table} {where}ORDER BY {pk} LIMIT %s{lock}",  # noqa: S608 - names quoted
                        [last, batch_size] if last is not None else [batch_size],
                    )
                    rows = cursor.fetchall()
                    if not rows:
                        break
                    updates = []
                    for row in rows:
                        row_id = str(row_key.to_python(row[1]))
                        values = list(row[2:])
                        stale = False
                        for i, (field, value) in enumerate(zip(fields, values, strict=True)):
                            if value and not crypto.encrypted_with_newest_key(value):
                                bound = value.startswith(f"{crypto.PREFIX}:")
                                if not bound and not self.bind_legacy:
                                    self.legacy.setdefault(model._meta.label, []).append(row[0])
                                    continue
                                plain = crypto.decrypt(
                                    value,
                                    context=field.encryption_context,
                                    row=row_id if bound else None,
                                )
                                values[i] = crypto.encrypt(
                                    plain,
                                    context=field.encryption_context,
                                    row=row_id,
                                    block=field.padding_block(),
                                )
                                stale = True
                        if stale:
                            updates.append([*values, row[0]])
                    if updates:
                        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
                        cursor.executemany(
                            f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                            updates,
                        )
                        record(
                            actor=None,
                            username="(backontrack rotate-keys)",
                            action=Action.CHANGE,
                            object_type=model._meta.label_lower,
                            object_ids=[update[-1] for update in updates],
                            fields=[f.name for f in fields],
                            detail=f"re-encrypted under key {newest}"
                            + (
                                " (values from before row binding bound)"
                                if self.bind_legacy
                                else ""
                            ),
                        )
                    changed += len(updates)
                    last = rows[-1][0]
                    batches += 1
                    bar.update(len(rows))
        return changed
