import datetime

import pytest

from afspraken.models import Status
from afspraken.services import rapporteer_voortgang
from tests.factories import VerbeterafspraakFactory
from volgen.models import Volg


def report(afspraak, user, *, last_seen=None, **kwargs):
    """A progress update through the one way in, by a member of the regiehouder."""
    values = {
        "status": Status.OP_SCHEMA,
        "peildatum": datetime.date(2024, 3, 1),
        "tekst": "Gestart.",
        "partij": afspraak.regiehouder,
    }
    return rapporteer_voortgang(
        afspraak=afspraak, user=user, last_seen=last_seen, **{**values, **kwargs}
    )


@pytest.fixture
def zn_afspraak(dvt, diagnostiek, zn):
    """An agreement of the same trajectory led by ZN, which alice and bob do not see."""
    return VerbeterafspraakFactory(
        traject=dvt,
        thema=diagnostiek,
        nummer=2,
        titel="Vergoed de thuisbehandeling",
        regiehouder=zn,
    )


@pytest.fixture
def alice_volgt(alice, afspraak):
    return Volg.objects.create(user=alice, verbeterafspraak=afspraak)
