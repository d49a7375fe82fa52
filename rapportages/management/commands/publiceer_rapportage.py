"""Publish a report from the command line: for a report too large to render within a request."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from rapportages.models import Rapportage
from rapportages.services import publiceer_rapportage


class Command(BaseCommand):
    help = (
        "Publiceert een rapportage als nieuwe editie. Zonder --traject: de implementatiebrede "
        "rapportage van het jaar."
    )

    def add_arguments(self, parser):
        parser.add_argument("jaar", type=int)
        parser.add_argument("--traject", help="slug van het traject")
        parser.add_argument("--gebruiker", required=True, help="gebruikersnaam van de redacteur")

    def handle(self, *args, jaar, traject, gebruiker, **options):
        user = get_user_model().objects.filter(username=gebruiker, is_staff=True).first()
        if user is None or not user.has_perm("rapportages.add_editie"):
            raise CommandError(f"{gebruiker} is geen redacteur die mag publiceren.")
        rapportages = Rapportage.objects.filter(jaar=jaar)
        if traject:
            rapportages = rapportages.filter(soort=Rapportage.Soort.TRAJECT, traject__slug=traject)
        else:
            rapportages = rapportages.filter(soort=Rapportage.Soort.IMPLEMENTATIE)
        rapportage = rapportages.first()
        if rapportage is None:
            raise CommandError("Geen rapportage gevonden.")
        editie = publiceer_rapportage(rapportage=rapportage, user=user)
        self.stdout.write(
            f"Editie {editie.nummer} van ‘{rapportage.titel}’ gepubliceerd: "
            f"{rapportage.get_absolute_url()}"
        )
