"""Every report PDF passes an independent PDF/UA-1 check (`pdfua`, the machine-checkable part):
no error, no warning. What it cannot check (reading order, fonts, alternative texts making
sense) still needs a person; the README says so."""

import io
import re
import subprocess
from html import unescape

import pdfua
import pikepdf
import pytest
from django.core.management import call_command

from rapportages import pdf_ua
from rapportages.models import Editie
from rapportages.services import publiceer_rapportage
from tests import toegankelijkheid


def findings(pdf: bytes, tmp_path, name="rapportage.pdf"):
    path = tmp_path / name
    path.write_bytes(pdf)
    report = pdfua.validate(str(path))
    return [
        (finding.rule_id, finding.severity.name, finding.message)
        for finding in report.findings
        if finding.severity >= pdfua.Severity.WARNING
    ]


@pytest.mark.django_db
def test_every_demo_report_passes_pdfua(settings, tmp_path):
    settings.DEBUG = True
    call_command("loaddemo", stdout=io.StringIO())
    edities = list(Editie.objects.order_by("pk"))
    assert len(edities) >= 5
    for editie in edities:
        found = findings(bytes(editie.pdf), tmp_path, f"editie-{editie.pk}.pdf")
        toegankelijkheid.record_pdfua(
            editie.titel,
            sum(severity == "ERROR" for _rule, severity, _message in found),
            sum(severity == "WARNING" for _rule, severity, _message in found),
        )
        assert found == [], editie.titel


def test_header_cells_get_their_scope_and_the_cover_art_is_an_artifact(
    rapportage, afspraken, staff, tmp_path
):
    editie = publiceer_rapportage(rapportage=rapportage, user=staff)
    with pikepdf.open(io.BytesIO(bytes(editie.pdf))) as document:
        scopes = {}
        for element, parent in pdf_ua._structure_elements(document):
            if element.S == pikepdf.Name.TH:
                section = str(parent.get("/P").S)  # the row's parent: THead, TBody or TFoot
                scopes.setdefault(section, set()).add(str(element.A.Scope))
        assert scopes["/THead"] == {"/Column"}
        assert scopes["/TBody"] == {"/Row"}
        # Nothing on the cover is painted outside marked content.
        depth = 0
        for _operands, operator in pikepdf.parse_content_stream(document.pages[0]):
            depth += {"BMC": 1, "BDC": 1, "EMC": -1}.get(str(operator), 0)
            assert not (depth == 0 and str(operator) in pdf_ua.PAINTS)


def test_mending_twice_changes_nothing_more(rapportage, afspraken, staff, tmp_path):
    editie = publiceer_rapportage(rapportage=rapportage, user=staff)
    once = bytes(editie.pdf)
    twice = pdf_ua.mend(once)
    with pikepdf.open(io.BytesIO(once)) as a, pikepdf.open(io.BytesIO(twice)) as b:
        assert len(a.pages) == len(b.pages)
        assert pikepdf.parse_content_stream(a.pages[0]) and str(
            pikepdf.unparse_content_stream(pikepdf.parse_content_stream(a.pages[0]))
        ) == str(pikepdf.unparse_content_stream(pikepdf.parse_content_stream(b.pages[0])))
    assert findings(twice, tmp_path) == []


def test_the_reading_order_of_the_pdf_follows_the_html(rapportage, afspraken, staff, tmp_path):
    """The text as the PDF's content streams give it (what a reader without the tags gets, and
    what the tags point into) has the headings in the order of the HTML."""
    editie = publiceer_rapportage(rapportage=rapportage, user=staff)
    path = tmp_path / "rapportage.pdf"
    path.write_bytes(bytes(editie.pdf))
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(text.split())
    headings = [
        " ".join(unescape(re.sub(r"<[^>]+>", "", inner)).split())
        for inner in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", editie.html, flags=re.S)
    ]
    headings = [heading for heading in headings if heading]
    assert len(headings) >= 8
    position = 0
    for heading in headings:
        found = text.find(heading, position)
        assert found >= 0, f"{heading!r} is missing, or out of order, in the PDF's text"
        position = found + len(heading)
