"""A reporting round in the reports: only accepted answers count, in the concept and in an
edition alike; the concept marks what the round still waits for.

The round of 2025 over `dvt` asks NHG (alice) for the progress of agreement 1 and the 2024
figure of its indicator, and ZN (charlie) for agreement 2; the report of 2025 has its
peildatum after the answers.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from afspraken.models import Status
from afspraken.services import meld_meting
from rapportages.content import build_content
from rapportages.rendering import render_html, render_report_pdf
from rapportages.services import publiceer_rapportage
from tests.factories import (
    FaseperiodeFactory,
    IndicatorFactory,
    RapportageFactory,
    TrajectFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)
from trajecten.models import Faseperiode
from uitvragen import services
from uitvragen.models import Uitvraag, Werkitem
from uitvragen.services import sluit_na_publicatie

ANTWOORD_DATUM = datetime.date(2025, 10, 20)


@pytest.fixture
def afspraak_zn(dvt, diagnostiek, zn):
    return VerbeterafspraakFactory(
        traject=dvt, thema=diagnostiek, nummer=2, titel="Gebruik de beslisregel", regiehouder=zn
    )


@pytest.fixture
def indicator(afspraak, nhg, staff):
    indicator = IndicatorFactory(verbeterafspraak=afspraak, leverancier=nhg)
    meld_meting(
        indicator=indicator,
        user=staff,
        jaar=2023,
        waarde=Decimal("33"),
        peildatum=datetime.date(2024, 5, 1),
    )
    return indicator


@pytest.fixture
def eerder(afspraak, afspraak_zn):
    """What was reported before the round, outside it."""
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak_zn,
        peildatum=datetime.date(2025, 3, 1),
        status=Status.OP_SCHEMA,
        tekst="Buiten de uitvraag gemeld.",
    )
    return VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2025, 6, 1),
        status=Status.NIET_GESTART,
        tekst="Eerder gemeld: de werkgroep wordt samengesteld.",
    )


@pytest.fixture
def uitvraag(staff, eerder, indicator, alice, charlie):
    return services.open_uitvraag(
        jaar=2025,
        peildatum=datetime.date(2025, 10, 1),
        deadline=datetime.date(2025, 11, 15),
        user=staff,
        notify=False,
    )


@pytest.fixture
def rapportage_2025(dvt):
    return RapportageFactory(traject=dvt, jaar=2025, peildatum=datetime.date(2025, 11, 1))


def item(uitvraag, partij, soort=Werkitem.Soort.VOORTGANG):
    return Werkitem.objects.get(uitvraag=uitvraag, partij=partij, soort=soort)


def answer(werkitem, user, tekst, status=Status.OP_SCHEMA):
    return services.beantwoord_voortgang(
        werkitem=werkitem,
        user=user,
        status=status,
        peildatum=ANTWOORD_DATUM,
        tekst=tekst,
        last_seen=werkitem.verbeterafspraak.voortgangsupdates.order_by("-pk")
        .values_list("pk", flat=True)
        .first(),
    )


def answer_figure(werkitem, user, waarde):
    return services.beantwoord_meting(
        werkitem=werkitem, user=user, waarde=Decimal(waarde), peildatum=ANTWOORD_DATUM
    )


def progress_of(rapportage, afspraak):
    content = build_content(rapportage)
    return next(
        progress
        for section in content.chapter.thema_sections
        for progress in section.afspraken
        if progress.afspraak.pk == afspraak.pk
    )


def texts(progress) -> list[str]:
    return [update.tekst_html for update in progress.updates]


def figure_of(rapportage) -> str:
    (result,) = build_content(rapportage).chapter.afspraak_indicatoren
    return result.laatste


# Only accepted answers count.


def test_an_answer_waiting_for_review_does_not_count_until_it_is_accepted(
    uitvraag, rapportage_2025, afspraak, eerder, nhg, alice, staff
):
    werkitem = item(uitvraag, nhg)
    answer(werkitem, alice, "Het antwoord in de uitvraag.")

    progress = progress_of(rapportage_2025, afspraak)
    assert progress.status == Status.NIET_GESTART
    assert progress.latest.pk == eerder.pk
    assert texts(progress) == ["<p>Eerder gemeld: de werkgroep wordt samengesteld.</p>"]

    services.accepteer(werkitem=werkitem, user=staff)

    progress = progress_of(rapportage_2025, afspraak)
    assert progress.status == Status.OP_SCHEMA
    assert progress.latest.pk == item(uitvraag, nhg).voortgangsupdate_id
    assert texts(progress) == [
        "<p>Eerder gemeld: de werkgroep wordt samengesteld.</p>",
        "<p>Het antwoord in de uitvraag.</p>",
    ]


def test_a_sent_back_answer_never_counts_and_its_revision_only_once_accepted(
    uitvraag, rapportage_2025, afspraak, eerder, nhg, alice, staff
):
    werkitem = item(uitvraag, nhg)
    answer(werkitem, alice, "Eerste antwoord.", status=Status.AFGEROND)
    services.stuur_terug(werkitem=werkitem, user=staff, opmerking="Is het echt af?")
    assert progress_of(rapportage_2025, afspraak).latest.pk == eerder.pk

    answer(werkitem, alice, "Herzien antwoord.")
    assert progress_of(rapportage_2025, afspraak).latest.pk == eerder.pk

    services.accepteer(werkitem=werkitem, user=staff)
    progress = progress_of(rapportage_2025, afspraak)
    assert progress.status == Status.OP_SCHEMA
    # The first answer, replaced by the revised one, stays out.
    assert texts(progress) == [
        "<p>Eerder gemeld: de werkgroep wordt samengesteld.</p>",
        "<p>Herzien antwoord.</p>",
    ]


def test_updates_outside_the_round_count_as_before(
    uitvraag, rapportage_2025, afspraak, afspraak_zn, nhg, alice, staff
):
    answer(item(uitvraag, nhg), alice, "Het antwoord in de uitvraag.")
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2025, 10, 25),
        status=Status.VERTRAAGD,
        tekst="Na het antwoord, buiten de uitvraag.",
        toelichting="Geen financiering.",
        verwachte_datum=datetime.date(2026, 6, 1),
    )

    assert progress_of(rapportage_2025, afspraak).status == Status.VERTRAAGD
    assert texts(progress_of(rapportage_2025, afspraak_zn)) == ["<p>Buiten de uitvraag gemeld.</p>"]


def test_a_figure_waiting_for_review_does_not_count_until_it_is_accepted(
    uitvraag, rapportage_2025, nhg, alice, staff
):
    werkitem = item(uitvraag, nhg, Werkitem.Soort.METING)
    answer_figure(werkitem, alice, "28")
    assert figure_of(rapportage_2025) == "33\u00a0% (2023)"

    services.stuur_terug(werkitem=werkitem, user=staff, opmerking="Klopt dit cijfer?")
    assert figure_of(rapportage_2025) == "33\u00a0% (2023)"

    answer_figure(werkitem, alice, "29")
    assert figure_of(rapportage_2025) == "33\u00a0% (2023)"

    services.accepteer(werkitem=werkitem, user=staff)
    assert figure_of(rapportage_2025) == "29\u00a0% (2024)"


def test_an_answer_that_corrects_a_known_figure_counts_only_once_accepted(
    uitvraag, rapportage_2025, indicator, nhg, alice, staff
):
    meld_meting(
        indicator=indicator,
        user=staff,
        jaar=2024,
        waarde=Decimal("31"),
        peildatum=datetime.date(2025, 4, 1),
    )
    werkitem = item(uitvraag, nhg, Werkitem.Soort.METING)
    answer_figure(werkitem, alice, "30")
    assert figure_of(rapportage_2025) == "31\u00a0% (2024)"

    services.accepteer(werkitem=werkitem, user=staff)
    assert figure_of(rapportage_2025) == "30\u00a0% (2024)"


def test_leaving_out_answers_adds_no_query(
    uitvraag,
    rapportage_2025,
    dvt,
    diagnostiek,
    nhg,
    zn,
    alice,
    charlie,
    staff,
    django_assert_num_queries,
):
    # traject, phases, themes, agreements, their parties, their updates, earlier reports,
    # the implementation-wide report, indicators, their measurements.
    with django_assert_num_queries(10):
        build_content(rapportage_2025)

    answer(item(uitvraag, nhg), alice, "Het antwoord in de uitvraag.")
    services.accepteer(werkitem=item(uitvraag, nhg), user=staff)
    answer(item(uitvraag, zn), charlie, "Nog te beoordelen.")
    answer_figure(item(uitvraag, nhg, Werkitem.Soort.METING), alice, "28")
    for nummer in range(3, 8):
        afspraak = VerbeterafspraakFactory(
            traject=dvt, thema=diagnostiek, nummer=nummer, regiehouder=nhg
        )
        IndicatorFactory(verbeterafspraak=afspraak, leverancier=nhg)
        VoortgangsupdateFactory(verbeterafspraak=afspraak, peildatum=datetime.date(2025, 9, 1))
    with django_assert_num_queries(10):
        build_content(rapportage_2025)


# The concept marks what the round still waits for.


def _part(html: str, element_id: str, tag: str) -> str:
    """The element with this id, up to its closing tag (not nested in itself)."""
    match = re.search(rf'<{tag}[^>]* id="{element_id}".*?</{tag}>', html, re.DOTALL)
    assert match, element_id
    return match.group(0)


@pytest.fixture
def ronde_halfweg(uitvraag, nhg, zn, alice, charlie, staff):
    """NHG's progress waiting for review, ZN's sent back, NHG's figure still open."""
    answer(item(uitvraag, nhg), alice, "Het antwoord in de uitvraag.")
    answer(item(uitvraag, zn), charlie, "Eerste antwoord van ZN.")
    services.stuur_terug(werkitem=item(uitvraag, zn), user=staff, opmerking="Graag concreter.")
    return uitvraag


