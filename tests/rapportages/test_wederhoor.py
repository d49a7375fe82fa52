"""Hoor en wederhoor's pages: a party member sees the concept text about their parties'
agreements only and reacts beside it; staff see every party's reactions beside the same text.
Each page costs a fixed number of queries, whatever the number of agreements, parties and
reactions."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from afspraken.models import Status
from rapportages.models import Rapportage
from tests.factories import (
    IndicatorFactory,
    LidmaatschapFactory,
    PartijFactory,
    RapportageFactory,
    UserFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)
from uitvragen.models import Reactie
from uitvragen.services import open_uitvraag, sluit_uitvraag
from uitvragen.wederhoor import open_wederhoor, reageer

TOT = timezone.localdate() + datetime.timedelta(days=14)


@pytest.fixture
def afspraak_zn(dvt, diagnostiek, zn, nhg):
    """Led by ZN (charlie), with NHG (alice, bob) involved; agreement 1 is NHG's, with NIV."""
    return VerbeterafspraakFactory(
        traject=dvt,
        thema=diagnostiek,
        nummer=2,
        titel="Gebruik de beslisregel",
        regiehouder=zn,
        betrokken_partijen=[nhg],
    )


@pytest.fixture
def uitvraag(staff, afspraak, afspraak_zn, nhg, alice, bob, charlie):
    IndicatorFactory(verbeterafspraak=afspraak, leverancier=nhg)
    return open_uitvraag(
        jaar=2025,
        peildatum=datetime.date(2025, 10, 1),
        deadline=datetime.date(2025, 11, 15),
        user=staff,
        notify=False,
    )


@pytest.fixture
def concept(dvt):
    return RapportageFactory(
        traject=dvt,
        jaar=2025,
        peildatum=datetime.date(2025, 11, 1),
        titel="Vijfde voortgangsrapportage Diepe veneuze trombose en longembolie",
    )


@pytest.fixture
def progress(afspraak, afspraak_zn):
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2025, 10, 1),
        status=Status.OP_SCHEMA,
        tekst="De standaard is **herzien**.",
    )
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak_zn,
        peildatum=datetime.date(2025, 10, 1),
        status=Status.NIET_GESTART,
        tekst="De beslisregel wordt vertaald.",
    )


@pytest.fixture
def ronde(uitvraag, staff, progress, mailoutbox):
    open_wederhoor(uitvraag=uitvraag, tot=TOT, user=staff)
    uitvraag.refresh_from_db()
    mailoutbox.clear()
    return uitvraag


def url(uitvraag):
    return reverse("rapportages:wederhoor", args=[uitvraag.pk])


def post(client, uitvraag, afspraak, partij, **data):
    prefix = f"reactie-{afspraak.pk}-{partij.pk}"
    return client.post(
        url(uitvraag),
        {
            "afspraak": afspraak.pk,
            "partij": partij.pk,
            **{f"{prefix}-{name}": value for name, value in data.items()},
        },
    )


def test_anonymous_visitors_log_in_first(client, ronde):
    response = client.get(url(ronde))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_member_sees_the_concept_text_of_their_partys_agreements_only(
    client, ronde, concept, afspraak, afspraak_zn, charlie
):
    client.force_login(charlie)  # ZN leads agreement 2 and has nothing to do with 1
    response = client.get(url(ronde))
    assert response.status_code == 200
    text = response.text
    assert "2. Gebruik de beslisregel" in text
    assert "De beslisregel wordt vertaald." in text
    assert "Nog niet gestart" in text
    assert "Voorkom onnodige verwijzing" not in text
    assert "herzien" not in text
    assert f'name="partij" value="{afspraak_zn.regiehouder_id}"' in text
    assert "Uit het concept van de Vijfde voortgangsrapportage" in text


def test_a_member_sees_the_agreements_their_party_leads_and_is_involved_in(
    client, ronde, concept, alice
):
    client.force_login(alice)
    text = client.get(url(ronde)).text
    assert "1. Voorkom onnodige verwijzing" in text
    assert "De standaard is <strong>herzien</strong>." in text  # the stored, sanitised HTML
    assert "2. Gebruik de beslisregel" in text  # NHG is involved
    assert text.count("Reactie van NHG") == 2
    # The indicator of agreement 1 with its verdict.
    assert "Indicatoren op 1 november 2025" in text


