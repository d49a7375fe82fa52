"""Reading a PDF in tests: its structure tree, and its text page by page."""

import re
import subprocess

import lxml.html
from pypdf import PdfReader

# The running footer of a report's page (rapportage-pdf.css): the last line of all but the cover.
FOOTER = re.compile(r"pagina \d+ van \d+$")


def figure_alts(reader: PdfReader) -> list[str]:
    """The alternative text of every Figure element in the structure tree, in document order."""
    alts = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid)
        elif hasattr(node, "get"):
            if node.get("/S") == "/Figure":
                alts.append(str(node.get("/Alt", "")))
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return alts


def page_lines(pdf: bytes) -> list[list[str]]:
    """The lines of text on each page, top to bottom, as poppler's `pdftotext -layout` sees
    them (by position on the page, not by order in the content stream), each with its runs of
    spaces made one."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    pages = text.split("\f")[:-1]  # a form feed ends every page
    return [
        [" ".join(line.split()) for line in page.splitlines() if line.strip()] for page in pages
    ]


def headings_and_captions(html: str) -> set[str]:
    """The text of every heading, table caption and `tussenkop` (a paragraph set as a
    heading) in a report's HTML, its white space made one: what introduces what follows it. Not
    a figure's caption, which follows its figure and may well end a page."""
    tree = lxml.html.fromstring(html)
    elements = tree.xpath(
        "//h1 | //h2 | //h3 | //h4 | //h5 | //h6 | //caption"
        " | //*[contains(concat(' ', normalize-space(@class), ' '), ' tussenkop ')]"
    )
    return {" ".join(element.text_content().split()) for element in elements}


def last_lines_ending_on(pages: list[list[str]], texts: set[str]) -> list[tuple[int, str]]:
    """(page number, text) for every page but the last whose last line of the body, above the
    running footer, ends one of `texts`: a heading or caption the page ends on, parted from
    what it introduces. Up to three lines are joined, for a text that wraps."""
    found = []
    for number, lines in enumerate(pages[:-1], start=1):
        body = [line for line in lines if not FOOTER.search(line)]
        for count in (1, 2, 3):
            tail = " ".join(body[-count:])
            if tail in texts:
                found.append((number, tail))
                break
    return found
