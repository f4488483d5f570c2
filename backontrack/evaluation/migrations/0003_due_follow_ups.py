import django.db.models.deletion
from django.db import migrations, models


def derive_follow_ups_due(apps, schema_editor):
    """An existing installation's closed mentorships and comparison referrals get their
    follow-ups due, derived by the current code (as the alert windows were); on a new
    database there is nothing to derive (and the current models need not match this
    migration's schema)."""
    Mentorship = apps.get_model("mentorships", "Mentorship")
    Screening = apps.get_model("referrals", "Screening")
    if not (Mentorship.objects.filter(status="closed").exists() or Screening.objects.exists()):
        return
    from backontrack.evaluation.followups import follow_ups_due_rebuild_all

    if schema_editor.connection.vendor == "postgresql":
        # A database loaded in bulk or restored has no statistics yet.
        read = [("mentorships", "Mentorship"), ("referrals", "Referral")]
        read += [("referrals", "Screening"), ("evaluation", "FollowUp")]
        tables = [apps.get_model(*name)._meta.db_table for name in read]
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(map(schema_editor.quote_name, tables)))
    follow_ups_due_rebuild_all()


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0001_squashed_0002_indicators"),
        ("mentorships", "0014_alert_window_programme"),
        ("programmes", "0001_squashed_0004_programme_mentors_see_disclosures"),
        ("referrals", "0009_screening_decided_at_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="DueFollowUp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "group",
                    models.CharField(
                        choices=[
                            ("mentored", "Mentored (after closure)"),
                            ("comparison", "Eligible, never matched"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "months",
                    models.PositiveSmallIntegerField(
                        choices=[(6, "6 months"), (12, "12 months"), (24, "24 months")]
                    ),
                ),
                ("counted_from", models.DateField()),
                ("due_on", models.DateField()),
                (
                    "mentorship",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="mentorships.mentorship",
                    ),
                ),
                (
                    "programme",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="programmes.programme",
                    ),
                ),
                (
                    "referral",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="referrals.referral",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["programme", "months", "counted_from"],
                        name="evaluation__program_cff50d_idx",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("mentorship__isnull", False), ("referral__isnull", True)),
                            models.Q(("mentorship__isnull", True), ("referral__isnull", False)),
                            _connector="OR",
                        ),
                        name="due_follow_up_of_a_mentorship_or_a_referral",
                    )
                ],
            },
        ),
        migrations.RunPython(derive_follow_ups_due, migrations.RunPython.noop, elidable=True),
    ]