def test_posting_for_another_partys_agreement_is_refused(
    client, ronde, concept, afspraak, charlie, nhg, zn
):
    client.force_login(charlie)
    assert post(client, ronde, afspraak, zn, soort="akkoord").status_code == 404
    assert post(client, ronde, afspraak, nhg, soort="akkoord").status_code == 404
    response = client.post(url(ronde), {"afspraak": "x", "partij": ""})
    assert response.status_code == 404
    assert not Reactie.objects.exists()


def test_a_member_agrees_then_comments_and_sees_the_history(
    client, ronde, concept, afspraak, alice, bob, nhg
):
    client.force_login(alice)
    response = post(client, ronde, afspraak, nhg, soort="akkoord")
    assert response.status_code == 302
    assert response.url == f"{url(ronde)}#afspraak-{afspraak.pk}"
    client.force_login(bob)
    post(client, ronde, afspraak, nhg, soort="opmerking", opmerking="Noem de regio's.")
    response = client.get(url(ronde))
    assert "Uw reactie op afspraak 1 is opgeslagen namens NHG." in response.text
    assert "Noem de regio&#x27;s." in response.text
    assert "Eerdere reacties (1)" in response.text
    assert [r.soort for r in Reactie.objects.all()] == ["opmerking", "akkoord"]


def test_a_refused_reaction_says_why_in_dutch_and_keeps_the_text(
    client, ronde, concept, afspraak, alice, nhg
):
    client.force_login(alice)
    response = post(client, ronde, afspraak, nhg, soort="akkoord", opmerking="Bijna goed.")
    assert response.status_code == 200
    assert "Uw reactie is nog niet opgeslagen." in response.text
    assert "Bij akkoord hoort geen opmerking" in response.text
    assert "Bijna goed.</textarea>" in response.text
    response = post(client, ronde, afspraak, nhg, soort="opmerking", opmerking=" ")
    assert "Schrijf bij een opmerking wat er anders moet." in response.text
    response = post(client, ronde, afspraak, nhg, opmerking="Zonder keuze")
    assert "Kies Akkoord of Opmerking." in response.text
    assert "Zonder keuze</textarea>" in response.text
    assert not Reactie.objects.exists()


def test_without_a_concept_report_a_clear_empty_state(client, ronde, afspraak, alice, nhg):
    client.force_login(alice)
    response = client.get(url(ronde))
    assert "Het concept van de rapportage over 2025 is er nog niet." in response.text
    assert "<form" not in response.text.split("<main")[1].split("</main>")[0]
    response = post(client, ronde, afspraak, nhg, soort="akkoord")
    assert "Er is nog geen concepttekst om op te reageren." in response.text
    assert not Reactie.objects.exists()


def test_the_implementation_wide_concept_when_the_trajectory_has_none(client, ronde, alice, dvt):
    RapportageFactory(
        soort=Rapportage.Soort.IMPLEMENTATIE,
        traject=None,
        jaar=2025,
        peildatum=datetime.date(2025, 11, 1),
        titel="Voortgangsrapportage implementatiefase 2025",
    )
    client.force_login(alice)
    text = client.get(url(ronde)).text
    assert "Uit het concept van de Voortgangsrapportage implementatiefase 2025" in text
    assert "Voortgang in 2025" in text
    assert "De standaard is <strong>herzien</strong>." in text


def test_after_the_window_the_text_stays_and_the_forms_go(
    client, ronde, concept, afspraak, alice, nhg, monkeypatch
):
    reageer(uitvraag=ronde, verbeterafspraak=afspraak, partij=nhg, user=alice, soort="akkoord")
    later = TOT + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: later)
    client.force_login(alice)
    response = client.get(url(ronde))
    assert "De termijn voor hoor en wederhoor liep tot en met" in response.text
    assert "Reactie opslaan" not in response.text
    assert "Akkoord" in response.text
    response = post(client, ronde, afspraak, nhg, soort="opmerking", opmerking="Te laat.")
    assert "De termijn voor hoor en wederhoor is verstreken op" in response.text
    assert Reactie.objects.count() == 1


