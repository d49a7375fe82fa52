"""Serving a published edition: stored bytes that never change, so served cheaply.

An edition's numbered address always gives the same bytes, so browsers and proxies may keep it
for a year without asking again (`immutable`); the address of "the latest edition" moves when a
new edition is published, so it is kept for minutes. Both carry the stored checksum as a strong
ETag, answer a repeated request with 304 without loading the document, and a PDF serves byte
ranges, so that a reader can show page one of a large report before the rest has arrived.

The database holds every edition and is the only source of truth. Each app server keeps a copy
of the documents it served in a local cache folder (EDITIE_CACHE_DIR, outside the code): named
by their SHA-256, so a copy is either the right bytes or absent, never stale, and any server may
lose its folder at any time. The copy is sent as a static file is (the server's sendfile),
instead of 150 kB or megabytes coming out of the database as hex on every request.

Which edition an address means costs one small query. For a numbered address each worker
process remembers the answer for NUMBERED_RECHECK_SECONDS: the edition cannot change, and an
edition that was taken out of the database (by hand: the portal offers no way) is no longer
served after that time. The latest-edition address asks the database every time, so a new
edition shows at once. Anonymous visitors get these answers early in the middleware
(`rapportages.middleware.published_editions`); nothing here touches the session.

An edition's HTML carries its own stylesheets in `<style>` elements (rendering.py), so that it
looks as it did when published. The portal's Content-Security-Policy allows no inline style, so
the answer's policy allows exactly those elements, by their SHA-256: read from the document
once per worker process and remembered by its checksum, which names its bytes for good.
"""

import base64
import hashlib
import io
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.cache import get_conditional_response

from trajecten.models import Traject

from .models import Editie, Rapportage

IMMUTABLE = "public, max-age=31536000, immutable"
LATEST = "public, max-age=300"
CONTENT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
# One range of bytes: `bytes=0-499`, `bytes=500-` or the last 500 bytes `bytes=-500`. Anything
# else (several ranges, other units) is ignored and the whole document is served, as HTTP allows.
SINGLE_RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})\Z")
# How long a worker trusts what it found at a numbered address before asking the database again,
# and how many addresses it remembers (an address is remembered only when it has an edition).
NUMBERED_RECHECK_SECONDS = 60
NUMBERED_REMEMBERED = 2000
STYLE_ELEMENT = re.compile(rb"<style[^>]*>(.*?)</style>", re.DOTALL)


@dataclass(frozen=True, slots=True)
class EditieDocument:
    """What serving one document of an edition needs to know, without its bytes."""

    pk: int
    nummer: int
    checksum: str
    filename: str  # of the PDF download, without extension


# (jaar, slug, nummer, document) -> (EditieDocument, monotonic time until which it is trusted)
_numbered: dict[tuple, tuple[EditieDocument, float]] = {}
# checksum of an edition's HTML -> the CSP sources of its `<style>` elements
_style_sources: dict[str, tuple[str, ...]] = {}


def forget_addresses() -> None:
    """Forget what this process remembered of numbered addresses (tests start afresh)."""
    _numbered.clear()
    _style_sources.clear()


def style_sources(found: EditieDocument, copy) -> tuple[str, ...]:
    """The hash sources (`'sha256-...'`) of the `<style>` elements in the head of an edition's
    HTML, `copy` opened at its start and left there; none for an edition that links its
    stylesheets (published before editions carried them)."""
    sources = _style_sources.get(found.checksum)
    if sources is None:
        head = b""
        while b"</head>" not in head and (chunk := copy.read(65536)):
            head += chunk
        copy.seek(0)
        head = head.split(b"</head>", 1)[0]
        sources = tuple(
            f"'sha256-{base64.b64encode(hashlib.sha256(css).digest()).decode()}'"
            for css in STYLE_ELEMENT.findall(head)
        )
        if len(_style_sources) >= NUMBERED_REMEMBERED:
            _style_sources.clear()
        _style_sources[found.checksum] = sources
    return sources


def address_lookup(*, jaar: int | None, slug: str | None) -> dict:
    """Filter on `Editie` for the report at an address: without `slug` the implementation-wide
    report of `jaar`, without `jaar` the trajectory's end evaluation."""
    if slug is None:
        return {"rapportage__soort": Rapportage.Soort.IMPLEMENTATIE, "rapportage__jaar": jaar}
    if jaar is None:
        return {
            "rapportage__soort": Rapportage.Soort.EINDEVALUATIE,
            "rapportage__traject__slug": slug,
        }
    return {
        "rapportage__soort": Rapportage.Soort.TRAJECT,
        "rapportage__traject__slug": slug,
        "rapportage__jaar": jaar,
    }


