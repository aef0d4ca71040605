from django.db import migrations


def load(apps, schema_editor):
    from linli.registry.vocabulary import builtin_rows

    GroupTag = apps.get_model("registry", "GroupTag")
    for row in builtin_rows():  # parents come before their kinds
        code = row.pop("code")
        GroupTag.objects.update_or_create(code=code, defaults=row)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