def test_a_closed_round_is_frozen(client, ronde, concept, afspraak, alice, staff, nhg):
    sluit_uitvraag(uitvraag=ronde, user=staff)
    client.force_login(alice)
    response = client.get(url(ronde))
    assert "De uitvraag 2025 is gesloten." in response.text
    response = post(client, ronde, afspraak, nhg, soort="akkoord")
    assert "Deze uitvraag is gesloten" in response.text
    assert not Reactie.objects.exists()


def test_a_round_without_a_window_has_no_review_page(client, uitvraag, alice):
    client.force_login(alice)
    assert client.get(url(uitvraag)).status_code == 404


def test_the_worklist_links_to_the_review_page_while_the_window_is_open(
    client, ronde, alice, charlie, monkeypatch
):
    client.force_login(alice)
    response = client.get(reverse("uitvragen:werklijst"))
    assert "Hoor en wederhoor 2025" in response.text
    assert url(ronde) in response.text
    later = TOT + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: later)
    response = client.get(reverse("uitvragen:werklijst"))
    assert url(ronde) not in response.text


def test_staff_open_the_window_on_the_rounds_page(client, uitvraag, staff, mailoutbox):
    client.force_login(staff)
    page = client.get(uitvraag.get_absolute_url())
    assert "Hoor en wederhoor openen" in page.text
    openen = reverse("uitvragen:wederhoor_openen", args=[uitvraag.pk])
    response = client.post(openen, {"wederhoor_tot": "2020-01-01"})
    assert response.status_code == 200
    assert "Kies vandaag of een dag in de toekomst." in response.text
    assert 'value="2020-01-01"' in response.text
    response = client.post(openen, {"wederhoor_tot": TOT.isoformat()})
    assert response.status_code == 302
    uitvraag.refresh_from_db()
    assert uitvraag.wederhoor_tot == TOT
    assert mailoutbox
    page = client.get(uitvraag.get_absolute_url())
    assert reverse("rapportages:wederhoor_overzicht", args=[uitvraag.pk]) in page.text


def test_only_staff_open_the_window(client, uitvraag, alice):
    client.force_login(alice)
    openen = reverse("uitvragen:wederhoor_openen", args=[uitvraag.pk])
    assert client.post(openen, {"wederhoor_tot": TOT.isoformat()}).status_code == 403


def test_staff_see_every_partys_reaction_beside_the_text(
    client, ronde, concept, afspraak, afspraak_zn, alice, charlie, staff, nhg, zn
):
    reageer(uitvraag=ronde, verbeterafspraak=afspraak, partij=nhg, user=alice, soort="akkoord")
    reageer(
        uitvraag=ronde,
        verbeterafspraak=afspraak_zn,
        partij=zn,
        user=charlie,
        soort="opmerking",
        opmerking="Het is vertaald en verspreid.",
    )
    client.force_login(staff)
    assert client.get(url(ronde)).url == reverse("rapportages:wederhoor_overzicht", args=[ronde.pk])
    overzicht = client.get(reverse("rapportages:wederhoor_overzicht", args=[ronde.pk]))
    # Pairs: agreement 1 with NHG and NIV, agreement 2 with ZN and NHG.
    counts = [c.split("</span>")[0] for c in overzicht.text.split('telling__aantal">')[1:4]]
    assert counts == ["1", "1", "2"]
    traject_url = reverse("rapportages:wederhoor_traject", args=[ronde.pk, afspraak.traject_id])
    assert traject_url in overzicht.text
    text = client.get(traject_url).text
    assert "De standaard is <strong>herzien</strong>." in text
    assert "Het is vertaald en verspreid." in text
    assert "Nog geen reactie." in text
    only = client.get(traject_url, {"opmerkingen": "1"}).text
    assert "2. Gebruik de beslisregel" in only
    assert "1. Voorkom onnodige verwijzing" not in only


