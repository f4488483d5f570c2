from typing import Any

from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .keys import keys_from_environment

# What an operator's command checks before it runs: the models (an encrypted field without a
# row key). The check of the URL configuration imports every view and builds the API's
# schemas, which is most of a command's start-up (1.4 of 2.2 s of CPU for verify-audit), for
# commands that serve no page; `serve`, `demo`, `migrate` and `check` check everything.
OPERATOR_COMMAND_CHECKS = [Tags.models]


@register(Tags.security, deploy=True)
def keys_are_set_explicitly(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production the audit, field and index keys come from the environment (or a
    secrets file), kept and backed up apart from the database and SECRET_KEY."""
    return [
        Warning(
            f"{name} is not set, so a key generated into var/ is used.",
            hint=(
                f"Set {name} (or {name}_FILE) to 32 random bytes, URL-safe base64 encoded, "
                "and keep it apart from the database backups."
            ),
            id="backontrack.W001",
        )
        for name, present in keys_from_environment().items()
        if not present
    ]


@register(Tags.models)
def encrypted_fields_are_bound_to_rows(
    app_configs: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """Every model with an encrypted field has a row key to bind its values to."""
    from django.apps import apps

    from .fields import EncryptedMixin
    from .models import RowKeyed

    return [
        Error(
            f"{model._meta.label} has encrypted fields but no row key.",
            hint="Inherit backontrack.core.models.RowKeyed.",
            obj=model,
            id="backontrack.E001",
        )
        for model in apps.get_models()
        if any(isinstance(f, EncryptedMixin) for f in model._meta.concrete_fields)
        and not issubclass(model, RowKeyed)
    ]
