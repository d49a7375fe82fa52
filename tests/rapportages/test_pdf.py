"""The PDF: what a reader and a screen reader get, read back with pypdf."""

import datetime
import io

import pydyf
import pytest
from pypdf import PdfReader

from afspraken.models import Status
from rapportages import rendering
from rapportages.content import build_content
from rapportages.jinja import titelregels
from rapportages.rendering import StaticURLFetcher, portal_url, render_html, render_pdf
from rapportages.services import publiceer_rapportage
from tests.factories import (
    ThemaFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
    indicator_with_figures,
)
from tests.pdfstructure import FOOTER, headings_and_captions, last_lines_ending_on, page_lines


@pytest.fixture
def pdf(rapportage, afspraken, staff):
    return PdfReader(io.BytesIO(bytes(publiceer_rapportage(rapportage=rapportage, user=staff).pdf)))


def _outline(items, depth=0):
    for item in items:
        if isinstance(item, list):
            yield from _outline(item, depth + 1)
        else:
            yield depth, item.title


def test_pdf_has_title_language_and_author_metadata(pdf, rapportage):
    assert pdf.metadata.title == rapportage.titel
    assert pdf.metadata.author == "Zorginstituut Nederland"
    assert pdf.trailer["/Root"]["/Lang"] == "nl"
    # PDF/UA: a viewer shows the title rather than the file name.
    assert pdf.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712


def test_pdf_is_tagged_as_pdf_ua(pdf):
    root = pdf.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert "/StructTreeRoot" in root
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in xmp


def test_pdf_has_a_bookmark_for_every_chapter(pdf):
    bookmarks = list(_outline(pdf.outline))

    assert [title for depth, title in bookmarks if depth == 0] == [
        "Inhoud",
        "Inleiding",
        "Voortgang per verbeterafspraak",
        "Voortgang implementatiebreed",
        "Achtergrond",
        "Vervolg",
        "Bijlage: overzicht naar status",
    ]
    assert (1, "Thema: Diagnostiek") in bookmarks


def test_pdf_pages_have_a_cover_contents_and_page_numbers(pdf, rapportage):
    texts = [page.extract_text() for page in pdf.pages]
    page_count = len(pdf.pages)

    assert 5 <= page_count <= 10
    assert all(page.mediabox.width == pytest.approx(595.28, abs=0.1) for page in pdf.pages)
    assert "Eerste voortgangsrapportage" in texts[0]
    assert "pagina" not in texts[0]  # the cover has no running footer
    assert "Inhoud" in texts[1]
    assert "Voortgang per verbeterafspraak" in texts[1]
    for number, text in enumerate(texts[1:], start=2):
        assert f"pagina {number} van {page_count}" in text
    everything = "\n".join(texts)
    assert "Voorkom onnodige verwijzing" in everything
    assert "Er was geen financiering voor de richtlijnmodule." in everything


def test_pdf_embeds_its_fonts(pdf):
    """Every font is embedded, and it is the font shipped in static/fonts."""
    names = set()
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            names.add(str(font["/BaseFont"]))
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor)
    assert names
    assert all("Rapportage-Sans" in name for name in names), names


def test_implementation_wide_pdf_has_a_chapter_per_trajectory(implementatierapportage, afspraken):
    reader = PdfReader(io.BytesIO(render_pdf(render_html(build_content(implementatierapportage)))))

    chapters = [title for depth, title in _outline(reader.outline) if depth == 0]
    assert "Overzicht van de trajecten" in chapters
    assert "Diepe veneuze trombose en longembolie" in chapters


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/tracker.png",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "ftp://example.org/x",
        f"{portal_url()}rapportages/",
        f"{portal_url()}static/../portal/settings.py",
        f"{portal_url()}static/%2e%2e/portal/settings.py",
    ],
)
def test_the_pdf_renderer_fetches_nothing_but_our_static_files(url):
    with pytest.raises(ValueError):
        StaticURLFetcher().fetch(url)


