"""Read the test suite's accessibility results (`test-artifacts/toegankelijkheid.json`, written
by a run of the browser and PDF tests) into the database, for the accessibility statement.

Run it where the results are trustworthy: after CI passed, on the version being deployed.
"""

import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.models import Toegankelijkheidstoets

MAX_BYTES = 100_000
VELDEN = [
    "axe_paginas",
    "axe_controles",
    "axe_overtredingen",
    "pdfua_bestanden",
    "pdfua_fouten",
    "pdfua_waarschuwingen",
]


class Command(BaseCommand):
    help = (
        "Leest de toegankelijkheidsresultaten van de tests in voor de toegankelijkheidsverklaring."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "bestand", nargs="?", default="test-artifacts/toegankelijkheid.json", type=Path
        )

    def handle(self, *args, bestand, **options):
        try:
            if bestand.stat().st_size > MAX_BYTES:
                raise CommandError(f"{bestand} is groter dan {MAX_BYTES} bytes.")
            data = json.loads(bestand.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise CommandError(f"{bestand} bestaat niet: draai eerst de tests.") from error
        except (OSError, ValueError) as error:
            raise CommandError(f"{bestand} is geen leesbaar resultaat: {error}") from error
        try:
            waarden = {veld: int(data[veld]) for veld in VELDEN}
            uitgevoerd_op = datetime.datetime.fromisoformat(data["uitgevoerd_op"])
            versie = str(data.get("versie", ""))[:40]
        except (KeyError, TypeError, ValueError) as error:
            raise CommandError(
                f"{bestand} mist een veld of heeft een onjuiste waarde: {error}"
            ) from error
        if any(waarde < 0 for waarde in waarden.values()) or uitgevoerd_op.tzinfo is None:
            raise CommandError(f"{bestand} heeft een onjuiste waarde.")
        toets = Toegankelijkheidstoets.objects.create(
            uitgevoerd_op=uitgevoerd_op, versie=versie, **waarden
        )
        self.stdout.write(f"Ingelezen: {toets}.")
