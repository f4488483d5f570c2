"""Every row gets its own key, and its encrypted values are resealed bound to it, so that a
value copied into another row no longer decrypts (see core.crypto)."""

from django.db import migrations

from backontrack.core.encrypt_existing import bind_to_rows


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0001_network_members_and_involvement"),
    ]

    operations = [
        *bind_to_rows("network", "Involvement"),
        *bind_to_rows("network", "NetworkMember"),
    ]
