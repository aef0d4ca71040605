"""On PostgreSQL the database itself refuses to change or delete a service record or a line of
the points ledger: a record is corrected by a new entry, a balance by a new line.

The one exception is the demonstration data: rows of a demo volunteer (``is_demo``) may be
deleted, so that the demo can be loaded again. Emptying a table whole (TRUNCATE, as a test's
flush does) is not refused. On SQLite, the embedded demo database, the actions alone keep the
rule."""

from django.db import migrations

TABLES = ("volunteers_servicerecord", "volunteers_pointsentry")

PG_UP = """
CREATE OR REPLACE FUNCTION volunteers_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM volunteers_volunteer v WHERE v.id = OLD.volunteer_id AND v.is_demo
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: write a correction or a new line instead', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
""" + "".join(  # noqa: S608 (the two table names above, nothing else)
    f"""
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION volunteers_append_only();
"""
    for table in TABLES
)

PG_DOWN = "".join(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n" for table in TABLES)
PG_DOWN += "DROP FUNCTION IF EXISTS volunteers_append_only();\n"


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
