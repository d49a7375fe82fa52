import base64

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.demo import demo_totp_devices, load_demo


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
        self.stdout.write(
            "\nDe beheeraccounts vragen na het wachtwoord een code uit een authenticator-app. "
            "Voeg de sleutel toe aan uw app, of laat de code zien met "
            "‘manage.py totp_code <account>’:"
        )
        for device in demo_totp_devices():
            secret = base64.b32encode(device.bin_key).decode()
            self.stdout.write(f"  {device.user.username}: {secret}\n    {device.config_url}")