def test_members_do_not_see_the_overview(client, ronde, alice, dvt):
    client.force_login(alice)
    overzicht = reverse("rapportages:wederhoor_overzicht", args=[ronde.pk])
    assert client.get(overzicht).status_code == 403
    traject = reverse("rapportages:wederhoor_traject", args=[ronde.pk, dvt.pk])
    assert client.get(traject).status_code == 403


# Query counts.


def make_round(count, *, dvt, diagnostiek, nhg, staff, alice):
    """`count` agreements led by NHG with another party involved (with a member) and `count`
    led by others with NHG involved, each with progress and an indicator; every party has
    reacted, some twice."""
    pairs = []
    for n in range(count):
        other = PartijFactory(afkorting=f"P{n:03}")
        member = UserFactory()
        LidmaatschapFactory(partij=other, user=member)
        led = VerbeterafspraakFactory(
            traject=dvt,
            thema=diagnostiek,
            nummer=10 + n,
            regiehouder=nhg,
            betrokken_partijen=[other],
        )
        involved = VerbeterafspraakFactory(
            traject=dvt,
            thema=diagnostiek,
            nummer=100 + n,
            regiehouder=other,
            betrokken_partijen=[nhg],
        )
        for afspraak in (led, involved):
            VoortgangsupdateFactory(
                verbeterafspraak=afspraak, peildatum=datetime.date(2025, 10, 1), tekst="Loopt."
            )
            IndicatorFactory(verbeterafspraak=afspraak)
            pairs += [(afspraak, nhg, alice), (afspraak, other, member)]
    ronde = open_uitvraag(
        jaar=2025,
        peildatum=datetime.date(2025, 10, 1),
        deadline=datetime.date(2025, 11, 15),
        user=staff,
        notify=False,
    )
    open_wederhoor(uitvraag=ronde, tot=TOT, user=staff, notify=False)
    RapportageFactory(traject=dvt, jaar=2025, peildatum=datetime.date(2025, 11, 1))
    for afspraak, partij, user in pairs:
        reageer(
            uitvraag=ronde, verbeterafspraak=afspraak, partij=partij, user=user, soort="akkoord"
        )
        reageer(
            uitvraag=ronde,
            verbeterafspraak=afspraak,
            partij=partij,
            user=user,
            soort="opmerking",
            opmerking="Graag aanvullen.",
        )
    return ronde


@pytest.fixture
def grote_ronde(request, dvt, diagnostiek, nhg, staff, alice):
    return make_round(
        request.param, dvt=dvt, diagnostiek=diagnostiek, nhg=nhg, staff=staff, alice=alice
    )


SIZES = [2, 6]


@pytest.mark.parametrize("grote_ronde", SIZES, indirect=True)
def test_the_party_page_queries(client, grote_ronde, alice, django_assert_num_queries):
    client.force_login(alice)
    # Session, user, the round, the user's parties, the agreements and their parties involved
    # (2), the reactions, the reports, the build of the trajectory's report (10).
    with django_assert_num_queries(18):
        response = client.get(url(grote_ronde))
    nhg_pairs = Reactie.objects.filter(partij__afkorting="NHG").count() // 2
    assert response.text.count("Reactie van NHG") == nhg_pairs
    assert response.text.count("Opnieuw reageren") == nhg_pairs
    assert "Reactie van P000" not in response.text


@pytest.mark.parametrize("grote_ronde", SIZES, indirect=True)
def test_the_staff_pages_queries(client, grote_ronde, staff, dvt, django_assert_num_queries):
    client.force_login(staff)
    # Session, user, authenticator app, permissions (2), the round, its trajectories, the
    # agreements' parties (2), the newest reactions.
    with django_assert_num_queries(10):
        client.get(reverse("rapportages:wederhoor_overzicht", args=[grote_ronde.pk]))
    # Session, user, authenticator app, permissions (2), the round, the trajectory, the
    # agreements and their parties (2), the reactions, the reports, the build (10).
    with django_assert_num_queries(21):
        response = client.get(
            reverse("rapportages:wederhoor_traject", args=[grote_ronde.pk, dvt.pk])
        )
    assert response.text.count("Eerdere reacties (1)") == Reactie.objects.count() // 2
