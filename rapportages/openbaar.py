"""What the public sees of the agreements: their state as the newest published report showed it.

`standen_van()` takes it from the content an edition is built from, when it is published;
`GepubliceerdeStand.objects.nieuwste()` reads the newest per agreement.
"""

from django.urls import reverse

from afspraken.evaluatie import beoordeel_alle
from afspraken.models import Meting, status_label
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


def gepubliceerde_beoordelingen(traject, indicatoren) -> list:
    """The indicators of a trajectory judged as its newest published report judged them: on
    the date up to which publishing froze the trajectory (`Traject.bevroren_tot`, the newest
    published peildatum), with the figures that count in a report. Nothing reported after it
    (frozen dates take no new figures) and no answer that was not accepted. Empty while no
    report about the trajectory was published."""
    if traject.bevroren_tot is None:
        return []
    return beoordeel_alle(
        indicatoren, traject.bevroren_tot, metingen=without_unaccepted_answers(Meting.objects.all())
    )


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
