"""Every row gets its own key, and its encrypted values are resealed bound to it, so that a
value copied into another row no longer decrypts (see core.crypto)."""

from django.db import migrations

from backontrack.core.encrypt_existing import bind_to_rows


class Migration(migrations.Migration):
    dependencies = [
        ("mentors", "0003_encrypt_signoff_note"),
    ]

    operations = [
        *bind_to_rows("mentors", "ConflictOfInterest"),
        *bind_to_rows("mentors", "Mentor"),
        *bind_to_rows("mentors", "MentorStatusChange"),
        *bind_to_rows("mentors", "ModuleSignOff"),
        *bind_to_rows("mentors", "ScreeningCheck"),
    ]
