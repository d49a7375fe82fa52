"""The demo's reporting rounds: last year's, answered, accepted, reviewed by the parties in
hoor en wederhoor (NHG agreed, NIV commented) and closed, and this year's, open, with some
answers accepted, one sent back, one waiting for review and the rest open, and no review
window yet.

Everything goes through the round's services, as on the pages. A round that exists is left
alone, so loading twice changes nothing. The demo sends no mail.
"""

import datetime

from django.utils import timezone

from afspraken.models import NO_STATUS, Status
from uitvragen import services, wederhoor
from uitvragen.models import Reactie, Uitvraag, Werkitem

VORIG_JAAR_TEKST = (
    "Stand van zaken per oktober {jaar}: de partijen werken aan deze afspraak zoals eerder "
    "gemeld. De werkgroep komt elk kwartaal bijeen."
)
DIT_JAAR_TEKST = (
    "Stand van zaken per {datum}: de werkgroep heeft de aanpak afgestemd met de betrokken "
    "partijen. Het komende jaar volgt de invoering in de regio's."
)
TERUGGESTUURD = "Kunt u aangeven in hoeveel regio's de aanpak nu loopt, en wanneer de rest volgt?"
WEDERHOOR_OPMERKING = (
    "In de tekst staat dat de werkgroep elk kwartaal bijeenkomt; dat is sinds de zomer elke "
    "maand. Graag aanpassen."
)


def load_uitvragen(reporters: dict) -> None:
    redactie = reporters["redactie"]
    jaar = timezone.localdate().year
    if not Uitvraag.objects.filter(jaar=jaar - 1).exists():
        _vorig_jaar(jaar - 1, reporters, redactie)
    if not Uitvraag.objects.filter(jaar=jaar).exists():
        _dit_jaar(jaar, reporters, redactie)


def _answer(werkitem: Werkitem, user, peildatum: datetime.date, tekst: str) -> None:
    afspraak = werkitem.verbeterafspraak
    status = afspraak.huidige_status if afspraak.huidige_status != NO_STATUS else Status.OP_SCHEMA
    if status in (Status.VERTRAAGD, Status.GESTOPT):
        status = Status.OP_SCHEMA  # the demo's answers need no explanation or new date
    services.beantwoord_voortgang(
        werkitem=werkitem,
        user=user,
        status=status,
        peildatum=peildatum,
        tekst=tekst,
        last_seen=afspraak.voortgangsupdates.order_by("-pk").values_list("pk", flat=True).first(),
    )


def _answerable(uitvraag: Uitvraag, reporters: dict) -> list[Werkitem]:
    """The round's progress items of the parties that have a demo member."""
    return list(
        Werkitem.objects.filter(
            uitvraag=uitvraag,
            soort=Werkitem.Soort.VOORTGANG,
            partij__afkorting__in=[abbr for abbr in reporters if abbr != "redactie"],
        )
        .select_related("partij", "verbeterafspraak")
        .order_by("traject__naam", "verbeterafspraak__nummer")
    )


def _vorig_jaar(jaar: int, reporters: dict, redactie) -> None:
    uitvraag = services.open_uitvraag(
        jaar=jaar,
        peildatum=datetime.date(jaar, 10, 1),
        deadline=datetime.date(jaar, 11, 15),
        bericht="Graag uw stand van zaken per 1 oktober.",
        user=redactie,
        notify=False,
    )
    for werkitem in _answerable(uitvraag, reporters):
        _answer(
            werkitem,
            reporters[werkitem.partij.afkorting],
            datetime.date(jaar, 10, 20),
            VORIG_JAAR_TEKST.format(jaar=jaar),
        )
        services.accepteer(werkitem=werkitem, user=redactie)
    _wederhoor(uitvraag, reporters, redactie)
    services.sluit_uitvraag(uitvraag=uitvraag, user=redactie)


def _wederhoor(uitvraag: Uitvraag, reporters: dict, redactie) -> None:
    """Last year's review window, with NHG agreeing on its first agreement and NIV
    commenting on its first; the round is closed after, which freezes them."""
    wederhoor.open_wederhoor(
        uitvraag=uitvraag, tot=timezone.localdate(), user=redactie, notify=False
    )
    reacties = {
        "NHG": (Reactie.Soort.AKKOORD, ""),
        "NIV": (Reactie.Soort.OPMERKING, WEDERHOOR_OPMERKING),
    }
    for werkitem in _answerable(uitvraag, reporters):
        if werkitem.partij.afkorting not in reacties:
            continue
        soort, opmerking = reacties.pop(werkitem.partij.afkorting)
        wederhoor.reageer(
            uitvraag=uitvraag,
            verbeterafspraak=werkitem.verbeterafspraak,
            partij=werkitem.partij,
            user=reporters[werkitem.partij.afkorting],
            soort=soort,
            opmerking=opmerking,
        )


def _dit_jaar(jaar: int, reporters: dict, redactie) -> None:
    uitvraag = services.open_uitvraag(
        jaar=jaar,
        peildatum=datetime.date(jaar, 10, 1),
        deadline=datetime.date(jaar, 12, 15),
        bericht=(
            "Dit najaar rapporteert het Zorginstituut weer aan de minister. Graag uw stand van "
            "zaken per 1 oktober, en de cijfers over vorig jaar."
        ),
        user=redactie,
        notify=False,
    )
    # The state asked for, at the round's peildatum (today, before it): so the year's concept
    # report, of a later peildatum, tells the accepted answers.
    peildatum = min(uitvraag.peildatum, timezone.localdate())
    items = _answerable(uitvraag, reporters)
    # Two of NHG's accepted, one of NIV's sent back, one of NVALT's waiting; the rest open.
    plan = {
        "NHG": ["geaccepteerd", "geaccepteerd"],
        "NIV": ["teruggestuurd"],
        "NVALT": ["ingediend"],
    }
    for werkitem in items:
        stappen = plan.get(werkitem.partij.afkorting)
        if not stappen:
            continue
        doel = stappen.pop(0)
        _answer(
            werkitem,
            reporters[werkitem.partij.afkorting],
            peildatum,
            DIT_JAAR_TEKST.format(datum=peildatum.strftime("%d-%m-%Y")),
        )
        if doel == "geaccepteerd":
            services.accepteer(werkitem=werkitem, user=redactie)
        elif doel == "teruggestuurd":
            services.stuur_terug(werkitem=werkitem, user=redactie, opmerking=TERUGGESTUURD)
