from typing import Any

from django.core.checks import CheckMessage, Tags, Warning, register

from .keys import keys_from_environment


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
