"""Rendering a report: one template gives the HTML, and that same HTML gives the PDF.

WeasyPrint fetches nothing from the network: its URL fetcher serves our own static files and
`data:` URLs and refuses everything else, so a link typed into a progress text cannot make the
server fetch anything.
"""

import gc
import logging
import mimetypes
import posixpath
import re
import tempfile
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pydyf
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template import engines
from django.urls import reverse
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from afspraken.models import STATUS_LABELS, Indicator
from portal.core.memory import collecting_new_only, without_cyclic_gc

from . import jinja, pdf_join, pdf_ua
from .content import ReportContent
from .models import Editie


def _page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
    """pydyf's `PDF.page_references`, rebuilt only when a page has been added.

    pydyf 0.13 builds the tuple of all page references anew on every access, and WeasyPrint's
    PDF/UA tagging reads it once per tagged element, which makes a tagged PDF quadratic in its
    page count (a quarter of the time of a 600-page report went here). The cache is keyed on the
    number of pages, so it is never stale, and lives on the PDF object, so it ends with it.
    """
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_page_references_cache")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), _uncached_page_references.fget(pdf))
        pdf.__dict__["_page_references_cache"] = cached
    return cached[1]


_uncached_page_references = pydyf.PDF.page_references
pydyf.PDF.page_references = property(_page_references)

TEMPLATE = "rapportages/rapportage_document.html"
PDF_VARIANT = "pdf/ua-1"


def portal_url() -> str:
    """The public address of the portal, for links in the PDF (which has no request)."""
    url = getattr(settings, "PORTAAL_URL", "http://127.0.0.1:8000/")
    return url if url.endswith("/") else f"{url}/"


def static_prefix() -> str:
    return "/" + settings.STATIC_URL.strip("/") + "/"


STYLESHEETS = {"scherm": "css/rapportage.css", "print": "css/rapportage-pdf.css"}
"""The report's stylesheets: for the screen, and for paper and the PDF on top of it."""

CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")


def inline_stylesheets() -> dict[str, Markup]:
    """The report's stylesheets as they are now, for the `<style>` elements of a published
    edition: an edition carries its own looks, so a later change of style leaves it as it was.

    Their `url(...)`s are relative to the stylesheet's own address; inside the document they
    would be relative to the page's, so they are made absolute paths into the static files.
    """
    sheets = {}
    for name, path in STYLESHEETS.items():
        with open(finders.find(path), encoding="utf-8") as fh:
            css = fh.read()
        own_url = static_prefix() + path

        def absolute(match, own_url=own_url):
            quote, url = match.groups()
            if urlsplit(url).scheme or url.startswith("/"):
                return match.group(0)
            return f"url({quote}{urljoin(own_url, url)}{quote})"

        if "</" in css:  # would end the `<style>` element early
            raise ValueError(f"{path} kan niet in een <style>-element.")
        sheets[name] = Markup(CSS_URL.sub(absolute, css))  # our own file, not escaped
    return sheets


def render_html(
    content: ReportContent,
    *,
    editie: Editie | None = None,
    published: bool = False,
    panel: str = "",
    kop: str = "",
    deel: str | int | None = None,
    paginanummers: dict[str, int | str] | None = None,
) -> str:
    """The report as a complete HTML document.

    `published` renders the published form (with `editie` on the cover); otherwise it is a
    concept and says so, with the state of the year's reporting round if the content has it.
    Nothing depends on who asks, so the result can be stored as is; `panel` is HTML put above
    a concept in the browser (the editors' publishing panel), and `kop` the portal's header
    instead of the report's own.
    `deel` and `paginanummers` render one part of a report laid out in parts
    (`render_pdf_in_parts`).
    """
    rapportage = content.rapportage
    context = {
        "panel": Markup(panel),  # rendered by a template, escaped there
        "kop": Markup(kop),
        "content": content,
        "rapportage": rapportage,
        "editie": editie,
        "concept": not published,
        # An edition never says what a round still waits for: it is what the round came to.
        "uitvraag": None if published else content.uitvraag,
        "concept_pdf_url": reverse("rapportages:concept_pdf", kwargs={"pk": rapportage.pk}),
        "peildatum": jinja.datum(rapportage.peildatum),
        "peildatum_kort": jinja.datum_kort(rapportage.peildatum),
        "status_labels": STATUS_LABELS,
        "richting_labels": dict(Indicator.Richting.choices),
        # A published edition carries its stylesheets (serving.py allows exactly those in its
        # Content-Security-Policy); a concept links the current ones.
        "stijl": inline_stylesheets() if published else None,
        "static_prefix": static_prefix(),
        "portaal_url": portal_url().rstrip("/"),
        "deel": deel,
        "paginanummers": paginanummers or {},
    }
    with without_cyclic_gc():  # tens of thousands of strings, none in a cycle
        return engines["jinja2"].get_template(TEMPLATE).render(context)


