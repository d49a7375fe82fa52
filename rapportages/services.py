import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from trajecten.models import Traject

from .content import build_content, trajecten_covered_by
from .models import Editie, Rapportage
from .rendering import render_html, render_pdf


@transaction.atomic
def publiceer_rapportage(*, rapportage: Rapportage, user) -> Editie:
    """Freeze the report as it stands now into a new edition; earlier editions stay as they are.

    The HTML and PDF are built once here and stored with their checksums; they are served from
    the database from then on and never rebuilt. An edition is published now, except the first
    edition of a report that appeared before the portal recorded it: that one carries the
    report's real `publicatiedatum`.

    Publishing also freezes the progress of the trajectories the report covers up to its
    peildatum (`Traject.bevries_tot`), and of no others, so that no update can later slip in
    under what the edition shows. The trajectories are locked first, before the content is
    read: an update being added to one of them is either finished and in the edition, or waits
    and is then refused.
    """
    rapportage = (
        Rapportage.objects.select_for_update(of=("self",))
        .select_related("traject")
        .get(pk=rapportage.pk)
    )
    covered = trajecten_covered_by(rapportage).values("pk")
    for traject in Traject.objects.select_for_update().filter(pk__in=covered).order_by("pk"):
        traject.bevries_tot(rapportage.peildatum)
    last_nummer = rapportage.edities.aggregate(nummer=Max("nummer"))["nummer"] or 0
    published_at = timezone.now()
    if last_nummer == 0 and rapportage.publicatiedatum:
        published_at = datetime.datetime.combine(
            rapportage.publicatiedatum, datetime.time(12), tzinfo=timezone.get_current_timezone()
        )
    editie = Editie(
        rapportage=rapportage,
        nummer=last_nummer + 1,
        titel=rapportage.titel,
        peildatum=rapportage.peildatum,
        published_at=published_at,
        published_by=user,
    )
    editie.html = render_html(build_content(rapportage), editie=editie, published=True)
    editie.pdf = render_pdf(editie.html)
    editie.html_sha256 = Editie.checksum(editie.html)
    editie.pdf_sha256 = Editie.checksum(editie.pdf)
    editie.save()
    return editie