def test_the_concept_marks_each_item_of_the_round_that_is_not_accepted(
    client, staff, ronde_halfweg, rapportage_2025, indicator
):
    client.force_login(staff)
    html = client.get(rapportage_2025.get_concept_url()).text

    assert (
        '<p class="uitvraagmarkering uitvraagmarkering--ingediend">Uitvraag 2025: wacht op '
        "beoordeling</p>"
    ) in _part(html, "afspraak-1", "article")
    assert "Uitvraag 2025: teruggestuurd" in _part(html, "afspraak-2", "article")
    assert (
        '<p class="uitvraagmarkering uitvraagmarkering--open">Uitvraag 2025, cijfer over 2024: '
        "nog niet beantwoord</p>"
    ) in _part(html, f"indicator-{indicator.pk}", "section")
    assert "&lt;p" not in html
    stand = _part(html, "uitvraagstand-kop", "p") + html.split('id="uitvraagstand-kop"')[1]
    assert "Uitvraag 2025: loopt nog" in stand
    assert "De uitvraag 2025 stelt 3 vragen over deze rapportage" in stand
    for regel in [
        "Geaccepteerd: 0",
        "Wacht op beoordeling: 1",
        "Teruggestuurd: 1",
        "Nog niet beantwoord: 1",
    ]:
        assert regel in stand
    assert f'href="{ronde_halfweg.get_absolute_url()}"' in stand


