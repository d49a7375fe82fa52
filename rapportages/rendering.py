"""Rendering a report: one template gives the HTML, and that same HTML gives the PDF.

WeasyPrint fetches nothing from the network: its URL fetcher serves our own static files and
`data:` URLs and refuses everything else, so a link typed into a progress text cannot make the
server fetch anything.
"""

import mimetypes
import posixpath
from urllib.parse import unquote, urlsplit

import pydyf
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

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
    request=None,
    publishing: dict | None = None,
) -> str:
    """The report as a complete HTML document.

    `published` renders the published form (with `editie` on the cover); otherwise it is a
    concept and says so. Without `request` nothing depends on who asks, so the result can be
    stored as is; `publishing` adds the staff's publishing form to a concept in the browser.
    """
    context = {
        "publishing": publishing,
        "content": content,
        "rapportage": content.rapportage,
        "editie": editie,
        "concept": not published,
        # Unhashed paths: a stored edition must keep finding its stylesheet after a deploy.
        "static_prefix": static_prefix(),
    }
    with translation.override("nl"):
        return render_to_string(TEMPLATE, context, request=request)


def render_pdf(html: str) -> bytes:
    """A tagged PDF/UA-1 document of A4 pages from the report's HTML; seconds for a large one."""
    # The stylesheets are the document's own links (rapportage-pdf.css is its print stylesheet),
    # fetched from our static files.
    document = HTML(string=html, base_url=portal_url(), url_fetcher=StaticURLFetcher())
    return document.write_pdf(font_config=FontConfiguration(), pdf_variant=PDF_VARIANT)


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