def find_document(
    *, jaar: int | None, slug: str | None, nummer: int | None, document: str
) -> EditieDocument | None:
    """The document of the numbered or else the latest edition at the address."""
    key = (jaar, slug, nummer, document)
    if nummer is not None:
        remembered = _numbered.get(key)
        if remembered is not None and time.monotonic() < remembered[1]:
            return remembered[0]
    edities = Editie.objects.filter(**address_lookup(jaar=jaar, slug=slug))
    if nummer is not None:
        edities = edities.filter(nummer=nummer)
    row = (
        edities.order_by("-nummer")
        .values_list("pk", "nummer", f"{document}_sha256", "rapportage__soort")
        .first()
    )
    if row is None:
        _numbered.pop(key, None)
        return None
    pk, found_nummer, checksum, soort = row
    rapportage = Rapportage(soort=soort, jaar=jaar)
    if slug is not None:
        rapportage.traject = Traject(slug=slug)
    found = EditieDocument(pk, found_nummer, checksum, rapportage.filename())
    if nummer is not None:
        if len(_numbered) >= NUMBERED_REMEMBERED:
            _numbered.clear()
        _numbered[key] = (found, time.monotonic() + NUMBERED_RECHECK_SECONDS)
    return found


def serve_published(
    request, *, jaar: int | None, slug: str | None, nummer: int | None, document: str
) -> HttpResponse | None:
    """The answer for a published edition's document at its address; None when there is none.

    The one way an edition is served: by the view, and for anonymous visitors earlier by
    `rapportages.middleware.published_editions`, which leaves None to the view.
    """
    found = find_document(jaar=jaar, slug=slug, nummer=nummer, document=document)
    if found is None:
        return None
    numbered = nummer is not None
    etag = f'"{found.checksum}"'
    cache_control = IMMUTABLE if numbered else LATEST
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:  # 304, or 412 for a failed If-Match
        not_modified["ETag"] = etag
        not_modified["Cache-Control"] = cache_control
        return not_modified
    copy = open_copy(found, document)
    if copy is None:  # taken out of the database since this process looked
        _numbered.pop((jaar, slug, nummer, document), None)
        return None
    size = copy.seek(0, os.SEEK_END)
    copy.seek(0)
    sources = style_sources(found, copy) if document == "html" else ()
    wanted = _range(request, etag, size) if document == "pdf" else None
    if wanted is None:
        # Sent by the WSGI server's file wrapper (sendfile), as whitenoise sends a static file.
        response = FileResponse(copy, content_type=CONTENT_TYPES[document])
    else:
        with copy:
            if wanted == ():
                response = HttpResponse(status=416, content_type=CONTENT_TYPES[document])
                response["Content-Range"] = f"bytes */{size}"
            else:
                start, end = wanted
                copy.seek(start)
                response = HttpResponse(
                    copy.read(end + 1 - start), status=206, content_type=CONTENT_TYPES[document]
                )
                response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    if sources:
        csp = settings.SECURE_CSP
        response._csp_config = {**csp, "style-src": [*csp.get("style-src", []), *sources]}
    if document == "pdf":
        filename = found.filename + (f"-editie-{found.nummer}" if numbered else "")
        response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
        response["Accept-Ranges"] = "bytes"
    else:
        # FileResponse names the file after the copy; the HTML is a page, not a download.
        response.headers.pop("Content-Disposition", None)
    return response


def cache_dir() -> Path:
    configured = getattr(settings, "EDITIE_CACHE_DIR", "")
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "portal-edities"


def open_copy(found: EditieDocument, document: str) -> io.BufferedReader | io.BytesIO | None:
    """The local copy of the document, opened; made from the database when this server has
    none; None when the edition is no longer in the database.

    The bytes are checked against the checksum taken when publishing before they are kept; a
    copy is written under another name and then renamed, so a reader never sees half a file.
    """
    folder = cache_dir()
    path = folder / f"{found.checksum}.{document}"
    try:
        return path.open("rb")
    except FileNotFoundError:
        pass
    content = Editie.objects.filter(pk=found.pk).values_list(document, flat=True).first()
    if content is None:
        return None
    content = content.encode("utf-8") if document == "html" else bytes(content)
    if Editie.checksum(content) != found.checksum:
        raise ValueError(f"Editie {found.pk}: de {document} klopt niet met de checksum.")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".deel-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return io.BytesIO(content)


def _range(request, etag: str, size: int) -> tuple[int, int] | tuple[()] | None:
    """The one byte range asked for, as (first, last); () when it lies outside the document;
    None to serve it whole (no range, one we do not serve, or If-Range for another version)."""
    header = request.META.get("HTTP_RANGE", "")
    if not header or request.META.get("HTTP_IF_RANGE", etag) != etag:
        return None
    match = SINGLE_RANGE.match(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":  # the last `last` bytes
        length = int(last)
        return (max(size - length, 0), size - 1) if length and size else ()
    first = int(first)
    last = min(int(last), size - 1) if last else size - 1
    if first >= size:
        return ()
    if last < first:
        return None
    return first, last
