"""Phases of one trajectory must not overlap: an exclusion constraint on PostgreSQL.

Deferred, so that an admin save that moves two adjacent phases at once is checked as a whole.
SQLite has no exclusion constraints; there Faseperiode.clean() is the only guard.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """
    ALTER TABLE trajecten_faseperiode ADD CONSTRAINT faseperiode_geen_overlap
    EXCLUDE USING gist (
        traject_id WITH =,
        daterange(startdatum, einddatum, '[)') WITH &&
    ) DEFERRABLE INITIALLY DEFERRED
    """,
]
BACKWARD = ["ALTER TABLE trajecten_faseperiode DROP CONSTRAINT IF EXISTS faseperiode_geen_overlap"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("trajecten", "0001_initial")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
