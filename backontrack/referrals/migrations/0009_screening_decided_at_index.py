from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_squashed_0008_programme_required"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="screening",
            index=models.Index(
                fields=["decision", "decided_at"], name="referrals_s_decisio_84a48e_idx"
            ),
        ),
    ]
