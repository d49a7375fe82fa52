from django.db import migrations

from afspraken.markup import render_markdown

BATCH = 500


def render_stored_updates(apps, schema_editor):
    """Render the texts of the updates stored so far, as `Voortgangsupdate.save()` does now.

    The historical model has neither the model's `save()` nor its QuerySet, both of which refuse
    to change a stored update; this is the one change they are meant to allow.
    """
    Voortgangsupdate = apps.get_model("afspraken", "Voortgangsupdate")
    last_pk = 0
    while True:
        updates = list(
            Voortgangsupdate.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .only("pk", "tekst", "toelichting")[:BATCH]
        )
        if not updates:
            return
        for update in updates:
            update.tekst_html = render_markdown(update.tekst)
            update.toelichting_html = render_markdown(update.toelichting)
        Voortgangsupdate.objects.bulk_update(updates, ["tekst_html", "toelichting_html"])
        last_pk = updates[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("afspraken", "0006_teksten_begrensd_en_als_html"),
    ]

    operations = [
        migrations.RunPython(render_stored_updates, migrations.RunPython.noop, elidable=True),
    ]
