"""Reports on the `dvt` trajectory: two themes, three agreements, progress in 2021 and 2022."""

import datetime

import pytest

from afspraken.models import Status
from rapportages.models import Rapportage
from tests.factories import (
    RapportageFactory,
    ThemaFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)

PEILDATUM_2022 = datetime.date(2022, 11, 1)


@pytest.fixture
def behandeling(dvt):
    return ThemaFactory(traject=dvt, naam="Initiële behandeling", volgorde=2)


@pytest.fixture
def afspraken(afspraak, behandeling, niv, zn):
    """Agreement 1 (Diagnostiek, NHG) and 2 and 3 (Initiële behandeling), with progress."""
    second = VerbeterafspraakFactory(
        traject=afspraak.traject,
        thema=behandeling,
        nummer=2,
        titel="Verbeter de patiëntenvoorlichting",
        regiehouder=niv,
        betrokken_partijen=[zn],
        streefjaar=2023,
    )
    third = VerbeterafspraakFactory(
        traject=afspraak.traject,
        thema=behandeling,
        nummer=3,
        titel="Maak gerichtere keuzes over compressietherapie",
        regiehouder=niv,
        streefjaar=2024,
    )
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2021, 10, 1),
        status=Status.NIET_GESTART,
        tekst="De werkgroep wordt samengesteld.",
    )
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2022, 10, 1),
        status=Status.OP_SCHEMA,
        tekst="De standaard wordt herzien.",
    )
    VoortgangsupdateFactory(
        verbeterafspraak=second,
        peildatum=datetime.date(2022, 10, 1),
        status=Status.AFGEROND,
        tekst="Het kennisplatform is online.",
    )
    VoortgangsupdateFactory(
        verbeterafspraak=third,
        peildatum=datetime.date(2022, 9, 1),
        status=Status.VERTRAAGD,
        tekst="De richtlijnmodule is later gestart.",
        toelichting="Er was geen financiering voor de richtlijnmodule.",
        verwachte_datum=datetime.date(2025, 6, 30),
    )
    return [afspraak, second, third]


@pytest.fixture
def rapportage(dvt):
    return RapportageFactory(
        traject=dvt,
        jaar=2022,
        titel="Eerste voortgangsrapportage implementatie Diepe veneuze trombose en longembolie",
        peildatum=PEILDATUM_2022,
    )


@pytest.fixture
def implementatierapportage(db):
    return RapportageFactory(
        soort=Rapportage.Soort.IMPLEMENTATIE,
        traject=None,
        jaar=2022,
        titel="Voortgangsrapportage implementatiefase 2022",
        peildatum=PEILDATUM_2022,
    )
