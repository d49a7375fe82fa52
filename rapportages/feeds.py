"""Atom feeds of newly published reports: one of all, one per trajectory. A reader polls them;
each entry is an edition, at its numbered address, which never changes."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format

from trajecten.models import Traject

from .models import Editie, GepubliceerdeStand

FEED_LENGTH = 30


class NieuweRapportages(Feed):
    feed_type = Atom1Feed
    title = "Passende zorg verbetertrajecten: nieuwe rapportages"
    subtitle = (
        "De voortgangsrapportages en eindevaluaties van Zorginstituut Nederland over de Passende "
        "zorg verbetertrajecten, zodra ze verschijnen."
    )
    author_name = "Zorginstituut Nederland"
    language = "nl"

    def link(self):
        return "/rapportages/"

    def items(self):
        return Editie.objects.for_links().order_by("-published_at", "-pk")[:FEED_LENGTH]

    def item_title(self, editie):
        if editie.nummer > 1:
            return f"{editie.titel} (editie {editie.nummer})"
        return editie.titel

    def item_description(self, editie):
        rapportage = editie.rapportage
        over = (
            rapportage.traject.naam
            if rapportage.traject
            else "alle trajecten in de implementatiefase"
        )
        return (
            f"{rapportage.get_soort_display()} over {over}, met de stand van zaken tot "
            f"{date_format(editie.peildatum, 'j F Y')}. Gepubliceerd op "
            f"{date_format(editie.published_at, 'j F Y')}."
        )

    def item_link(self, editie):
        return editie.get_absolute_url()

    def item_pubdate(self, editie):
        return editie.published_at

    def item_updateddate(self, editie):
        return editie.published_at

    def item_author_name(self, editie):
        return "Zorginstituut Nederland"

    def item_enclosures(self, editie):
        return []


class TrajectRapportages(NieuweRapportages):
    """The reports that showed one trajectory's agreements: its own, and the
    implementation-wide ones."""

    def get_object(self, request, slug):
        return get_object_or_404(Traject.objects.only("pk", "naam", "slug"), slug=slug)

    def title(self, traject):
        return f"{traject.naam}: nieuwe rapportages"

    def subtitle(self, traject):
        return f"De rapportages van Zorginstituut Nederland over het traject {traject.naam}."

    def link(self, traject):
        return traject.get_absolute_url()

    def items(self, traject):
        showing = GepubliceerdeStand.objects.filter(traject=traject).values("editie")
        return (
            Editie.objects.for_links()
            .filter(pk__in=showing)
            .order_by("-published_at", "-pk")[:FEED_LENGTH]
        )
