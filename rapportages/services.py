import datetime
from collections.abc import Callable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from trajecten.models import Traject
from uitvragen.services import sluit_na_publicatie

from .content import build_content, trajecten_covered_by
from .models import Editie, Opdracht, Rapportage
from .openbaar import bewaar_standen
from .rendering import render_html, render_report_pdf
from .signals import editie_gepubliceerd


class PublicatieFout(Exception):
    """Publishing was refused; the message says why, in Dutch, for the editor."""


def _no_progress(**values) -> None:
    pass


@transaction.atomic
def publiceer_rapportage(
    *,
    rapportage: Rapportage,
    user,
    opdracht: Opdracht | None = None,
    progress: Callable[..., None] | None = None,
) -> Editie:
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

    An edition that covers every trajectory of the open reporting round of its year closes
    that round (`sluit_na_publicatie`): what it asked is now answered in print. The apps above
    hear of the edition through `editie_gepubliceerd`, sent in this transaction.

    All of it is one transaction: a worker that stops halfway leaves no edition, nothing
    frozen and the round open. Run for an `opdracht` (a background job,
    `rapportages/tasks.py`), it is idempotent: the job records its edition in this same
    transaction, and a second run of the job (after a worker stopped, or by a second worker)
    waits for the report's lock, finds that edition and returns it without publishing again.
    The job's `nummer` is the edition the editor asked for; when another edition came first,
    publishing is refused. `progress` is told the stage (`fase=...`) and pages as the work
    goes on.
    """
    progress = progress or _no_progress
    rapportage = (
        Rapportage.objects.select_for_update(of=("self",))
        .select_related("traject")
        .get(pk=rapportage.pk)
    )
    if opdracht is not None:
        made = Opdracht.objects.filter(pk=opdracht.pk).values_list("editie", flat=True).first()
        if made is not None:
            return Editie.objects.get(pk=made)
    covered = trajecten_covered_by(rapportage).values("pk")
    for traject in Traject.objects.select_for_update().filter(pk__in=covered).order_by("pk"):
        traject.bevries_tot(rapportage.peildatum)
    last_nummer = rapportage.edities.aggregate(nummer=Max("nummer"))["nummer"] or 0
    if opdracht is not None and opdracht.nummer not in (None, last_nummer + 1):
        raise PublicatieFout(
            f"Intussen is editie {last_nummer} al gepubliceerd. Bekijk het concept opnieuw en "
            "publiceer dan."
        )
    progress(fase=Opdracht.Fase.INHOUD)
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
    content = build_content(rapportage)
    editie.html = render_html(content, editie=editie, published=True)
    editie.pdf = render_report_pdf(
        content, html=editie.html, editie=editie, published=True, progress=progress
    )
    progress(fase=Opdracht.Fase.OPSLAAN)
    editie.html_sha256 = Editie.checksum(editie.html)
    editie.pdf_sha256 = Editie.checksum(editie.pdf)
    editie.save()
    bewaar_standen(content, editie)
    editie_gepubliceerd.send(sender=Editie, editie=editie)
    sluit_na_publicatie(
        jaar=rapportage.jaar,
        trajecten=covered,
        bij=f"de publicatie van editie {editie.nummer} van {editie.titel}",
    )
    if opdracht is not None:
        # Done in the same transaction as the edition: never one without the other.
        Opdracht.objects.filter(pk=opdracht.pk).update(
            editie=editie,
            status=Opdracht.Status.KLAAR,
            fase=Opdracht.Fase.KLAAR,
            klaar_op=timezone.now(),
        )
    return editie
