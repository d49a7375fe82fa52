"""Rendering a report: one template gives the HTML, and that same HTML gives the PDF.

WeasyPrint fetches nothing from the network: its URL fetcher serves our own static files and
`data:` URLs and refuses everything else, so a link typed into a progress text cannot make the
server fetch anything.
"""

import logging
import mimetypes
import posixpath
import threading
from collections.abc import Callable
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

import pydyf
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template import engines
from django.urls import reverse
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from afspraken.models import STATUS_LABELS, Indicator
from portal.core.memory import without_cyclic_gc

from . import jinja
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


def render_html(
    content: ReportContent,
    *,
    editie: Editie | None = None,
    published: bool = False,
    panel: str = "",
) -> str:
    """The report as a complete HTML document.

    `published` renders the published form (with `editie` on the cover); otherwise it is a
    concept and says so. Nothing depends on who asks, so the result can be stored as is;
    `panel` is HTML put above a concept in the browser (the editors' publishing panel).
    """
    rapportage = content.rapportage
    context = {
        "panel": Markup(panel),  # rendered by a template, escaped there
        "content": content,
        "rapportage": rapportage,
        "editie": editie,
        "concept": not published,
        "concept_pdf_url": reverse("rapportages:concept_pdf", kwargs={"pk": rapportage.pk}),
        "peildatum": jinja.datum(rapportage.peildatum),
        "peildatum_kort": jinja.datum_kort(rapportage.peildatum),
        "status_labels": STATUS_LABELS,
        "richting_labels": dict(Indicator.Richting.choices),
        # Unhashed paths: a stored edition must keep finding its stylesheet after a deploy.
        "static_prefix": static_prefix(),
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
    options = {"pdf_variant": PDF_VARIANT}
    with _weasyprint_progress(progress):
        # What `HTML.write_pdf` does, in its two steps, so that the page count is known between.
        document = source.render(font_config=FontConfiguration(), **options)
        if progress is not None:
            progress(fase="pdf", paginas=len(document.pages))
        pdf = document.write_pdf(**options)
    # The laid-out pages take far more memory than the PDF: let them go before anything else.
    del document, source
    return pdf


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
