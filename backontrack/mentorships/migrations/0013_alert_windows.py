import django.db.models.deletion
from django.db import migrations, models


READ_ELSEWHERE = [("reviews", "Review"), ("mentees", "Mentee")]


def derive_windows(apps, schema_editor):
    """The open mentorships of an existing installation get their alert windows. The rules
    live in the code, so the current code derives them; on a new database there is nothing
    to derive (and the current models need not match this migration's schema)."""
    Mentorship = apps.get_model("mentorships", "Mentorship")
    if not Mentorship.objects.exclude(status="closed").exists():
        return
    from backontrack.mentorships.alerts import alert_windows_rebuild
    from backontrack.mentorships.models import Mentorship as CurrentMentorship

    if schema_editor.connection.vendor == "postgresql":
        # A database loaded in bulk or restored has no statistics yet: without them the
        # planner reads every meeting for each batch (over 8 minutes at 100,000 people
        # instead of 1.5).
        read = ["Mentorship", "Meeting", "CheckIn", "ReentryPlan", "ReentryNeed"]
        tables = [apps.get_model("mentorships", name)._meta.db_table for name in read]
        tables += [apps.get_model(*name)._meta.db_table for name in READ_ELSEWHERE]
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(map(schema_editor.quote_name, tables)))
    alert_windows_rebuild(CurrentMentorship.objects.values_list("pk", flat=True))


class Migration(migrations.Migration):
    dependencies = [
        ("mentorships", "0001_squashed_0012_mentorship_closed_on_index"),
        # The rules read these apps' records through the current models.
        ("accounts", "0005_user_person_key"),
        ("mentees", "0008_register_ids"),
        ("mentors", "0006_programme_required"),
        ("programmes", "0004_programme_mentors_see_disclosures"),
        ("reviews", "0003_bind_ciphertexts_to_rows"),
    ]

    operations = [
        migrations.CreateModel(
            name="AlertWindow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=16)),
                ("begins_on", models.DateField()),
                ("ends_on", models.DateField(null=True)),
                (
                    "mentorship",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alert_windows",
                        to="mentorships.mentorship",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["begins_on", "ends_on", "mentorship"],
                        name="mentorships_begins__50f817_idx",
                    ),
                    models.Index(
                        fields=["mentorship", "begins_on", "ends_on"],
                        name="mentorships_mentors_630cd7_idx",
                    ),
                ],
            },
        ),
        migrations.RunPython(derive_windows, migrations.RunPython.noop),
    ]
