"""Referral history lines the system wrote before it kept codes become their code, so they
are shown in the reader's language; a reason a person typed stays as typed."""

from django.db import migrations

REASONS = {
    "The mentee withdrew their consent to take part.": "consent_withdrawn",
    "Menteen har trukket sit samtykke til at deltage tilbage.": "consent_withdrawn",
}


def forwards(apps, schema_editor):
    ReferralTransition = apps.get_model("referrals", "ReferralTransition")
    for transition in ReferralTransition.objects.filter(to_status="withdrawn").iterator():
        code = REASONS.get(transition.reason or "")
        if code:
            transition.reason_code = code
            transition.reason = ""
            transition.save(update_fields=["reason_code", "reason"])


class Migration(migrations.Migration):
    dependencies = [("referrals", "0005_generated_text_as_codes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
