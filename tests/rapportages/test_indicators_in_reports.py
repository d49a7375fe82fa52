"""Indicators in the reports: chart, table and verdict per indicator, a summary table in the
implementation-wide report, and a query count that does not grow with them."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from afspraken.models import Indicator
from rapportages.content import build_content
from rapportages.rendering import render_html, render_pdf
from tests.factories import indicator_with_figures
from tests.pdfstructure import figure_alts


@pytest.fixture
def indicatoren(afspraken, dvt, nhg):
    return [
        indicator_with_figures(
            dvt, afspraken[0], nhg, "Verwijzingen zonder beslisregel", {2021: 39, 2022: 35}
        ),
        indicator_with_figures(
            dvt,
            afspraken[2],
            nhg,
            "Laag-risico longembolie thuis behandeld",
            {2021: 30, 2023: 45},  # 2023 is known only after the peildatum
            richting=Indicator.Richting.HOGER,
            basiswaarde=Decimal("28"),
            streefwaarde=Decimal("50"),
        ),
        indicator_with_figures(
            dvt, None, nhg, "Opnameduur in dagen", {2021: "4.5"}, eenheid="dagen"
        ),
    ]


def test_a_trajectory_report_shows_each_indicator_with_chart_table_and_verdict(
    rapportage, indicatoren
):
    html = render_html(build_content(rapportage))

    assert html.count('<section class="indicator"') == 3
    assert html.count("<figure") == 3 and html.count("<figcaption>") == 3
    assert html.count('<table class="indicator__tabel">') == 3
    assert html.count('src="data:image/svg+xml;base64,') == 3
    assert "<script" not in html
    assert (
        'alt="Lijngrafiek van Verwijzingen zonder beslisregel: van 41\u00a0% in 2020 naar '
        '39\u00a0% in 2021; streefwaarde 20\u00a0% in 2024: niet op koers."' in html
    )
    # As at the peildatum: the figures of 2022 and 2023, known from March after, are not there.
    assert "van 28\u00a0% in 2020 naar 30\u00a0% in 2021; streefwaarde 50\u00a0% in 2024" in html
    assert "35\u00a0%" not in html and "45\u00a0%" not in html
    assert "Indicatoren van het traject als geheel" in html
    assert "4,5\u00a0dagen" in html
    assert html.count("Hoe het oordeel tot stand komt.") == 1


def test_the_implementation_wide_report_has_a_summary_table_of_indicators(
    implementatierapportage, indicatoren
):
    html = render_html(build_content(implementatierapportage))

    assert "Indicatoren per traject met hun oordeel" in html
    assert html.count("<figure") == 0  # the charts are in the trajectory reports
    assert "39\u00a0% (2021)" in html and "20\u00a0% (2024)" in html
    assert html.count("Hoe het oordeel tot stand komt.") == 1


def test_the_pdf_tags_each_chart_as_a_figure_with_its_summary(rapportage, indicatoren):
    reader = PdfReader(io.BytesIO(render_pdf(render_html(build_content(rapportage)))))

    alts = figure_alts(reader)
    assert len(alts) == 3
    assert all(alt.startswith("Lijngrafiek van ") for alt in alts)
    assert any(
        "naar 39\u00a0% in 2021; streefwaarde 20\u00a0% in 2024: niet op koers" in a for a in alts
    )


def test_the_query_count_does_not_grow_with_indicators_or_measurements(
    rapportage, implementatierapportage, afspraken, dvt, nhg, django_assert_num_queries
):
    indicator_with_figures(dvt, afspraken[0], nhg, "Eerste", {2021: 39})
    with django_assert_num_queries(10):
        render_html(build_content(rapportage))
    with django_assert_num_queries(9):
        render_html(build_content(implementatierapportage))

    for afspraak in afspraken:
        for n in range(3):
            indicator_with_figures(
                dvt, afspraak, nhg, f"Indicator {n}", {2021: 39, 2022: 35, 2021 + n: 30}
            )
    indicator_with_figures(dvt, None, nhg, "Van het traject", {2021: 10, 2022: 12})
    with django_assert_num_queries(10):
        render_html(build_content(rapportage))
    with django_assert_num_queries(9):
        render_html(build_content(implementatierapportage))
