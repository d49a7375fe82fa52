"""The updates stored before texts were rendered on saving get their HTML from a migration."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

WITHOUT_HTML = [("afspraken", "0006_teksten_begrensd_en_als_html")]
WITH_HTML = [("afspraken", "0007_voortgang_als_html")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_renders_the_updates_stored_before(update):
    executor = MigrationExecutor(connection)
    executor.migrate(WITHOUT_HTML)
    try:
        # The HTML columns as the schema migration left them: empty.
        historical = executor.loader.project_state(WITHOUT_HTML).apps
        historical.get_model("afspraken", "Voortgangsupdate").objects.update(
            tekst_html="", toelichting_html=""
        )
        MigrationExecutor(connection).migrate(WITH_HTML)
        update.refresh_from_db()
        assert update.tekst_html == "<p>De werkgroep is gestart.</p>"
        assert update.toelichting_html == ""
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
