from django.db import migrations

BUILT_IN = ("training", "custody", "family", "re_entry", "coordination")


def create(apps, schema_editor):
    Tag = apps.get_model("lessons", "Tag")
    Tag.objects.bulk_create(Tag(code=code) for code in BUILT_IN)


def remove(apps, schema_editor):
    apps.get_model("lessons", "Tag").objects.filter(code__in=BUILT_IN).delete()


class Migration(migrations.Migration):
    dependencies = [("lessons", "0001_lessons_tags_versions_history")]

    operations = [migrations.RunPython(create, remove)]
