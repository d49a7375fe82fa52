"""The sitemap of the public pages (`/sitemap.xml`), for search engines: the front door, the
trajectories, every agreement that a published report showed, and every published report."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from rapportages.models import GepubliceerdeStand, Rapportage
from trajecten.models import Traject


class Vast(Sitemap):
    def items(self):
        return ["home", "trajecten:list", "afspraken:list", "rapportages:list", "toegankelijkheid"]

    def location(self, name):
        return reverse(name)


class Trajecten(Sitemap):
    def items(self):
        return Traject.objects.only("slug", "updated_at").order_by("naam")

    def lastmod(self, traject):
        return traject.updated_at


class Afspraken(Sitemap):
    limit = 5_000

    def items(self):
        return (
            GepubliceerdeStand.objects.order_by("verbeterafspraak")
            .values("verbeterafspraak")
            .annotate(lastmod=Max("published_at"))
        )

    def location(self, row):
        return reverse("afspraken:detail", kwargs={"pk": row["verbeterafspraak"]})

    def lastmod(self, row):
        return row["lastmod"]


class Rapportages(Sitemap):
    def items(self):
        return (
            Rapportage.objects.published()
            .with_latest_editie()
            .select_related("traject")
            .only("soort", "jaar", "traject__slug")
            .order_by("-jaar", "pk")
        )

    def lastmod(self, rapportage):
        return rapportage.latest_published_at


SITEMAPS = {
    "vast": Vast,
    "trajecten": Trajecten,
    "afspraken": Afspraken,
    "rapportages": Rapportages,
}
