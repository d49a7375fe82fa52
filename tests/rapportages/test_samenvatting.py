"""A report opens with a summary in plain Dutch (B1), and the editor sees how easily it reads."""

import io

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rapportages.leesbaarheid import B1_VANAF, flesch_douma, leesbaarheid
from rapportages.models import SAMENVATTING_MAX_LENGTH
from rapportages.services import publiceer_rapportage

EENVOUDIG = (
    "Zorgpartijen hebben afspraken gemaakt. Ze willen de zorg beter maken. In deze rapportage "
    "leest u hoe ver ze zijn."
)
MOEILIJK = (
    "Ten aanzien van de implementatie van de verbeterafspraken inzake de diagnostische "
    "trajecten constateert het Zorginstituut dat de voortgang achterblijft bij de "
    "oorspronkelijk geformuleerde doelstellingen."
)


def test_plain_dutch_scores_as_b1_and_officialese_does_not():
    assert flesch_douma(EENVOUDIG) >= B1_VANAF
    assert flesch_douma(MOEILIJK) < 30
    assert leesbaarheid(MOEILIJK).endswith("Voor B1: kortere zinnen en kortere, gewone woorden.")
    assert leesbaarheid("") == "Nog geen tekst."


def test_markup_does_not_count_as_words():
    assert flesch_douma("**Zorgpartijen** hebben [afspraken](https://example.org) gemaakt.") == (
        flesch_douma("Zorgpartijen hebben afspraken gemaakt.")
    )


def test_the_summary_has_a_limit(rapportage):
    rapportage.samenvatting = "a" * (SAMENVATTING_MAX_LENGTH + 1)
    with pytest.raises(ValidationError):
        rapportage.full_clean()


def test_the_editor_sees_the_readability_and_may_save_hard_text(client, staff, rapportage):
    rapportage.samenvatting = MOEILIJK
    rapportage.save()
    client.force_login(staff)
    url = reverse("admin:rapportages_rapportage_change", args=[rapportage.pk])
    text = client.get(url).text
    assert "Flesch–Douma" in text
    assert "zeer moeilijk" in text
    assert "Voor B1: kortere zinnen" in text


def test_the_summary_opens_the_published_report_and_its_pdf(rapportage, afspraken, staff):
    rapportage.samenvatting = EENVOUDIG
    rapportage.save()
    editie = publiceer_rapportage(rapportage=rapportage, user=staff)
    html = editie.html
    assert '<h2 id="in-het-kort-kop">In het kort</h2>' in html
    assert html.index("In het kort") < html.index('id="inhoudsopgave-kop"')
    assert "Zorgpartijen hebben afspraken gemaakt." in html
    pdf = pikepdf.open(io.BytesIO(bytes(editie.pdf)))
    titles = [item.title for item in pdf.open_outline().root]
    assert titles[0] == "In het kort" or "In het kort" in titles[:3], titles


def test_no_summary_no_section(rapportage, afspraken, staff):
    editie = publiceer_rapportage(rapportage=rapportage, user=staff)
    assert "In het kort" not in editie.html


def test_a_published_report_links_the_accessibility_statement(rapportage, afspraken, staff):
    editie = publiceer_rapportage(rapportage=rapportage, user=staff)
    assert '/toegankelijkheid/">toegankelijkheidsverklaring</a>' in editie.html
