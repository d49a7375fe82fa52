import datetime

import pytest

from afspraken.models import Status
from tests.factories import LidmaatschapFactory, UserFactory, VoortgangsupdateFactory


@pytest.fixture
def dana(niv):
    """A member of NIV, a party involved in the `afspraak` fixture but not its regiehouder."""
    user = UserFactory(username="dana")
    LidmaatschapFactory(partij=niv, user=user)
    return user


@pytest.fixture
def update(afspraak, nhg, alice):
    return VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2022, 10, 1),
        status=Status.OP_SCHEMA,
        tekst="De werkgroep is gestart.",
        partij=nhg,
        auteur=alice,
    )