def test_an_accepted_item_carries_no_mark(client, staff, ronde_halfweg, rapportage_2025, nhg):
    services.accepteer(werkitem=item(ronde_halfweg, nhg), user=staff)
    client.force_login(staff)
    html = client.get(rapportage_2025.get_concept_url()).text

    afspraak = _part(html, "afspraak-1", "article")
    assert "Uitvraag 2025:" not in afspraak
    assert "Uitvraag 2025, cijfer over 2024: nog niet beantwoord" in afspraak  # its indicator
    assert "Geaccepteerd: 1" in html
    assert "Wacht op beoordeling: 0" in html


def test_the_implementation_wide_concept_marks_figures_in_its_overview(
    ronde_halfweg, indicator, dvt
):
    rapportage = RapportageFactory(
        soort="implementatie", traject=None, jaar=2025, peildatum=datetime.date(2025, 11, 1)
    )
    html = render_html(build_content(rapportage, with_uitvraag=True))

    row = next(r for r in html.split("<tr>") if indicator.naam in r and "<th scope" in r)
    assert "Uitvraag 2025, cijfer over 2024: nog niet beantwoord" in row
    assert "Uitvraag 2025: wacht op beoordeling" in _part(html, f"{dvt.slug}-afspraak-1", "article")


def test_a_report_of_another_year_or_without_a_round_shows_nothing_of_it(
    ronde_halfweg, dvt, rapportage
):
    html = render_html(build_content(rapportage, with_uitvraag=True))  # the report of 2022

    assert "uitvraagmarkering" not in html
    assert "uitvraagstand" not in html


def test_a_published_edition_carries_no_marks(ronde_halfweg, rapportage_2025):
    content = build_content(rapportage_2025, with_uitvraag=True)
    assert content.uitvraag is not None
    assert "Uitvraag 2025" not in render_html(content, published=True)

    editie = publiceer_rapportage(rapportage=rapportage_2025, user=ronde_halfweg.geopend_door)
    # The body: the stylesheets in the head name every class there is.
    document = editie.html.split("</head>", 1)[1]
    assert "Uitvraag 2025" not in document
    assert "uitvraagmarkering" not in document


