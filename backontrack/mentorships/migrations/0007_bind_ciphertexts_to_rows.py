"""Every row gets its own key, and its encrypted values are resealed bound to it, so that a
value copied into another row no longer decrypts (see core.crypto)."""

from django.db import migrations

from backontrack.core.encrypt_existing import bind_to_rows


class Migration(migrations.Migration):
    dependencies = [
        ("mentorships", "0006_reentry_plan"),
    ]

    operations = [
        *bind_to_rows("mentorships", "CheckIn"),
        *bind_to_rows("mentorships", "Goal"),
        *bind_to_rows("mentorships", "Meeting"),
        *bind_to_rows("mentorships", "MeetingRevision"),
        *bind_to_rows("mentorships", "Mentorship"),
        *bind_to_rows("mentorships", "MentorshipChange"),
        *bind_to_rows("mentorships", "Plan"),
        *bind_to_rows("mentorships", "ReentryNeed"),
    ]
