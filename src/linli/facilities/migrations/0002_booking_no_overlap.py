"""On PostgreSQL, live bookings of one venue can never overlap, whatever client writes: an
exclusion constraint over (venue, time range) for pending, confirmed and checked-in bookings.
SQLite serialises writers (BEGIN IMMEDIATE), and the booking action checks for overlap with
the venue row locked, so both databases refuse a double booking."""

from django.db import migrations

LIVE = "('pending', 'confirmed', 'checked_in')"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        "ALTER TABLE facilities_booking ADD CONSTRAINT facilities_booking_no_overlap "
        "EXCLUDE USING gist (venue_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
        f"WHERE (status IN {LIVE})"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE facilities_booking DROP CONSTRAINT IF EXISTS facilities_booking_no_overlap"
    )


class Migration(migrations.Migration):
    dependencies = [("facilities", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
