"""The round's pages cost a fixed number of queries, whatever the number of agreements,
parties and items."""

import datetime

import pytest
from django.urls import reverse

from afspraken.models import Status
from tests.factories import (
    IndicatorFactory,
    LidmaatschapFactory,
    PartijFactory,
    VerbeterafspraakFactory,
)
from uitvragen import services
from uitvragen.models import Werkitem

from .conftest import DEADLINE, PEILDATUM


def make_round(count, *, dvt, diagnostiek, nhg, staff, alice):
    """`count` agreements led by NHG and `count` by other parties (each with a member), every
    one with an indicator; NHG has answered two, one accepted and one sent back."""
    for n in range(count):
        VerbeterafspraakFactory(traject=dvt, thema=diagnostiek, nummer=10 + n, regiehouder=nhg)
        other = PartijFactory(afkorting=f"P{n:03}")
        LidmaatschapFactory(partij=other)
        afspraak = VerbeterafspraakFactory(
            traject=dvt, thema=diagnostiek, nummer=100 + n, regiehouder=other
        )
        IndicatorFactory(verbeterafspraak=afspraak)
    uitvraag = services.open_uitvraag(
        jaar=2025, peildatum=PEILDATUM, deadline=DEADLINE, user=staff, notify=False
    )
    first, second = Werkitem.objects.filter(uitvraag=uitvraag, partij=nhg)[:2]
    for werkitem in (first, second):
        services.beantwoord_voortgang(
            werkitem=werkitem,
            user=alice,
            status=Status.OP_SCHEMA,
            peildatum=datetime.date.today(),
            tekst="Loopt.",
            last_seen=None,
        )
    services.accepteer(werkitem=first, user=staff)
    services.stuur_terug(werkitem=second, user=staff, opmerking="Welke regio's?")
    return uitvraag, second


@pytest.fixture
def ronde(request, dvt, diagnostiek, nhg, staff, alice):
    return make_round(
        request.param, dvt=dvt, diagnostiek=diagnostiek, nhg=nhg, staff=staff, alice=alice
    )


SIZES = [2, 12]


@pytest.mark.parametrize("ronde", SIZES, indirect=True)
def test_worklist(client, ronde, alice, django_assert_num_queries):
    client.force_login(alice)
    # Session, user, the user's parties, a round with its review window open, the open round,
    # the counts, the page of items.
    with django_assert_num_queries(7):
        response = client.get(reverse("uitvragen:werklijst"))
    assert "Welke regio&#x27;s?" in response.text


@pytest.mark.parametrize("ronde", SIZES, indirect=True)
def test_round_page(client, ronde, staff, django_assert_num_queries):
    uitvraag, _ = ronde
    client.force_login(staff)
    # Session, user, authenticator app, permissions (2), the round, the counts (also the
    # paginator's), the trajectory and party options, the page.
    with django_assert_num_queries(10):
        client.get(uitvraag.get_absolute_url(), {"status": "open"})


@pytest.mark.parametrize("ronde", SIZES, indirect=True)
def test_progress_page(client, ronde, staff, django_assert_num_queries):
    uitvraag, _ = ronde
    client.force_login(staff)
    # Session, user, authenticator app, permissions (2), the round, per party, per trajectory.
    with django_assert_num_queries(8):
        response = client.get(reverse("uitvragen:voortgang", kwargs={"pk": uitvraag.pk}))
    assert response.context["tabellen"][1][3].totaal == Werkitem.objects.count()


@pytest.mark.parametrize("ronde", SIZES, indirect=True)
def test_item_page_of_a_member(client, ronde, alice, django_assert_num_queries):
    _, werkitem = ronde
    client.force_login(alice)
    # Session, user, the user's parties, the item, the agreement with its parties and
    # timeline (3), the history.
    with django_assert_num_queries(8):
        response = client.get(werkitem.get_absolute_url())
    assert "Opnieuw beantwoorden" in response.text
