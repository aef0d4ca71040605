from django.db import migrations


def load(apps, schema_editor):
    from linli.registry.vocabulary import builtin_rows

    GroupTag = apps.get_model("registry", "GroupTag")
    for row in builtin_rows():  # parents come before their kinds
        code = row.pop("code")
        GroupTag.objects.update_or_create(code=code, defaults=row)


def address_trigrams(apps, schema_editor):
    """On PostgreSQL, a trigram index lets "address contains" searches use an index."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS registry_household_address_trgm "
        "ON registry_household USING gin (address gin_trgm_ops)"
    )


def drop_address_trigrams(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS registry_household_address_trgm")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(address_trigrams, drop_address_trigrams),
    ]
