"""A round over the `dvt` trajectory: NHG (alice, bob) leads agreement 1 and delivers its
indicator's figures, ZN (charlie) leads agreement 2, NIV is only involved in agreement 1."""

import datetime

import pytest

from tests.factories import IndicatorFactory, VerbeterafspraakFactory
from uitvragen.services import open_uitvraag

PEILDATUM = datetime.date(2025, 10, 1)
DEADLINE = datetime.date(2025, 11, 15)


@pytest.fixture
def afspraak_zn(dvt, diagnostiek, zn, nhg):
    return VerbeterafspraakFactory(
        traject=dvt,
        thema=diagnostiek,
        nummer=2,
        titel="Gebruik de beslisregel",
        regiehouder=zn,
        betrokken_partijen=[nhg],
    )


@pytest.fixture
def indicator(afspraak, nhg):
    return IndicatorFactory(verbeterafspraak=afspraak, leverancier=nhg)


@pytest.fixture
def uitvraag(staff, afspraak, afspraak_zn, indicator, alice, bob, charlie, mailoutbox):
    uitvraag = open_uitvraag(
        jaar=2025,
        peildatum=PEILDATUM,
        deadline=DEADLINE,
        bericht="Graag uw stand van zaken.",
        user=staff,
    )
    mailoutbox.clear()
    return uitvraag
