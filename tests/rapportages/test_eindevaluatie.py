"""The end evaluation: a trajectory's whole course in one report, with its conclusions, the
letter to the Minister, and the real date of a report the portal records after the fact."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypdf import PdfReader

from afspraken.models import Indicator
from rapportages.content import build_content
from rapportages.models import Rapportage
from rapportages.rendering import render_html
from rapportages.services import publiceer_rapportage
from tests.factories import RapportageFactory, body, indicator_with_figures
from tests.pdfstructure import figure_alts

URL = "/rapportages/diepe-veneuze-trombose-en-longembolie/eindevaluatie/"
PDF_URL = "/rapportages/diepe-veneuze-trombose-en-longembolie/eindevaluatie.pdf"


def _indicator(traject, afspraak, leverancier, naam, values, **fields):
    """Higher is better: 28 % in 2020, 50 % by 2022."""
    fields = {
        "richting": Indicator.Richting.HOGER,
        "basiswaarde": Decimal("28"),
        "streefjaar": 2022,
        "streefwaarde": Decimal("50"),
    } | fields
    return indicator_with_figures(traject, afspraak, leverancier, naam, values, **fields)


@pytest.fixture
def eindevaluatie(dvt):
    return RapportageFactory(
        soort=Rapportage.Soort.EINDEVALUATIE,
        traject=dvt,
        jaar=2023,
        titel="Eindevaluatie Diepe veneuze trombose en longembolie",
        peildatum=datetime.date(2023, 6, 1),
        conclusies="**Het doel is bereikt.** <script>alert(1)</script>",
        brief_datum=datetime.date(2023, 6, 15),
        brief_kenmerk="2023012345",
        publicatiedatum=datetime.date(2023, 6, 15),
    )


@pytest.fixture
def indicatoren(afspraken, dvt, nhg):
    return [
        _indicator(dvt, afspraken[0], nhg, "Thuis behandeld", {2021: 40, 2022: 55}),
        _indicator(dvt, afspraken[2], nhg, "Compressie volgens protocol", {2021: 30, 2022: 35}),
        _indicator(
            dvt,
            None,
            nhg,
            "Opnamen",
            {2021: 900},
            eenheid="aantal",
            streefjaar=None,
            streefwaarde=None,
        ),
    ]


def test_the_end_evaluation_tells_the_whole_course_and_compares_with_no_earlier_report(
    eindevaluatie, rapportage, afspraken
):
    # `rapportage` is the trajectory's 2022 report; the end evaluation still tells from the start.
    content = build_content(eindevaluatie)
    chapter = content.chapter

    assert chapter.period_start is None
    assert chapter.previous_rapportage is None and chapter.own_rapportage is None
    assert content.implementatierapportage is None
    first = chapter.thema_sections[0].afspraken[0]
    assert [u.tekst_html for u in first.updates] == [
        "<p>De werkgroep wordt samengesteld.</p>",
        "<p>De standaard wordt herzien.</p>",
    ]
    assert first.previous_status is None


def test_the_end_evaluation_shows_conclusions_letter_and_a_verdict_per_agreement(
    eindevaluatie, indicatoren
):
    html = render_html(build_content(eindevaluatie))

    assert '<h2 id="conclusies-kop">Conclusies</h2>' in html
    assert "<strong>Het doel is bereikt.</strong>" in html
    assert "<script>alert" not in html  # the staff's Markdown is sanitised like every text
    assert (
        html.count(
            "Verzonden aan de minister van VWS bij brief van 15 juni 2023, kenmerk 2023012345"
        )
        == 2
    )  # on the cover and in the colophon
    assert "Het traject van 2018 tot 2023 · stand per 1 juni 2023" in html
    # The roll-up: per agreement, and for the trajectory as a whole.
    assert "Over alle indicatoren samen: 1 doel bereikt, 1 niet op koers, 1 geen doel." in html
    assert '<span class="oordeel oordeel--bereikt">1 doel bereikt</span>' in html
    assert '<span class="oordeel oordeel--niet_op_koers">1 niet op koers</span>' in html
    assert "Voortgang implementatiebreed" not in html  # a yearly report's chapter
    assert html.count("<figure") == 3  # every indicator with its chart
    assert html.count("Hoe het oordeel tot stand komt.") == 1


def test_an_end_evaluation_without_conclusions_says_so(dvt):
    html = render_html(
        build_content(RapportageFactory(soort=Rapportage.Soort.EINDEVALUATIE, traject=dvt))
    )

    assert "De conclusies zijn nog niet geschreven." in html


def test_building_an_end_evaluation_takes_a_fixed_number_of_queries(
    eindevaluatie, afspraken, dvt, nhg, django_assert_num_queries
):
    _indicator(dvt, afspraken[0], nhg, "Eerste", {2021: 39})
    with django_assert_num_queries(8):
        render_html(build_content(eindevaluatie))
    for afspraak in afspraken:
        for n in range(3):
            _indicator(dvt, afspraak, nhg, f"Indicator {n}", {2021: 39, 2022: 35})
    with django_assert_num_queries(8):
        render_html(build_content(eindevaluatie))


@pytest.mark.django_db
def test_an_end_evaluation_belongs_to_a_trajectory_and_there_is_one_per_trajectory(dvt):
    with pytest.raises(ValidationError, match="horen bij een traject"):
        Rapportage(
            soort=Rapportage.Soort.EINDEVALUATIE,
            jaar=2023,
            titel="Eindevaluatie",
            peildatum=datetime.date(2023, 6, 1),
        ).full_clean()
    RapportageFactory(soort=Rapportage.Soort.EINDEVALUATIE, traject=dvt, jaar=2023)
    with transaction.atomic(), pytest.raises(IntegrityError):
        RapportageFactory(soort=Rapportage.Soort.EINDEVALUATIE, traject=dvt, jaar=2024)
    # A yearly report of the same year is another report.
    RapportageFactory(soort=Rapportage.Soort.TRAJECT, traject=dvt, jaar=2023)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"conclusies": "Bereikt."}, "Conclusies horen bij een eindevaluatie"),
        ({"brief_kenmerk": "2023012345"}, "zowel de datum als het kenmerk"),
        ({"brief_datum": datetime.date(2023, 1, 1)}, "zowel de datum als het kenmerk"),
        ({"publicatiedatum": datetime.date(2022, 10, 1)}, "niet vóór de peildatum"),
    ],
)
def test_the_rules_of_a_report_hold_in_the_database(dvt, fields, message):
    rapportage = RapportageFactory.build(traject=dvt, **fields)
    with pytest.raises(ValidationError, match=message):
        rapportage.full_clean()
    with transaction.atomic(), pytest.raises(IntegrityError):
        rapportage.save()


def test_the_publication_date_is_not_in_the_future(dvt):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    rapportage = RapportageFactory.build(traject=dvt, publicatiedatum=tomorrow)

    with pytest.raises(ValidationError, match="niet in de toekomst"):
        rapportage.full_clean()


def test_the_first_edition_keeps_the_real_publication_date_and_it_cannot_change(
    eindevaluatie, afspraken, staff
):
    eerste = publiceer_rapportage(rapportage=eindevaluatie, user=staff)
    tweede = publiceer_rapportage(rapportage=eindevaluatie, user=staff)

    assert timezone.localdate(eerste.published_at) == datetime.date(2023, 6, 15)
    assert timezone.localdate(tweede.published_at) == timezone.localdate()
    assert "Editie 1, gepubliceerd op 15 juni 2023" in eerste.html
    eindevaluatie.refresh_from_db()
    eindevaluatie.publicatiedatum = datetime.date(2023, 6, 16)
    with pytest.raises(ValidationError, match="al gepubliceerd"):
        eindevaluatie.full_clean()
    # Leaving it as it is, the rest of the report can still be edited.
    eindevaluatie.publicatiedatum = datetime.date(2023, 6, 15)
    eindevaluatie.titel = "Eindevaluatie DVT"
    eindevaluatie.full_clean()


def test_a_report_without_a_publication_date_is_published_now(rapportage, afspraken, staff):
    editie = publiceer_rapportage(rapportage=rapportage, user=staff)

    assert timezone.localdate(editie.published_at) == timezone.localdate()
    rapportage.publicatiedatum = datetime.date(2022, 11, 2)
    with pytest.raises(ValidationError, match="al gepubliceerd"):
        rapportage.full_clean()


def test_the_admin_does_not_offer_the_date_of_a_published_report(
    client, staff, eindevaluatie, afspraken
):
    client.force_login(staff)
    url = f"/admin/rapportages/rapportage/{eindevaluatie.pk}/change/"
    assert 'name="publicatiedatum"' in client.get(url).text
    publiceer_rapportage(rapportage=eindevaluatie, user=staff)
    assert 'name="publicatiedatum"' not in client.get(url).text


def test_the_end_evaluation_has_its_own_address_and_is_public_once_published(
    client, staff, eindevaluatie, afspraken
):
    assert client.get(URL).status_code == 404  # a concept
    editie = publiceer_rapportage(rapportage=eindevaluatie, user=staff)

    listing = client.get("/rapportages/")
    page = client.get(URL)
    pdf = client.get(PDF_URL)
    assert f'href="{URL}"' in listing.text
    assert "Gepubliceerd op 15 juni 2023" in listing.text
    assert body(page) == editie.html.encode()
    assert editie.get_absolute_url() == f"{URL}editie/1/"
    assert body(client.get(f"{URL}editie/1/")) == editie.html.encode()
    assert body(pdf) == bytes(editie.pdf)
    assert pdf["Content-Disposition"] == (
        'inline; filename="eindevaluatie-diepe-veneuze-trombose-en-longembolie.pdf"'
    )
    assert body(client.get(f"{URL}editie/1.pdf")) == bytes(editie.pdf)


def test_the_end_evaluation_pdf_is_tagged_with_its_charts_as_figures(
    eindevaluatie, indicatoren, staff
):
    editie = publiceer_rapportage(rapportage=eindevaluatie, user=staff)
    reader = PdfReader(io.BytesIO(bytes(editie.pdf)))

    figures = figure_alts(reader)
    assert reader.metadata.title == "Eindevaluatie Diepe veneuze trombose en longembolie"
    assert len(figures) == 3 and all(alt.startswith("Lijngrafiek van ") for alt in figures)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Conclusies" in text and "kenmerk 2023012345" in text
