"""What the public sees of the agreements: their state as the newest published report showed it.

`standen_van()` takes it from the content an edition is built from, when it is published;
`GepubliceerdeStand.objects.nieuwste()` reads the newest per agreement.
"""

from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse

from afspraken.evaluatie import beoordeel_alle
from afspraken.models import Indicator, Meting, status_label
from uitvragen.models import without_unaccepted_answers

from .content import ReportContent
from .models import Editie, GepubliceerdeStand


def standen_van(content: ReportContent, editie: Editie) -> list[GepubliceerdeStand]:
    """One row per agreement in the edition, as the edition shows it."""
    standen = []
    for chapter in content.chapters:
        for section in chapter.thema_sections:
            for progress in section.afspraken:
                afspraak, latest = progress.afspraak, progress.latest
                standen.append(
                    GepubliceerdeStand(
                        editie=editie,
                        verbeterafspraak_id=afspraak.pk,
                        traject_id=afspraak.traject_id,
                        peildatum=editie.peildatum,
                        published_at=editie.published_at,
                        nummer=afspraak.nummer,
                        titel=afspraak.titel,
                        thema=section.thema.naam,
                        regiehouder=afspraak.regiehouder.afkorting,
                        partijen=", ".join(partij.afkorting for partij in afspraak.partijen),
                        status=progress.status,
                        status_peildatum=latest.peildatum if latest else None,
                        tekst_html=latest.tekst_html if latest else "",
                        toelichting_html=(
                            latest.toelichting_html if latest and latest.aparte_toelichting else ""
                        ),
                        verwachte_datum=latest.verwachte_datum if latest else None,
                    )
                )
    return standen


def bewaar_standen(content: ReportContent, editie: Editie) -> None:
    GepubliceerdeStand.objects.bulk_create(standen_van(content, editie), batch_size=1_000)


def gepubliceerde_indicatoren():
    """The indicators the public may see: of a trajectory a published report covered, and, for
    an agreement's indicator, of an agreement a published edition showed."""
    shown = GepubliceerdeStand.objects.filter(verbeterafspraak=OuterRef("verbeterafspraak"))
    return Indicator.objects.filter(traject__bevroren_tot__isnull=False).filter(
        Q(verbeterafspraak__isnull=True) | Exists(shown)
    )


def gepubliceerde_metingen():
    """The figures a published report could show: known on or before the date up to which the
    newest report froze their trajectory (`Traject.bevroren_tot`; a frozen date takes no new
    figures), and a round's answer only once it was accepted."""
    return without_unaccepted_answers(
        Meting.objects.filter(peildatum__lte=F("indicator__traject__bevroren_tot"))
    )


def gepubliceerde_beoordelingen(traject, indicatoren) -> list:
    """The indicators of a trajectory judged as its newest published report judged them, with
    `gepubliceerde_metingen()`. Empty while no report about the trajectory was published."""
    if traject.bevroren_tot is None:
        return []
    return beoordeel_alle(indicatoren, traject.bevroren_tot, metingen=gepubliceerde_metingen())


# A table of published states, the same wherever it is downloaded: the public list of
# agreements and the agreements of one edition.
STAND_KOLOMMEN = [
    "Traject",
    "Thema",
    "Nummer",
    "Titel",
    "Regiehouder",
    "Partijen",
    "Status",
    "Stand per",
    "Voortgang (HTML)",
    "Verwacht gereed",
    "Rapportage",
    "Gepubliceerd op",
    "Adres",
]


def stand_rijen(standen, base_url: str):
    """The rows of `STAND_KOLOMMEN`, read as tuples in chunks (tens of thousands at most)."""
    rows = standen.values_list(
        "traject__naam",
        "thema",
        "nummer",
        "titel",
        "regiehouder",
        "partijen",
        "status",
        "status_peildatum",
        "tekst_html",
        "verwachte_datum",
        "editie__titel",
        "published_at",
        "verbeterafspraak_id",
    )
    for *first, status, datum, tekst, verwacht, editie, published_at, pk in rows.iterator(
        chunk_size=2_000
    ):
        adres = base_url + reverse("afspraken:detail", kwargs={"pk": pk})
        yield [*first, status_label(status), datum, tekst, verwacht, editie, published_at, adres]
