"""Django's dumpdata, except that it leaves out every model with encrypted fields unless
asked: a dump holds the values decrypted, so it is a copy of the database without its
encryption (the TOTP secrets included)."""

from typing import Any

from django.apps import apps
from django.core.management.base import CommandParser
from django.core.management.commands import dumpdata

from backontrack.core.fields import EncryptedMixin


def encrypted_models() -> list[str]:
    return sorted(
        model._meta.label
        for model in apps.get_models()
        if any(isinstance(f, EncryptedMixin) for f in model._meta.concrete_fields)
    )


class Command(dumpdata.Command):
    help = (
        f"{dumpdata.Command.help} Models with encrypted fields are left out unless "
        "--with-decrypted-values is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--with-decrypted-values",
            action="store_true",
            help=(
                "include the models with encrypted fields, their values decrypted: the file "
                "is then as sensitive as the database and its keys together"
            ),
        )

    def handle(self, *app_labels: str, **options: Any) -> None:
        if not options["with_decrypted_values"]:
            left_out = encrypted_models()
            options["exclude"] = [*options["exclude"], *left_out]
            self.stderr.write(
                "Left out, as they hold encrypted values (--with-decrypted-values to include "
                f"them): {', '.join(left_out)}."
            )
        super().handle(*app_labels, **options)
