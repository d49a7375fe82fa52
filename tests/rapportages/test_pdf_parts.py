"""A large report laid out in parts and joined (rendering.render_pdf_in_parts, pdf_join): the
same document as laid out in one go, with one structure tree, its links and bookmarks."""

import datetime
import io
from collections import Counter

import pikepdf
import pytest
from pypdf import PdfReader

from afspraken.models import Status
from rapportages import rendering
from rapportages.content import build_content
from rapportages.rendering import render_html, render_pdf, render_pdf_in_parts
from rapportages.services import publiceer_rapportage
from tests.factories import (
    FaseperiodeFactory,
    ThemaFactory,
    TrajectFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)
from trajecten.models import Faseperiode

LONG_TEXT = " ".join(["De werkgroep heeft de module besproken met alle betrokken partijen."] * 12)


@pytest.fixture
def trajecten(db):
    """Three trajectories in their implementatiefase in 2022, each a few pages long."""
    trajecten = []
    for n, naam in enumerate(["Artrose van knie en heup", "Lage rugpijn", "Longkanker"]):
        traject = TrajectFactory(naam=naam, slug=f"traject-{n}")
        FaseperiodeFactory(
            traject=traject,
            fase=Faseperiode.Fase.IMPLEMENTATIE,
            startdatum=datetime.date(2021, 1, 1),
        )
        thema = ThemaFactory(traject=traject, naam=f"Thema van {naam}", volgorde=1)
        for nummer in range(1, 7):
            afspraak = VerbeterafspraakFactory(traject=traject, thema=thema, nummer=nummer)
            VoortgangsupdateFactory(
                verbeterafspraak=afspraak,
                peildatum=datetime.date(2022, 6, nummer),
                status=Status.OP_SCHEMA,
                tekst=LONG_TEXT,
            )
        trajecten.append(traject)
    return trajecten


@pytest.fixture
def content(implementatierapportage, trajecten):
    return build_content(implementatierapportage)


@pytest.fixture
def whole(content):
    return render_pdf(render_html(content))


@pytest.fixture
def joined(content):
    return render_pdf_in_parts(content)


def _outline(items, depth=0):
    for item in items:
        if isinstance(item, list):
            yield from _outline(item, depth + 1)
        else:
            yield depth, item.title


def _links(pdf: pikepdf.Pdf) -> list[tuple[int, str, int]]:
    """(page, name, page of its destination) of every internal link, pages from 0."""
    pages = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
    destinations = dict(pikepdf.NameTree(pdf.Root.Names.Dests).items())
    return [
        (n, str(annotation.Dest), pages[destinations[str(annotation.Dest)][0].objgen])
        for n, page in enumerate(pdf.pages)
        for annotation in page.obj.get("/Annots", ())
        if "/Dest" in annotation
    ]


def _structure(pdf: pikepdf.Pdf) -> Counter:
    """The roles in the structure tree, walked from its root; fails on an element with another
    parent than the one it is found under, or found twice."""
    root = pdf.Root.StructTreeRoot
    roles, seen = Counter(), set()
    todo = [(element, root) for element in root.K]
    while todo:
        element, parent = todo.pop()
        assert element.objgen not in seen
        seen.add(element.objgen)
        assert element.P.objgen == parent.objgen
        roles[str(element.S)] += 1
        todo.extend(
            (kid, element)
            for kid in element.K
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem"
        )
    return roles


def test_a_report_in_parts_has_the_pages_text_and_bookmarks_of_the_whole(content, whole, joined):
    assert len(content.chapters) == 3
    whole, joined = PdfReader(io.BytesIO(whole)), PdfReader(io.BytesIO(joined))

    assert len(joined.pages) == len(whole.pages) > 8
    assert [page.extract_text().rstrip() for page in joined.pages] == [
        page.extract_text().rstrip() for page in whole.pages
    ]
    assert list(_outline(joined.outline)) == list(_outline(whole.outline))
    chapters = [title for depth, title in _outline(joined.outline) if depth == 0]
    assert chapters == [
        "Inhoud",
        "Inleiding",
        "Overzicht van de trajecten",
        "Artrose van knie en heup",
        "Lage rugpijn",
        "Longkanker",
        "Vervolg",
    ]


def test_a_report_in_parts_numbers_its_pages_throughout(joined, implementatierapportage):
    reader = PdfReader(io.BytesIO(joined))
    texts = [page.extract_text() for page in reader.pages]
    total = len(texts)

    assert "pagina" not in texts[0]  # the cover
    for number, text in enumerate(texts[1:], start=2):
        assert f"pagina {number} van {total}" in text
        assert implementatierapportage.titel in text  # the running header
    # Each chapter starts a page of its own, named in the header from there on.
    starts = {
        title: next(n for n, text in enumerate(texts) if f"{title}\n" in text and n > 2)
        for title in ("Lage rugpijn", "Longkanker")
    }
    assert starts["Lage rugpijn"] < starts["Longkanker"]


