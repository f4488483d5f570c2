"""Every row gets its own key, and its encrypted values are resealed bound to it, so that a
value copied into another row no longer decrypts (see core.crypto)."""

from django.db import migrations

from backontrack.core.encrypt_existing import bind_to_rows


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_default_instrument"),
    ]

    operations = [
        *bind_to_rows("reviews", "Rating"),
        *bind_to_rows("reviews", "Review"),
    ]
