"""Indicators on the trajectory page, and reporting a figure of the trajectory as a whole."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from afspraken.models import Indicator, Meting
from tests.afspraken.test_meting_views import make_indicator
from tests.factories import (
    IndicatorFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)


@pytest.fixture
def traject_indicator(dvt, nhg):
    """Of the trajectory as a whole: days to diagnosis, delivered by NHG, 12 in 2020."""
    return IndicatorFactory(
        verbeterafspraak=None,
        traject=dvt,
        naam="Dagen tot de diagnose",
        definitie="Mediaan van het aantal dagen van eerste consult tot diagnose.",
        eenheid=Indicator.Eenheid.DAGEN,
        basiswaarde=Decimal("12"),
        streefjaar=2025,
        streefwaarde=Decimal("7"),
        bron="Nivel",
        leverancier=nhg,
    )


def detail_url(traject):
    return reverse("trajecten:detail", kwargs={"slug": traject.slug})


def meting_url(indicator):
    return reverse("trajecten:meting", kwargs={"slug": indicator.traject.slug})


def meting_data(indicator, **overrides):
    data = {"jaar": "2023", "waarde": "9,5", "peildatum": timezone.localdate().isoformat()}
    data.update(overrides)
    return {"indicator": indicator.pk} | {
        f"meting-{indicator.pk}-{name}": value for name, value in data.items()
    }


def test_page_lists_the_trajectorys_and_its_agreements_indicators(
    client, alice, dvt, traject_indicator, afspraak, nhg, zn
):
    own = make_indicator(afspraak, nhg)
    Meting.objects.create(
        indicator=own, jaar=2022, waarde=Decimal("30.5"), peildatum=datetime.date(2023, 2, 1)
    )
    other = VerbeterafspraakFactory(traject=dvt, thema=afspraak.thema, nummer=2, regiehouder=zn)
    make_indicator(other, zn, naam="Alleen voor ZN")
    client.force_login(alice)
    response = client.get(detail_url(dvt))
    text = response.text
    groups = response.context["indicator_groepen"]
    assert [g["afspraak"] for g in groups] == [None, afspraak]
    assert "Het traject als geheel" in text
    assert "Dagen tot de diagnose" in text
    assert "Verwijzingen zonder beslisregel" in text
    assert "30,5\u00a0%" in text and "−10,5\u00a0procentpunt" in text and "Op koers" in text
    # An agreement the user may not open keeps its figures to itself.
    assert "Alleen voor ZN" not in text
    # The form for the trajectory's own indicator, not for the agreement's.
    assert groups[0]["beoordelingen"][0].form is not None
    assert text.count("Cijfer melden") == 1


def test_member_reports_a_figure_of_the_trajectory(client, alice, traject_indicator, nhg):
    client.force_login(alice)
    response = client.post(meting_url(traject_indicator), meting_data(traject_indicator))
    assert response.status_code == 302
    assert (
        response.url == f"{detail_url(traject_indicator.traject)}#indicator-{traject_indicator.pk}"
    )
    meting = Meting.objects.get()
    assert (meting.waarde, meting.partij, meting.auteur) == (Decimal("9.5"), nhg, alice)
    text = client.get(response.url).text
    assert "Het cijfer over 2023 is vastgelegd" in text
    assert "9,5\u00a0dagen" in text


def test_a_refused_figure_shows_its_error_on_the_page(client, alice, traject_indicator):
    client.force_login(alice)
    response = client.post(
        meting_url(traject_indicator), meting_data(traject_indicator, waarde="-3")
    )
    assert response.status_code == 200
    assert "Een waarde in dagen kan niet negatief zijn." in response.text
    assert "Het cijfer is nog niet opgeslagen." in response.text
    assert not Meting.objects.exists()


def test_another_party_may_not_report(client, charlie, traject_indicator):
    client.force_login(charlie)
    assert "Cijfer melden" not in client.get(detail_url(traject_indicator.traject)).text
    response = client.post(meting_url(traject_indicator), meting_data(traject_indicator))
    assert response.status_code == 403
    assert not Meting.objects.exists()


def test_anonymous_is_sent_to_login(client, traject_indicator):
    response = client.post(meting_url(traject_indicator), meting_data(traject_indicator))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_agreements_indicator_is_not_reported_here(client, alice, afspraak, nhg):
    indicator = make_indicator(afspraak, nhg)
    client.force_login(alice)
    url = reverse("trajecten:meting", kwargs={"slug": afspraak.traject.slug})
    assert client.post(url, meting_data(indicator)).status_code == 404


def test_staff_report_as_zorginstituut(client, staff, traject_indicator):
    client.force_login(staff)
    response = client.post(meting_url(traject_indicator), meting_data(traject_indicator))
    assert response.status_code == 302
    assert Meting.objects.get().partij is None


@pytest.mark.parametrize("count", [1, 5])
def test_detail_runs_the_same_queries_for_1_or_5_indicators_per_kind(
    client, alice, dvt, diagnostiek, nhg, count, django_assert_num_queries
):
    for nummer in range(1, count + 1):
        afspraak = VerbeterafspraakFactory(
            traject=dvt, thema=diagnostiek, nummer=nummer, regiehouder=nhg
        )
        VoortgangsupdateFactory(verbeterafspraak=afspraak)
        for indicator in (
            make_indicator(afspraak, nhg, naam=f"Afspraak {nummer}"),
            make_indicator(None, nhg, traject=dvt, naam=f"Traject {nummer}"),
        ):
            for jaar in range(2021, 2021 + count):
                Meting.objects.create(
                    indicator=indicator,
                    jaar=jaar,
                    waarde=Decimal(jaar - 2000),
                    peildatum=datetime.date(jaar + 1, 1, 1),
                )
    client.force_login(alice)
    # Alice may report the trajectory's figures, so her page is not kept (it has forms): the
    # page's 10 as it was before pages were kept (tests/trajecten/test_views.py, the user's
    # parties among them), the trajectory's own indicators (may she report one?), the
    # indicators and all their figures.
    with django_assert_num_queries(13):
        response = client.get(detail_url(dvt))
    groups = response.context["indicator_groepen"]
    assert sum(len(g["beoordelingen"]) for g in groups) == 2 * count


def test_a_page_with_the_figures_forms_is_never_kept_nor_shared(
    client, alice, charlie, dvt, traject_indicator, django_assert_num_queries
):
    """alice's party delivers the trajectory's figure, so her page has a form (with her CSRF
    token) and is rendered for her each time; charlie's (ZN) has none and is kept."""
    client.force_login(charlie)
    client.get(detail_url(dvt))
    # Session, user, trajectory, its own indicators (may he report one?), his parties, the
    # data version, the kept page, the follow button.
    with django_assert_num_queries(8):
        kept = client.get(detail_url(dvt))
    assert "Dagen tot de diagnose" in kept.text
    assert 'name="csrfmiddlewaretoken"' not in below_the_follow_button(kept)
    assert "voortgang.js" not in kept.text
    client.force_login(alice)
    for _ in range(2):
        response = client.get(detail_url(dvt))
        assert response.context["indicator_groepen"][0]["beoordelingen"][0].form is not None
        token = response.context["csrf_token"]
        assert f'value="{token}"' in below_the_follow_button(response)
        assert "voortgang.js" in response.text


def below_the_follow_button(response) -> str:
    """The page after the follow button's form: the part that may be kept."""
    text = response.text
    return text[text.index("</form>", text.index('class="volg-knop"')) :]
