"""On PostgreSQL, room for recomputing volunteers' totals in place.

A recompute rewrites ``hours_total``, ``star`` and ``updated_at`` of the volunteers whose
totals are wrong. Neither ``hours_total`` nor ``updated_at`` is indexed (and ``star`` changes
seldom), so when the new row version fits on the same page PostgreSQL writes it as a
heap-only tuple (HOT) and none of the table's indexes is touched; otherwise every index gets a
new entry. So:

- ``volunteers_volunteer`` keeps part of each page free (``FILLFACTOR``). It applies to pages
  written from now on; ``VACUUM FULL volunteers_volunteer`` applies it to the existing ones.
- The ``varchar_pattern_ops`` copies Django adds to the indexes of ``area_id``,
  ``id_number_bidx`` and ``phone_bidx`` are dropped: those columns are only ever compared
  whole (prefix search goes through ``area_code``, whose pattern index stays).
- The service records' (volunteer, date) index also carries ``hours``, so summing a
  volunteer's hours is an index-only scan (records are never updated, so their pages stay
  all-visible). The index keeps its name and key columns, as Django knows it.

SQLite, the embedded demo database, is left as it is.
"""

from django.db import migrations

FILLFACTOR = 50
VOLUNTEERS = "volunteers_volunteer"
RECORDS = "volunteers_servicerecord"
UNUSED_PATTERN_INDEXES = ("area_id", "id_number_bidx", "phone_bidx")
RECORD_INDEX = "vol_record_volunteer_idx"


def _pattern_index(schema_editor, column: str) -> str:
    return schema_editor._create_index_name(VOLUNTEERS, [column], suffix="_like")


def up(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {VOLUNTEERS} SET (fillfactor = {FILLFACTOR})")
    for column in UNUSED_PATTERN_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_pattern_index(schema_editor, column)}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {RECORD_INDEX}")
    schema_editor.execute(
        f"CREATE INDEX {RECORD_INDEX} ON {RECORDS} (volunteer_id, served_on) INCLUDE (hours)"
    )


def down(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {RECORD_INDEX}")
    schema_editor.execute(f"CREATE INDEX {RECORD_INDEX} ON {RECORDS} (volunteer_id, served_on)")
    for column in UNUSED_PATTERN_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_pattern_index(schema_editor, column)} "
            f"ON {VOLUNTEERS} ({column} varchar_pattern_ops)"
        )
    schema_editor.execute(f"ALTER TABLE {VOLUNTEERS} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0002_records_append_only")]
    operations = [migrations.RunPython(up, down, elidable=False)]
