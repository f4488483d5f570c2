from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_subject_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: % is refused on audit_auditeventsubject', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_subject_append_only
    BEFORE UPDATE OR DELETE ON audit_auditeventsubject
    FOR EACH ROW EXECUTE FUNCTION audit_subject_is_append_only();

CREATE OR REPLACE FUNCTION audit_head_only_moves_forward() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.last_event_id <= OLD.last_event_id THEN
        RAISE EXCEPTION 'The audit chain head only moves forward: % is refused', TG_OP;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_head_forward_only
    BEFORE UPDATE OR DELETE ON audit_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION audit_head_only_moves_forward();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_subject_append_only ON audit_auditeventsubject;
DROP FUNCTION IF EXISTS audit_subject_is_append_only();
DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_auditchainhead;
DROP FUNCTION IF EXISTS audit_head_only_moves_forward();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_auditeventsubject")]

    operations = [migrations.RunPython(forwards, backwards)]
