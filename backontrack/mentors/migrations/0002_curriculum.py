"""The scheme's curriculum, as the first trainers taught it."""

from django.db import migrations

from backontrack.mentors import curriculum


def seed(apps, schema_editor):
    curriculum.ensure(apps.get_model("mentors", "TrainingModule"))


class Migration(migrations.Migration):
    dependencies = [("mentors", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
