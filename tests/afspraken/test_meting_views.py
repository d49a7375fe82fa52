"""Reporting an indicator's figure on the agreement page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from afspraken.models import Indicator, Meting
from tests.factories import VoortgangsupdateFactory


@pytest.fixture
def indicator(afspraak, nhg):
    """Referrals without the decision rule: a percentage delivered by NHG, 41\u00a0% in 2020."""
    return make_indicator(afspraak, nhg)


def make_indicator(afspraak, leverancier, **fields):
    values = {
        "naam": "Verwijzingen zonder beslisregel",
        "definitie": "Verwijzingen bij verdenking longembolie zonder beslisregel, van alle.",
        "eenheid": Indicator.Eenheid.PERCENTAGE,
        "richting": Indicator.Richting.LAGER,
        "basisjaar": 2020,
        "basiswaarde": Decimal("41"),
        "streefjaar": 2024,
        "streefwaarde": Decimal("20"),
        "bron": "Nivel Zorgregistraties eerste lijn",
    }
    indicator = Indicator(verbeterafspraak=afspraak, leverancier=leverancier, **values | fields)
    indicator.full_clean()
    indicator.save()
    return indicator


def detail_url(afspraak):
    return reverse("afspraken:detail", kwargs={"pk": afspraak.pk})


def meting_url(indicator):
    return reverse("afspraken:meting", kwargs={"pk": indicator.verbeterafspraak_id})


def meting_data(indicator, **overrides):
    data = {
        "jaar": "2023",
        "waarde": "61,5",
        "peildatum": timezone.localdate().isoformat(),
        "bron": "",
        "toelichting": "",
    }
    data.update(overrides)
    return {"indicator": indicator.pk} | {
        f"meting-{indicator.pk}-{name}": value for name, value in data.items()
    }


def test_member_of_the_delivering_party_reports_in_dutch_notation(client, alice, indicator, nhg):
    client.force_login(alice)
    response = client.post(meting_url(indicator), meting_data(indicator))
    assert response.status_code == 302
    assert response.url == f"{detail_url(indicator.verbeterafspraak)}#indicator-{indicator.pk}"
    meting = Meting.objects.get()
    assert (meting.jaar, meting.waarde, meting.partij, meting.auteur) == (
        2023,
        Decimal("61.5"),
        nhg,
        alice,
    )
    text = client.get(response.url).text
    assert "Het cijfer over 2023 is vastgelegd" in text
    assert "61,5" in text
    assert "−20,5\u00a0procentpunt" not in text  # 41 → 61,5 is up, the wrong way
    assert "+20,5\u00a0procentpunt" in text
    assert "Niet op koers" in text


def test_thousands_are_read_as_a_dutch_reader_writes_them(client, alice, afspraak, nhg):
    indicator = make_indicator(
        afspraak,
        nhg,
        naam="Verwijzingen",
        eenheid=Indicator.Eenheid.AANTAL,
    )
    client.force_login(alice)
    client.post(meting_url(indicator), meting_data(indicator, waarde="27.000"))
    assert Meting.objects.get().waarde == Decimal("27000")
    assert "27.000" in client.get(detail_url(afspraak)).text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"waarde": "120"}, "waarde", "Een percentage ligt tussen 0 en 100."),
        ({"waarde": "veel"}, "waarde", "Voer een getal in."),
        ({"waarde": ""}, "waarde", "Dit veld is verplicht."),
        ({"jaar": "2019"}, "jaar", "Het jaar ligt vóór het basisjaar van deze indicator (2020)."),
        ({"peildatum": "2999-01-01"}, "peildatum", "Deze datum kan niet in de toekomst liggen."),
    ],
)
def test_a_figure_that_cannot_be_is_refused_in_dutch(
    client, alice, indicator, changes, field, message
):
    client.force_login(alice)
    data = meting_data(indicator, **changes)
    response = client.post(meting_url(indicator), data)
    assert response.status_code == 200
    assert not Meting.objects.exists()
    form = response.context["indicatoren"][0].form
    assert message in form.errors[field]
    text = response.text
    assert "Het cijfer is nog niet opgeslagen." in text
    assert message.replace("(", "").split(" ")[0] in text
    if changes.get("waarde"):  # the input is kept
        assert f'value="{changes["waarde"]}"' in text


def test_member_of_another_involved_party_sees_the_figures_but_may_not_report(
    client, dana, indicator
):
    client.force_login(dana)
    response = client.get(detail_url(indicator.verbeterafspraak))
    assert response.status_code == 200
    assert "Verwijzingen zonder beslisregel" in response.text
    assert response.context["indicatoren"][0].form is None
    assert "Cijfer melden" not in response.text
    response = client.post(meting_url(indicator), meting_data(indicator))
    assert response.status_code == 403
    assert not Meting.objects.exists()


def test_outsider_gets_not_found(client, charlie, indicator):
    client.force_login(charlie)
    response = client.post(meting_url(indicator), meting_data(indicator))
    assert response.status_code == 404
    assert not Meting.objects.exists()


def test_anonymous_is_sent_to_login(client, indicator):
    response = client.post(meting_url(indicator), meting_data(indicator))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_reporting_is_post_only(client, alice, indicator):
    client.force_login(alice)
    assert client.get(meting_url(indicator)).status_code == 405


@pytest.mark.parametrize("posted", ["999", "veel", ""])
def test_an_unknown_indicator_is_not_found(client, alice, indicator, posted):
    client.force_login(alice)
    data = meting_data(indicator) | {"indicator": posted}
    assert client.post(meting_url(indicator), data).status_code == 404


def test_staff_report_as_zorginstituut(client, staff, indicator):
    client.force_login(staff)
    response = client.post(meting_url(indicator), meting_data(indicator, waarde="38"))
    assert response.status_code == 302
    meting = Meting.objects.get()
    assert (meting.waarde, meting.partij, meting.auteur) == (Decimal("38"), None, staff)


def test_a_correction_supersedes_the_figure_of_its_year(client, alice, indicator):
    client.force_login(alice)
    client.post(meting_url(indicator), meting_data(indicator, waarde="39"))
    client.post(meting_url(indicator), meting_data(indicator, waarde="37,25"))
    response = client.get(detail_url(indicator.verbeterafspraak))
    assert response.context["indicatoren"][0].reeks == [
        (2020, Decimal("41")),
        (2023, Decimal("37.25")),
    ]
    assert "37,25" in response.text


@pytest.mark.parametrize("count", [1, 5])
def test_detail_runs_the_same_queries_for_1_or_5_indicators_with_figures(
    client, alice, afspraak, nhg, count, django_assert_num_queries
):
    VoortgangsupdateFactory(verbeterafspraak=afspraak, peildatum=datetime.date(2022, 1, 1))
    for number in range(count):
        indicator = make_indicator(afspraak, nhg, naam=f"Indicator {number}")
        for jaar in range(2021, 2021 + count):
            Meting.objects.create(
                indicator=indicator,
                jaar=jaar,
                waarde=Decimal(number + jaar - 2000),
                peildatum=datetime.date(jaar + 1, 1, 1),
            )
    client.force_login(alice)
    # The page's 7 (see tests/afspraken/test_views.py), its indicators and all their figures.
    with django_assert_num_queries(9):
        response = client.get(detail_url(afspraak))
    assert len(response.context["indicatoren"]) == count
    assert all(len(b.reeks) == count + 1 for b in response.context["indicatoren"])
