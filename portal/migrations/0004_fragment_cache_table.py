"""The table of the database cache that keeps rendered parts of the party pages
(CACHES["fragmenten"], portal/core/datacache.py), made by `migrate` like the API's."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_toegankelijkheidstoets")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
