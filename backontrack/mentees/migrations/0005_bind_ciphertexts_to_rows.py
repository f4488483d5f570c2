"""Every row gets its own key, and its encrypted values are resealed bound to it, so that a
value copied into another row no longer decrypts (see core.crypto)."""

from django.db import migrations

from backontrack.core.encrypt_existing import bind_to_rows


class Migration(migrations.Migration):
    dependencies = [
        ("mentees", "0004_encrypt_consent_agencies"),
    ]

    operations = [
        *bind_to_rows("mentees", "Consent"),
        *bind_to_rows("mentees", "CustodyEvent"),
        *bind_to_rows("mentees", "Mentee"),
    ]