def render_pdf(html: str, *, progress: Callable[..., None] | None = None) -> bytes:
    """A tagged PDF/UA-1 document of A4 pages from the report's HTML; seconds for a large one.

    `progress`, when given, is told what WeasyPrint is doing: `progress(fase="opmaak",
    pagina=n)` as it lays out page n (again from 1 when it repaginates for the page numbers in
    the contents), then `progress(fase="pdf", paginas=total)` when it writes the PDF.
    """
    # The stylesheets are the document's own links (rapportage-pdf.css is its print stylesheet),
    # fetched from our static files.
    source = HTML(string=html, base_url=portal_url(), url_fetcher=StaticURLFetcher())
    options = {"pdf_variant": PDF_VARIANT, "custom_metadata": True}
    with _weasyprint_progress(progress):
        # What `HTML.write_pdf` does, in its two steps, so that the page count is known between.
        document = source.render(font_config=FontConfiguration(), **options)
        if progress is not None:
            progress(fase="pdf", paginas=len(document.pages))
        pdf = document.write_pdf(**options)
    # The laid-out pages take far more memory than the PDF: let them go before anything else.
    del document, source
    return pdf


PARTS_FROM = 10
"""An implementation-wide report of this many trajectories or more is laid out in parts."""


def render_report_pdf(
    content: ReportContent,
    *,
    html: str,
    editie: Editie | None = None,
    published: bool = False,
    progress: Callable[..., None] | None = None,
) -> bytes:
    """The report's PDF: `html` (its `render_html`) in one go, or a large implementation-wide
    report in parts (`render_pdf_in_parts`), which looks the same and takes far less memory."""
    if content.rapportage.is_implementatiebreed and len(content.chapters) >= PARTS_FROM:
        pdf = render_pdf_in_parts(content, editie=editie, published=published, progress=progress)
    else:
        pdf = render_pdf(html, progress=progress)
    return pdf_ua.mend(pdf)  # header cells' scope, the cover's artwork as an artifact


def render_pdf_in_parts(
    content: ReportContent,
    *,
    editie: Editie | None = None,
    published: bool = False,
    progress: Callable[..., None] | None = None,
) -> bytes:
    """The PDF of an implementation-wide report laid out a part at a time: the document that
    `render_pdf(render_html(...))` gives, in the memory of its largest part and the join.

    The parts are the cover with the contents, the introduction with the overview, and each
    chapter, the last with the closing section; each begins on a new page in the whole document
    too. The contents need the page of every section after them, and their own length moves
    them all: so they are laid out with stand-in numbers to learn their length, then the other
    parts, each written to a PDF of its own and let go, then the contents once more with the
    real numbers (and again should their length have changed). The overview, with a row per
    indicator, is the longest part and the slowest to lay out by far (a table of a hundred
    pages), so it is a part of its own, laid out once. `pdf_join.join` makes them one
    document. `progress` hears the pages of the whole document as they are laid out.
    """
    progress = progress or _no_progress
    chapters = [f"{chapter.anchor}traject" for chapter in content.chapters]
    targets = ["inleiding", "overzicht", *chapters, "vervolg"]
    stand_ins = dict.fromkeys(chapters, 0)  # for the links of the overview to the chapters
    font_config = FontConfiguration()
    part_css = CSS(string=_part_css(content.rapportage.titel))

    def lay_out(first_page: int | None, **part):
        html = render_html(content, editie=editie, published=published, **part)
        source = HTML(string=html, base_url=portal_url(), url_fetcher=StaticURLFetcher())
        callback = None
        if first_page is not None:

            def callback(**values):
                progress(**{**values, "pagina": first_page + values["pagina"]})

        with _weasyprint_progress(callback):
            return source.render(
                font_config=font_config, stylesheets=[part_css], pdf_variant=PDF_VARIANT
            )

    # The content outlives every part: the collections that free the parts skip it.
    with tempfile.TemporaryDirectory(prefix="rapportage-pdf-") as folder, collecting_new_only():
        folder = Path(folder)
        front = lay_out(0, deel="inhoud", paginanummers=dict.fromkeys(targets, 0))
        front_pages = len(front.pages)
        del front
        parts, body_pages, found = [], 0, {}
        for index, deel in enumerate(["inleiding", *range(len(content.chapters))], start=1):
            own = stand_ins if deel == "inleiding" else {}
            document = lay_out(front_pages + body_pages, deel=deel, paginanummers=own)
            for number, page in enumerate(document.pages, start=body_pages + 1):
                for name in page.anchors.keys() & set(targets) - own.keys():
                    found.setdefault(name, number)
            parts.append(folder / f"deel-{index}.pdf")
            document.write_pdf(parts[-1], pdf_variant=PDF_VARIANT)
            body_pages += len(document.pages)
            del document
            gc.collect()  # a laid-out part is full of cycles: free it before the next
        for _ in range(3):
            progress(fase="pdf", paginas=front_pages + body_pages)
            numbers = {name: front_pages + number for name, number in found.items()}
            front = lay_out(None, deel="inhoud", paginanummers=numbers)
            if len(front.pages) == front_pages:
                break
            front_pages = len(front.pages)
        else:
            raise RuntimeError("De lengte van de inhoudsopgave verandert met de paginanummers.")
        parts.insert(0, folder / "deel-0.pdf")
        # The first part's document information is the whole PDF's (pdf_join).
        front.write_pdf(parts[0], pdf_variant=PDF_VARIANT, custom_metadata=True)
        del front
        footer = folder / "paginavoet.pdf"
        _footer_document(front_pages + body_pages, font_config).write_pdf(footer)
        gc.collect()
        return pdf_join.join(parts, footer=footer)


