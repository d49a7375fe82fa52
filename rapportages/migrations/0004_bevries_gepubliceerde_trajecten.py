"""Set `Traject.bevroren_tot` from the editions published before the date existed.

A trajectory report freezes its own trajectory up to its edition's peildatum; an
implementation-wide report freezes the trajectories that were in the implementatiefase in its
year up to its peildatum (the rule of `rapportages.content.trajecten_covered_by`, as it stood
when this migration was written).
"""

import datetime

from django.db import migrations
from django.db.models import Q


def freeze(apps, schema_editor):
    Editie = apps.get_model("rapportages", "Editie")
    Traject = apps.get_model("trajecten", "Traject")
    Faseperiode = apps.get_model("trajecten", "Faseperiode")
    frozen: dict[int, datetime.date] = {}
    for editie in Editie.objects.select_related("rapportage"):
        rapportage = editie.rapportage
        if rapportage.soort == "traject":
            traject_ids = [rapportage.traject_id]
        else:
            start = datetime.date(rapportage.jaar, 1, 1)
            end = min(
                datetime.date(rapportage.jaar + 1, 1, 1),
                editie.peildatum + datetime.timedelta(days=1),
            )
            traject_ids = Faseperiode.objects.filter(
                Q(einddatum__isnull=True) | Q(einddatum__gt=start),
                fase="implementatie",
                startdatum__lt=end,
            ).values_list("traject", flat=True)
        for traject_id in traject_ids:
            if traject_id not in frozen or frozen[traject_id] < editie.peildatum:
                frozen[traject_id] = editie.peildatum
    for traject_id, peildatum in frozen.items():
        Traject.objects.filter(pk=traject_id).update(bevroren_tot=peildatum)


class Migration(migrations.Migration):
    dependencies = [
        ("rapportages", "0003_rapportage_status_follows_edities"),
        ("trajecten", "0005_bevroren_tot"),
    ]

    operations = [migrations.RunPython(freeze, migrations.RunPython.noop)]
