"""Serving a published edition: stored bytes that never change, so served cheaply.

An edition's numbered address always gives the same bytes, so browsers and proxies may keep it
for a year without asking again (`immutable`); the address of "the latest edition" moves when a
new edition is published, so it is kept for minutes. Both carry the stored checksum as a strong
ETag, answer a repeated request with 304 without loading the document, and a PDF serves byte
ranges, so that a reader can show page one of a large report before the rest has arrived.

The database holds every edition and is the only source of truth. Each app server keeps a copy
of the documents it served in a local cache folder (EDITIE_CACHE_DIR, outside the code): named
by their SHA-256, so a copy is either the right bytes or absent, never stale, and any server may
lose its folder at any time. A request then costs one small query for the edition's checksum,
and the file is sent as a static file is, instead of 150 kB or megabytes coming out of the
database as hex on every request. Nothing here touches the session.
"""

import os
import re
import tempfile
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import get_conditional_response

from .models import Editie, Rapportage

IMMUTABLE = "public, max-age=31536000, immutable"
LATEST = "public, max-age=300"
CONTENT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
# One range of bytes: `bytes=0-499`, `bytes=500-` or the last 500 bytes `bytes=-500`. Anything
# else (several ranges, other units) is ignored and the whole document is served, as HTTP allows.
SINGLE_RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})\Z")


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


def find_editie(*, jaar: int | None, slug: str | None, nummer: int | None, document: str):
    """The numbered or else the latest edition at the address, without its documents."""
    edities = (
        Editie.objects.filter(**address_lookup(jaar=jaar, slug=slug))
        .select_related("rapportage__traject")
        .only(
            "nummer",
            f"{document}_sha256",
            "rapportage__soort",
            "rapportage__jaar",
            "rapportage__traject__slug",
        )
    )
    if nummer is not None:
        return edities.filter(nummer=nummer).first()
    return edities.order_by("-nummer").first()


def serve(request, editie: Editie, *, document: str, numbered: bool) -> HttpResponse:
    checksum = getattr(editie, f"{document}_sha256")
    etag = f'"{checksum}"'
    cache_control = IMMUTABLE if numbered else LATEST
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:  # 304, or 412 for a failed If-Match
        not_modified["ETag"] = etag
        not_modified["Cache-Control"] = cache_control
        return not_modified
    content = cached_document(editie, document, checksum).read_bytes()
    size = len(content)
    wanted = _range(request, etag, size) if document == "pdf" else None
    if wanted is None:
        response = HttpResponse(content, content_type=CONTENT_TYPES[document])
    elif wanted == ():
        response = HttpResponse(status=416, content_type=CONTENT_TYPES[document])
        response["Content-Range"] = f"bytes */{size}"
    else:
        start, end = wanted
        response = HttpResponse(
            content[start : end + 1], status=206, content_type=CONTENT_TYPES[document]
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    if document == "pdf":
        rapportage = editie.rapportage
        filename = rapportage.filename() + (f"-editie-{editie.nummer}" if numbered else "")
        response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
        response["Accept-Ranges"] = "bytes"
    return response


def cache_dir() -> Path:
    configured = getattr(settings, "EDITIE_CACHE_DIR", "")
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "portal-edities"


def cached_document(editie: Editie, document: str, checksum: str) -> Path:
    """The local copy of the document, made from the database when this server has none.

    The bytes are checked against the checksum taken when publishing before they are kept; a
    copy is written under another name and then renamed, so a reader never sees half a file.
    """
    folder = cache_dir()
    path = folder / f"{checksum}.{document}"
    if path.exists():
        return path
    content = Editie.objects.filter(pk=editie.pk).values_list(document, flat=True).get()
    content = content.encode("utf-8") if document == "html" else bytes(content)
    if Editie.checksum(content) != checksum:
        raise ValueError(f"Editie {editie.pk}: de {document} klopt niet met de checksum.")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".deel-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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
