"""An indicator's chart and its figures in words: no script, the right sentence, every value."""

import base64
import datetime
from decimal import Decimal

import pytest

from afspraken.evaluatie import beoordeel
from afspraken.models import Indicator
from rapportages import charts
from rapportages.content import IndicatorResult


class FakeMeting:
    def __init__(self, jaar, waarde):
        self.jaar, self.waarde = jaar, Decimal(str(waarde))
        self.peildatum = datetime.date(jaar + 1, 3, 1)


def _beoordeling(values, *, streefwaarde="75", richting=Indicator.Richting.HOGER):
    indicator = Indicator(
        naam="Eerst conservatief behandeld",
        eenheid=Indicator.Eenheid.PERCENTAGE,
        richting=richting,
        basisjaar=2014,
        basiswaarde=Decimal("52"),
        streefjaar=2017 if streefwaarde else None,
        streefwaarde=Decimal(streefwaarde) if streefwaarde else None,
    )
    metingen = [FakeMeting(jaar, waarde) for jaar, waarde in values.items()]
    return beoordeel(indicator, metingen[::-1])


NOT_REACHED = {2015: 55, 2016: 58, 2017: 61, 2018: 63, 2019: 66}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("61.5000"), "61,5"),
        (Decimal("27000.0000"), "27.000"),
        (Decimal("4.0000"), "4"),
        (Decimal("-1250.75"), "-1.250,75"),
        (Decimal("0.0500"), "0,05"),
    ],
)
def test_numbers_are_in_dutch_notation_without_trailing_zeros(value, text):
    assert charts.getal(value) == text


def test_the_summary_says_a_target_was_not_reached():
    assert charts.summary(_beoordeling(NOT_REACHED)) == (
        "van 52\u00a0% in 2014 naar 66\u00a0% in 2019; streefwaarde 75\u00a0% in 2017: niet bereikt"
    )


def test_the_summary_says_a_target_was_reached():
    assert charts.summary(_beoordeling({2016: 70, 2017: "76.5"})) == (
        "van 52\u00a0% in 2014 naar 76,5\u00a0% in 2017; streefwaarde 75\u00a0% in 2017: bereikt"
    )


def test_the_summary_before_the_target_year_tells_the_course():
    assert charts.summary(_beoordeling({2015: 60})).endswith(
        "streefwaarde 75\u00a0% in 2017: op koers"
    )


def test_the_summary_without_target_or_measurements():
    assert charts.summary(_beoordeling({2015: 60}, streefwaarde=None)) == (
        "van 52\u00a0% in 2014 naar 60\u00a0% in 2015; geen streefwaarde"
    )
    assert charts.summary(_beoordeling({})).startswith("52\u00a0% in 2014, nog geen metingen")


def test_the_chart_is_an_svg_without_script_that_fetches_nothing():
    beoordeling = _beoordeling(NOT_REACHED)
    svg = charts.chart_svg(beoordeling)
    uri = charts.chart_data_uri(beoordeling)

    assert svg.startswith("<svg")
    assert "<script" not in svg.lower()
    assert "http" not in svg.replace("http://www.w3.org/", "")
    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode().startswith("<svg")


def test_the_table_holds_every_value_and_the_target():
    rows = IndicatorResult(_beoordeling(NOT_REACHED)).rows

    assert rows == [
        (2014, "52\u00a0%", "basiswaarde"),
        (2015, "55\u00a0%", ""),
        (2016, "58\u00a0%", ""),
        (2017, "61\u00a0%", ""),
        (2018, "63\u00a0%", ""),
        (2019, "66\u00a0%", ""),
        (2017, "75\u00a0%", "streefwaarde"),
    ]
