from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.demo import load_demo


class Command(BaseCommand):
    help = "Laadt de demogegevens en de demo-accounts (alleen als DEBUG aan staat)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "loaddemo draait alleen als DEBUG aan staat: de demo-accounts hebben het "
                "wachtwoord ‘demo’ en horen niet in productie."
            )
        counts = load_demo()
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demogegevens geladen: {summary}."))
