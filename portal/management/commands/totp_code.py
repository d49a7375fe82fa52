from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Toont de huidige code van de authenticator-app van een account, zodat de demo zonder "
        "telefoon werkt (alleen als DEBUG aan staat)."
    )

    def add_arguments(self, parser):
        parser.add_argument("account", help="gebruikersnaam, bijvoorbeeld redactie")

    def handle(self, *args, account, **options):
        if not settings.DEBUG:
            raise CommandError(
                "totp_code draait alleen als DEBUG aan staat: in productie komt de code alleen "
                "uit de app van de gebruiker zelf."
            )
        device = TOTPDevice.objects.filter(user__username=account, confirmed=True).first()
        if device is None:
            raise CommandError(f"Account ‘{account}’ heeft geen authenticator-app ingesteld.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        seconds_left = device.step - (int(totp.time) - device.t0) % device.step
        if totp.t() <= device.last_t:
            # This period's code has been used; the next one is accepted already.
            totp.drift += 1
            seconds_left += device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        self.stderr.write(f"(nog {seconds_left} seconden geldig)")
