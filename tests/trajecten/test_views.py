import datetime

import pytest
from django.urls import reverse

from afspraken.models import Status
from tests.factories import (
    EditieFactory,
    FaseperiodeFactory,
    RapportageFactory,
    ThemaFactory,
    TrajectFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)
from trajecten.models import Faseperiode, Traject

LIST_URL = reverse("trajecten:list")


def detail_url(traject):
    return reverse("trajecten:detail", kwargs={"slug": traject.slug})


def test_list_is_public_and_counts_only_published_agreements(client, dvt, afspraak):
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert dvt.naam in response.text
    assert "0 verbeterafspraken" in response.text  # none in a published report yet
    assert "van uw organisatie" not in response.text


@pytest.mark.parametrize("who", ["alice", "charlie", "staff"])
def test_list_shows_every_trajectory_with_its_phase(request, client, dvt, afspraak, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(LIST_URL)
    assert response.status_code == 200
    text = response.text
    assert dvt.naam in text
    assert 'aria-current="step"' in text
    assert 'Implementatiefase</span>\n    <span class="visually-hidden">(huidige fase)' in text
    assert ("1 van uw organisatie" in text) is (who == "alice")


def test_phase_steps_mark_done_current_and_coming(dvt):
    dvt = Traject.objects.prefetch_related("faseperiodes").get()
    steps = dvt.fase_steps(on=datetime.date(2020, 1, 1))
    assert [s["state"] for s in steps] == ["afgerond", "huidig", "komend", "komend"]
    steps = dvt.fase_steps(on=datetime.date(2017, 1, 1))
    assert [s["state"] for s in steps] == ["komend"] * 4


def test_closed_trajectory_has_all_phases_behind_it(db):
    traject = TrajectFactory(afsluiting=Traject.Afsluiting.AFGEROND)
    FaseperiodeFactory(traject=traject, fase=Faseperiode.Fase.SCREENING)
    assert [s["state"] for s in traject.fase_steps()] == ["afgerond"] * 4


@pytest.mark.parametrize("count", [3, 30])
def test_list_runs_the_same_queries_for_3_or_30_trajectories(
    client, alice, count, django_assert_num_queries
):
    for _ in range(count):
        traject = TrajectFactory()
        FaseperiodeFactory(traject=traject, fase=Faseperiode.Fase.SCREENING)
        VerbeterafspraakFactory(traject=traject)
    client.force_login(alice)
    # Session, user, the trajectories with their counts, their phases. No session write.
    with django_assert_num_queries(4):
        response = client.get(LIST_URL)
    assert len(response.context["trajecten"]) == count


def test_detail_shows_a_visitor_nothing_unpublished(client, dvt, afspraak):
    VoortgangsupdateFactory(verbeterafspraak=afspraak, tekst="Nog niet gepubliceerd.")
    response = client.get(detail_url(dvt))
    assert response.status_code == 200
    assert "Over de afspraken van dit traject is nog niets gepubliceerd." in response.text
    assert afspraak.titel not in response.text
    assert "Nog niet gepubliceerd." not in response.text


def test_detail_unknown_slug_is_not_found(client, alice, dvt):
    client.force_login(alice)
    assert client.get("/trajecten/bestaat-niet/").status_code == 404


@pytest.fixture
def traject_with_voortgang(afspraak, dvt, nhg, zn):
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2023, 10, 1),
        status=Status.VERTRAAGD,
        tekst="Het loopt uit bij NHG.",
        toelichting="Later begonnen.",
        verwachte_datum=datetime.date(2025, 12, 31),
    )
    behandeling = ThemaFactory(traject=dvt, naam="Behandeling", volgorde=2)
    zn_afspraak = VerbeterafspraakFactory(
        traject=dvt, thema=behandeling, nummer=2, titel="Vergoed thuisbehandeling", regiehouder=zn
    )
    VoortgangsupdateFactory(verbeterafspraak=zn_afspraak, tekst="ZN werkt eraan.")
    EditieFactory(rapportage=RapportageFactory(traject=dvt, jaar=2022))
    RapportageFactory(traject=dvt, jaar=2023, titel="Concept 2023")
    return dvt


def test_detail_shows_phases_agreements_by_theme_and_reports(client, alice, traject_with_voortgang):
    dvt = traject_with_voortgang
    client.force_login(alice)
    response = client.get(detail_url(dvt))
    assert response.status_code == 200
    text = response.text
    assert "11-10-2021" in text and "loopt nog" in text
    assert [t.naam for t in response.context["themas"]] == ["Diagnostiek", "Behandeling"]
    assert "Loopt met vertraging" in text
    assert "Het loopt uit bij NHG." in text
    assert "Voortgangsrapportage Diepe veneuze trombose en longembolie 2022" in text
    assert "Concept 2023" not in text
    # Alice's agreement links to its page; ZN's is listed, but without link or text.
    assert 'href="/afspraken/' in text
    assert "Vergoed thuisbehandeling" in text
    assert "ZN werkt eraan." not in text


def test_detail_shows_staff_every_progress_text(client, staff, traject_with_voortgang):
    client.force_login(staff)
    text = client.get(detail_url(traject_with_voortgang)).text
    assert "ZN werkt eraan." in text
    assert "Het loopt uit bij NHG." in text


@pytest.mark.parametrize("count", [3, 30])
def test_detail_runs_the_same_queries_for_3_or_30_agreements(
    client, alice, dvt, diagnostiek, nhg, count, django_assert_num_queries
):
    for nummer in range(1, count + 1):
        afspraak = VerbeterafspraakFactory(
            traject=dvt, thema=diagnostiek, nummer=nummer, regiehouder=nhg
        )
        VoortgangsupdateFactory(verbeterafspraak=afspraak)
    client.force_login(alice)
    # Session, user, trajectory, the user's parties, the data version, the kept pages (none
    # yet), the trajectory again (read after the version), its phases, agreements with the
    # updates that set their status, themes, the agreements the user may open, published
    # reports, keeping the page (five: count, savepoint, look-up, insert, release), whether
    # the user follows it (the button). No session write.
    with django_assert_num_queries(18):
        response = client.get(detail_url(dvt))
    assert sum(len(t.afspraken) for t in response.context["themas"]) == count
    # Again, nothing changed: session, user, trajectory, parties, data version, the kept page,
    # the button.
    with django_assert_num_queries(7):
        again = client.get(detail_url(dvt))
    assert main_part(again) == main_part(response)
    assert again.text.count('class="afspraak-regel"') == count


def main_part(response) -> str:
    """The part of the page that is kept: after the follow button, whose form (like the
    header's logout form) has a CSRF token of the request."""
    text = response.text
    return text[text.index("</form>", text.index('class="volg-knop"')) : text.index("</main>")]