def test_the_concept_pdf_carries_the_marks(ronde_halfweg, rapportage_2025):
    content = build_content(rapportage_2025, with_uitvraag=True)
    pdf = render_report_pdf(content, html=render_html(content))

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    assert "Uitvraag 2025: wacht op beoordeling" in text
    assert "Uitvraag 2025: teruggestuurd" in text
    assert "Wacht op beoordeling: 1" in text


# Publishing closes the round.


@pytest.fixture
def implementatie_2025(db):
    return RapportageFactory(
        soort="implementatie",
        traject=None,
        jaar=2025,
        titel="Voortgangsrapportage implementatiefase 2025",
        peildatum=datetime.date(2025, 11, 1),
    )


def test_publishing_the_implementation_wide_report_closes_the_round(
    client, ronde_halfweg, implementatie_2025, rapportage_2025, nhg, zn, charlie, staff
):
    editie = publiceer_rapportage(rapportage=implementatie_2025, user=staff)

    uitvraag = Uitvraag.objects.get()
    assert uitvraag.status == Uitvraag.Status.GESLOTEN
    assert uitvraag.gesloten_bij == (
        "de publicatie van editie 1 van Voortgangsrapportage implementatiefase 2025"
    )
    assert uitvraag.gesloten_op >= editie.published_at
    # Frozen: nothing is answered, reviewed or reminded any more.
    with pytest.raises(ValidationError, match="gesloten"):
        answer(item(uitvraag, zn), charlie, "Te laat.")
    with pytest.raises(ValidationError, match="gesloten"):
        services.accepteer(werkitem=item(uitvraag, nhg), user=staff)
    assert services.verstuur_herinneringen(uitvraag=uitvraag) == 0

    client.force_login(staff)
    page = client.get(reverse("uitvragen:detail", args=[uitvraag.pk])).text
    assert "bij de publicatie van editie 1 van Voortgangsrapportage implementatiefase 2025" in page
    assert "Uitvraag sluiten" not in page
    concept = client.get(rapportage_2025.get_concept_url()).text
    assert "Uitvraag 2025: gesloten" in concept
    assert (
        "De uitvraag 2025 is gesloten bij de publicatie van editie 1 van Voortgangsrapportage "
        "implementatiefase 2025"
    ) in concept
    assert "uitvraagmarkering" not in concept  # what was not accepted then never counts


def test_publishing_one_trajectorys_report_leaves_a_round_over_more_open(
    staff, dvt, eerder, indicator, rapportage_2025
):
    other = TrajectFactory(naam="Chronische nierschade")
    FaseperiodeFactory(
        traject=other, fase=Faseperiode.Fase.IMPLEMENTATIE, startdatum=datetime.date(2024, 1, 1)
    )
    uitvraag = services.open_uitvraag(
        jaar=2025,
        peildatum=datetime.date(2025, 10, 1),
        deadline=datetime.date(2025, 11, 15),
        user=staff,
        notify=False,
    )
    assert set(uitvraag.trajecten.all()) == {dvt, other}

    publiceer_rapportage(rapportage=rapportage_2025, user=staff)

    uitvraag.refresh_from_db()
    assert (uitvraag.status, uitvraag.gesloten_bij) == (Uitvraag.Status.OPEN, "")


def test_publishing_a_report_of_another_year_leaves_the_round_open(
    ronde_halfweg, rapportage, staff
):
    publiceer_rapportage(rapportage=rapportage, user=staff)  # 2022's

    assert Uitvraag.objects.get().is_open


def test_a_publication_that_fails_leaves_the_round_open(
    ronde_halfweg, implementatie_2025, staff, monkeypatch
):
    closed = []

    def close_then_fail(**kwargs):
        closed.append(sluit_na_publicatie(**kwargs))
        raise RuntimeError("De schijf is vol.")

    monkeypatch.setattr("rapportages.services.sluit_na_publicatie", close_then_fail)
    with pytest.raises(RuntimeError):
        publiceer_rapportage(rapportage=implementatie_2025, user=staff)

    assert closed and closed[0] is not None  # it was closed, then rolled back
    uitvraag = Uitvraag.objects.get()
    assert (uitvraag.status, uitvraag.gesloten_op, uitvraag.gesloten_bij) == ("open", None, "")
    assert not implementatie_2025.edities.exists()
