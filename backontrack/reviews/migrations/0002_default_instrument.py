from django.db import migrations


def load_default(apps, schema_editor):
    from backontrack.reviews import instruments

    instruments.load(
        instruments.DEFAULT.read_text(encoding="utf-8"), apps.get_model("reviews", "Instrument")
    )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_instruments_and_reviews")]

    operations = [migrations.RunPython(load_default, migrations.RunPython.noop)]
