"""Everything that existed before programmes belonged to the one implicit programme: it
becomes the installation's default programme, with today's environment values as settings,
and everyone who holds a member role takes part in it."""

from django.db import migrations

MEMBER_ROLES = ("coordinator", "coach", "mentor", "trainer")


def create_default(apps, schema_editor):
    Programme = apps.get_model("programmes", "Programme")
    Organisation = apps.get_model("accounts", "Organisation")
    RoleGrant = apps.get_model("accounts", "RoleGrant")
    Membership = apps.get_model("programmes", "ProgrammeMembership")
    Change = apps.get_model("programmes", "ProgrammeChange")
    if Programme.objects.filter(is_default=True).exists():
        return
    owner = Organisation.objects.filter(kind="prison_probation").order_by("id").first()
    programme = Programme.objects.create(
        name="Back on Track", organisation=owner, is_default=True, status="active"
    )
    Change.objects.create(programme=programme, kind="created")
    Membership.objects.bulk_create(
        Membership(programme=programme, user_id=user_id, role=role)
        for user_id, role in RoleGrant.objects.filter(role__in=MEMBER_ROLES)
        .values_list("user_id", "role")
        .distinct()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0001_initial"),
        ("accounts", "0004_authenticator"),
    ]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
