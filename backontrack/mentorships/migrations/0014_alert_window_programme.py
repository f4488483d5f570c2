import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_programmes(apps, schema_editor):
    """Each existing window takes its mentorship's programme."""
    AlertWindow = apps.get_model("mentorships", "AlertWindow")
    Mentorship = apps.get_model("mentorships", "Mentorship")
    AlertWindow.objects.update(
        programme_id=Subquery(
            Mentorship.objects.filter(pk=OuterRef("mentorship_id")).values("programme_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("mentorships", "0013_alert_windows"),
        ("programmes", "0004_programme_mentors_see_disclosures"),
    ]

    operations = [
        migrations.AddField(
            model_name="alertwindow",
            name="programme",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="programmes.programme",
            ),
        ),
        migrations.RunPython(copy_programmes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="alertwindow",
            name="programme",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="programmes.programme",
            ),
        ),
        migrations.AddIndex(
            model_name="alertwindow",
            index=models.Index(
                fields=["programme", "begins_on", "ends_on"], name="mentorships_program_e647cb_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="mentorship",
            index=models.Index(
                fields=["programme", "status"], name="mentorships_program_e2808a_idx"
            ),
        ),
    ]