def test_the_contents_and_links_of_a_report_in_parts_land_where_they_did(whole, joined):
    links = _links(pikepdf.open(io.BytesIO(joined)))

    assert links == _links(pikepdf.open(io.BytesIO(whole)))
    contents = {name: page for n, name, page in links if n == 1}
    assert set(contents) == {
        "inleiding",
        "overzicht",
        "traject-0-traject",
        "traject-1-traject",
        "traject-2-traject",
        "vervolg",
    }
    assert contents["traject-0-traject"] < contents["traject-1-traject"] < contents["vervolg"]
    # The number the contents print is the page the link leads to.
    lines = PdfReader(io.BytesIO(joined)).pages[1].extract_text().splitlines()
    for title, name in [("Lage rugpijn", "traject-1-traject"), ("Vervolg", "vervolg")]:
        line = next(line for line in lines if line.startswith(title))
        assert line.rstrip().endswith(f" {contents[name] + 1}"), line


def test_a_report_in_parts_has_one_structure_tree_with_every_chapter(whole, joined):
    whole, joined = pikepdf.open(io.BytesIO(whole)), pikepdf.open(io.BytesIO(joined))

    roles = _structure(joined)
    assert len(joined.Root.StructTreeRoot.K) == 1
    assert roles == _structure(whole)
    # Per chapter a status table and a phase table, and the overview table.
    assert roles["/Table"] == 3 * 2 + 1
    assert roles["/H2"] == 7  # contents, introduction, overview, three chapters, closing
    ids = [
        str(element.ID)
        for element in joined.objects
        if isinstance(element, pikepdf.Dictionary) and "/ID" in element and "/S" in element
    ]
    assert ids and len(ids) == len(set(ids))


def test_the_parent_tree_of_a_report_in_parts_is_consistent(joined):
    """What a PDF/UA checker asks of it: every page and link annotation has its own key in
    the parent tree, which leads to elements on that page and to the annotation's element."""
    pdf = pikepdf.open(io.BytesIO(joined))
    nums = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
    keys = [int(key) for key in nums[::2]]
    tree = dict(zip(keys, nums[1::2], strict=True))

    assert keys == sorted(set(keys))
    assert int(pdf.Root.StructTreeRoot.ParentTreeNextKey) > keys[-1]
    page_keys = [int(page.obj.StructParents) for page in pdf.pages]
    assert len(set(page_keys)) == len(pdf.pages)
    for page in pdf.pages:
        assert all(element.Pg.objgen == page.obj.objgen for element in tree[page.obj.StructParents])
        for annotation in page.obj.get("/Annots", ()):
            element = tree[int(annotation.StructParent)]
            assert any(
                isinstance(kid, pikepdf.Dictionary) and kid.Obj.objgen == annotation.objgen
                for kid in element.K
            )


def test_a_report_in_parts_keeps_its_language_title_and_fonts(whole, joined):
    reader = PdfReader(io.BytesIO(joined))
    root = reader.trailer["/Root"]

    assert reader.metadata == PdfReader(io.BytesIO(whole)).metadata
    assert reader.metadata.title == "Voortgangsrapportage implementatiefase 2022 (concept)"
    assert root["/Lang"] == "nl"
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"]
            assert "Rapportage-Sans" in str(font["/BaseFont"])


def test_the_page_footer_of_a_report_in_parts_is_an_artifact(joined):
    """Drawn last on every page, from a form of its own, marked as an artifact (PDF/UA)."""
    pdf = pikepdf.open(io.BytesIO(joined))

    for page in pdf.pages[1:3]:
        drawn = [
            operands[0]
            for operands, operator in pikepdf.parse_content_stream(page)
            if operator == pikepdf.Operator("Do")
        ]
        footer = page.Resources.XObject[drawn[-1]]
        assert footer.Subtype == "/Form"
        assert footer.read_bytes().startswith(b"/Artifact BMC")


def test_progress_counts_the_pages_of_the_whole_report(content):
    heard = []

    pdf = render_pdf_in_parts(content, progress=lambda **values: heard.append(values))

    total = len(PdfReader(io.BytesIO(pdf)).pages)
    pages = [values["pagina"] for values in heard if values["fase"] == "opmaak"]
    assert pages[-1] == max(pages) == total
    assert heard[-1] == {"fase": "pdf", "paginas": total}


def test_a_large_implementation_wide_report_is_published_in_parts(
    implementatierapportage, trajecten, staff, monkeypatch
):
    monkeypatch.setattr(rendering, "PARTS_FROM", 3)
    used = []
    monkeypatch.setattr(
        rendering,
        "render_pdf_in_parts",
        lambda content, **options: used.append(content) or render_pdf_in_parts(content, **options),
    )

    editie = publiceer_rapportage(rapportage=implementatierapportage, user=staff)

    assert used
    reader = PdfReader(io.BytesIO(bytes(editie.pdf)))
    total = len(reader.pages)
    assert f"pagina {total} van {total}" in reader.pages[-1].extract_text()
    assert f"Editie {editie.nummer}" in reader.pages[0].extract_text()


def test_a_small_implementation_wide_report_is_laid_out_in_one_go(
    implementatierapportage, trajecten, staff, monkeypatch
):
    monkeypatch.setattr(
        rendering, "render_pdf_in_parts", lambda *args, **kwargs: pytest.fail("in parts")
    )

    publiceer_rapportage(rapportage=implementatierapportage, user=staff)