def test_the_pdf_renderer_reads_our_static_files_and_data_urls():
    css = StaticURLFetcher().fetch(f"{portal_url()}static/css/rapportage-pdf.css")
    data = StaticURLFetcher().fetch("data:text/plain;base64,aGFsbG8=")

    assert css.content_type == "text/css"
    assert b"@page" in css.read()
    assert data.read() == b"hallo"


def test_cached_page_references_match_pydyf_and_follow_new_pages():
    pdf = pydyf.PDF()
    for _ in range(3):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    first = pdf.page_references
    assert first == rendering._uncached_page_references.fget(pdf)
    assert pdf.page_references is first  # not rebuilt while no page is added
    pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert pdf.page_references == rendering._uncached_page_references.fget(pdf)
    assert len(pdf.page_references) == 4


@pytest.fixture
def long_report(rapportage, dvt, niv, zn):
    """The 2022 report of `dvt` with four themes of four agreements, progress texts of
    different lengths and an indicator on every third agreement: some fifteen pages, whose
    breaks fall in many different places."""
    nummer = 0
    for thema_index in range(4):
        thema = ThemaFactory(traject=dvt, naam=f"Thema nummer {thema_index + 1}")
        for _ in range(4):
            nummer += 1
            afspraak = VerbeterafspraakFactory(
                traject=dvt,
                thema=thema,
                nummer=nummer,
                titel=f"Verbeter de zorg op punt {nummer} " + "met veel woorden " * (nummer % 4),
                regiehouder=niv,
                betrokken_partijen=[zn],
            )
            VoortgangsupdateFactory(
                verbeterafspraak=afspraak,
                peildatum=datetime.date(2022, 10, 1),
                status=Status.OP_SCHEMA if nummer % 5 else Status.VERTRAAGD,
                tekst=" ".join(
                    ["De werkgroep heeft dit jaar hard gewerkt."] * (3 + 7 * (nummer % 6))
                ),
                toelichting="Er was geen geld." if nummer % 5 == 0 else "",
                verwachte_datum=datetime.date(2025, 6, 30) if nummer % 5 == 0 else None,
            )
            if nummer % 3 == 0:
                indicator_with_figures(
                    dvt, afspraak, niv, f"Indicator van afspraak {nummer}", {2020: 41, 2021: 39}
                )
    return rapportage


def test_no_page_ends_on_a_heading_or_a_table_caption(long_report):
    """Each page's last line above the footer, as poppler reads it, is neither a heading nor a
    table's caption nor a paragraph set as a heading: those stay with what they introduce."""
    html = render_html(build_content(long_report), published=True)
    pages = page_lines(render_pdf(html))
    texts = headings_and_captions(html)

    assert len(pages) >= 10
    # The check sees what it looks for: every page but the cover has its footer, and the
    # report has a caption of each kind to find.
    assert sum(bool(FOOTER.search(lines[-1])) for lines in pages) == len(pages) - 1
    assert {"Thema: Thema nummer 4", "Indicator van afspraak 3: waarden per jaar"} <= texts
    assert last_lines_ending_on(pages, texts) == []


@pytest.mark.parametrize(
    ("titel", "regels"),
    [
        (
            "Eindevaluatie, Zinnige Zorg Artrose van knie en heup",
            ["Eindevaluatie, Zinnige Zorg", "Artrose van knie en heup"],
        ),
        (
            "Voortgangsrapportage implementatiefase Passende zorg 2022",
            ["Voortgangsrapportage", "implementatiefase", "Passende zorg 2022"],
        ),
        ("Kort <b>&</b>", ["Kort &lt;b&gt;&amp;&lt;/b&gt;"]),
    ],
)
def test_a_cover_title_breaks_into_lines_of_about_equal_width(titel, regels):
    spans = str(titelregels(titel))

    assert spans == " ".join(f'<span class="omslag__regel">{regel}</span>' for regel in regels)
