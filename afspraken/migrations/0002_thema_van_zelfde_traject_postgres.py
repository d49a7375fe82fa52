"""An agreement's theme belongs to the agreement's trajectory: a composite foreign key.

Django cannot declare a foreign key over two columns, so it is added here on PostgreSQL;
on SQLite Verbeterafspraak.clean() is the only guard.
"""

from django.db import migrations

FORWARD = [
    """
    ALTER TABLE afspraken_verbeterafspraak ADD CONSTRAINT verbeterafspraak_thema_van_traject
    FOREIGN KEY (thema_id, traject_id) REFERENCES trajecten_thema (id, traject_id)
    DEFERRABLE INITIALLY DEFERRED
    """,
]
BACKWARD = [
    "ALTER TABLE afspraken_verbeterafspraak "
    "DROP CONSTRAINT IF EXISTS verbeterafspraak_thema_van_traject"
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("afspraken", "0001_initial"), ("trajecten", "0001_initial")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
