from django.db import migrations

TABLES = ["audit_auditevent", "audit_auditeventsubject", "audit_auditchainhead"]

# A statement-level trigger: TRUNCATE fires no row triggers, so the append-only triggers of
# 0002 and 0004 never saw it. Like them it fires only while session_replication_role is
# "origin" (the default); setting that to "replica" is reserved to superusers, which the
# application's role is not (see docs/decisions/0018-audit-checkpoints.md).
CREATE = """
CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: TRUNCATE is refused on %', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
"""
    for table in TABLES
)

DROP = "".join(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION IF EXISTS audit_refuse_truncate();\n"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_guard_head_and_subjects_on_postgresql")]

    operations = [migrations.RunPython(forwards, backwards)]