def _no_progress(**values) -> None:
    pass


def _part_css(titel: str) -> str:
    """What a part of a report laid out in parts changes: no page footer (`_footer_document`
    draws it), and the document title in the header without the cover that sets it."""
    titel = " ".join(titel.split()).replace("\\", "\\\\").replace('"', '\\"')
    return f"""
        @page {{
          @bottom-left {{ content: none !important; }}
          @bottom-right {{ content: none !important; }}
        }}
        .document {{ string-set: documenttitel "{titel}" !important; }}
    """


FOOTER_CSS = """
    html, body { background: none !important; }
    .pagina:first-child { page: omslag !important; }
    .pagina + .pagina { break-before: page !important; }
    @page {
      @top-left { content: none !important; }
      @top-right { content: none !important; }
    }
"""


def _footer_document(pages: int, font_config: FontConfiguration):
    """`pages` pages with nothing but the report's page footers, by its own `@page` rules: the
    first is the cover, without one."""
    prefix = static_prefix()
    html = (
        '<!DOCTYPE html><html lang="nl"><head>'
        f'<link rel="stylesheet" href="{prefix}css/rapportage.css">'
        f'<link rel="stylesheet" href="{prefix}css/rapportage-pdf.css" media="print">'
        "</head><body>" + '<div class="pagina"></div>' * pages + "</body></html>"
    )
    source = HTML(string=html, base_url=portal_url(), url_fetcher=StaticURLFetcher())
    return source.render(font_config=font_config, stylesheets=[CSS(string=FOOTER_CSS)])


_progress = threading.local()


class _ProgressHandler(logging.Handler):
    """Passes WeasyPrint's progress messages to the callback of the render in this thread."""

    def emit(self, record):
        callback = getattr(_progress, "callback", None)
        if callback is None or record.msg != "Step 5 - Creating layout - Page %d":
            return
        try:
            callback(fase="opmaak", pagina=int(record.args[0]))
        except Exception:  # progress is a courtesy: it never stops the render
            self.handleError(record)


_progress_logger = logging.getLogger("weasyprint.progress")
_progress_logger.addHandler(_ProgressHandler())
_progress_logger.setLevel(logging.INFO)
# Its messages reach only that handler: not the console, which would get one line per page.
_progress_logger.propagate = False


@contextmanager
def _weasyprint_progress(callback):
    _progress.callback = callback
    try:
        yield
    finally:
        _progress.callback = None


class StaticURLFetcher(URLFetcher):
    """Serves the portal's static files from disk and `data:` URLs; refuses anything else."""

    def __init__(self):
        super().__init__(allowed_protocols={"data", "http", "https"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = self.static_path(url)
        if path is None:
            raise ValueError(f"Niet toegestaan in een rapportage: {url}")
        found = finders.find(path)
        if not found:
            raise ValueError(f"Geen statisch bestand: {path}")
        with open(found, "rb") as fh:
            data = fh.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, data, {"Content-Type": content_type})

    @staticmethod
    def static_path(url: str) -> str | None:
        """The static file's relative path when the URL points into our static files."""
        base = urlsplit(portal_url())
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            return None
        path = posixpath.normpath(unquote(parts.path))
        prefix = static_prefix()
        if not path.startswith(prefix) or ".." in path.split("/"):
            return None
        return path.removeprefix(prefix)
