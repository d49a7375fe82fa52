"""Serving a published edition: stored bytes that never change, so served cheaply.

An edition's numbered address always gives the same bytes, so browsers and proxies may keep it
for a year without asking again (`immutable`); the address of "the latest edition" moves when a
new edition is published, so it is kept for minutes. Both carry the stored checksum as a strong
ETag, answer a repeated request with 304 without loading the document, and a PDF serves byte
ranges, so that a reader can show page one of a large report before the rest has arrived.

One query serves a request: the edition with what its address and file name need, and the
document itself unless the client may already have it. Nothing here touches the session.
"""

import re

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


def find_editie(
    *, jaar: int | None, slug: str | None, nummer: int | None, document: str, load: bool
) -> Editie | None:
    """The numbered or else the latest edition at the address; with `load`, its document too."""
    fields = [
        "nummer",
        f"{document}_sha256",
        "rapportage__soort",
        "rapportage__jaar",
        "rapportage__traject__slug",
    ]
    if load:
        fields.append(document)
    edities = (
        Editie.objects.filter(**address_lookup(jaar=jaar, slug=slug))
        .select_related("rapportage__traject")
        .only(*fields)
    )
    if nummer is not None:
        return edities.filter(nummer=nummer).first()
    return edities.order_by("-nummer").first()


def serve(request, editie: Editie, *, document: str, numbered: bool) -> HttpResponse:
    etag = f'"{getattr(editie, f"{document}_sha256")}"'
    cache_control = IMMUTABLE if numbered else LATEST
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:  # 304, or 412 for a failed If-Match
        not_modified["ETag"] = etag
        not_modified["Cache-Control"] = cache_control
        return not_modified
    content = getattr(editie, document)  # loaded now if the query left it out
    if document == "pdf":
        content = bytes(content)
    response = HttpResponse(content_type=CONTENT_TYPES[document])
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    if document != "pdf":
        response.content = content
        return response
    rapportage = editie.rapportage
    filename = rapportage.filename() + (f"-editie-{editie.nummer}" if numbered else "")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    response["Accept-Ranges"] = "bytes"
    wanted = _range(request, etag, len(content))
    if wanted is None:
        response.content = content
    elif wanted == ():
        response.status_code = 416
        response["Content-Range"] = f"bytes */{len(content)}"
    else:
        start, end = wanted
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
        response.content = content[start : end + 1]
    return response


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
