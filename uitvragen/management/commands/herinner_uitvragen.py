import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from uitvragen.services import uitvragen_met_herinnering, verstuur_herinneringen


class Command(BaseCommand):
    help = (
        "Zet herinneringen in de wachtrij voor de open uitvragen waarvan de deadline vandaag "
        "het ingestelde aantal dagen voor of na vandaag ligt. Bedoeld voor cron, dagelijks; "
        "twee keer op een dag draaien verstuurt niets dubbel."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--datum", help="Doe alsof het deze dag is (JJJJ-MM-DD); standaard vandaag."
        )

    def handle(self, *args, datum=None, **options):
        try:
            on = datetime.date.fromisoformat(datum) if datum else timezone.localdate()
        except ValueError:
            raise CommandError("Geef de datum als JJJJ-MM-DD.") from None
        uitvragen = uitvragen_met_herinnering(on)
        if not uitvragen:
            self.stdout.write(f"Geen uitvraag met een herinnering op {on:%d-%m-%Y}.")
        for uitvraag in uitvragen:
            sent = verstuur_herinneringen(uitvraag=uitvraag, on=on)
            self.stdout.write(f"{uitvraag}: {sent} herinnering(en) in de wachtrij.")
