"""A published edition for an anonymous visitor is answered early in the middleware
(`rapportages.middleware.published_editions`): the same answer as the view's, byte for byte and
header for header, and nothing else is answered there."""

import base64
import hashlib

import lxml.html
import pytest
from django.contrib.staticfiles import finders
from django.http import FileResponse
from django.test import override_settings
from django.urls import reverse

from rapportages import serving
from rapportages.models import Editie, Rapportage
from rapportages.services import publiceer_rapportage
from tests.conftest import Client
from tests.factories import EditieFactory, RapportageFactory, body

FAST_PATH = "rapportages.middleware.published_editions"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40
URL = "/rapportages/diepe-veneuze-trombose-en-longembolie/2022/"
PDF_URL = "/rapportages/diepe-veneuze-trombose-en-longembolie/2022.pdf"
NUMBERED_URL = f"{URL}editie/1/"
NUMBERED_PDF_URL = f"{URL}editie/1.pdf"


@pytest.fixture(autouse=True)
def cache_dir(settings, tmp_path):
    settings.EDITIE_CACHE_DIR = tmp_path
    return tmp_path


@pytest.fixture
def editie(dvt):
    rapportage = RapportageFactory(traject=dvt, jaar=2022)
    return EditieFactory(rapportage=rapportage, pdf=PDF, html="<h1>Editie 1</h1>")


@pytest.fixture
def through_the_view(settings):
    """A client whose requests all go through the whole middleware to the view."""
    client = Client()
    with override_settings(MIDDLEWARE=[name for name in settings.MIDDLEWARE if name != FAST_PATH]):
        client.handler.load_middleware()
    return client


def took_fast_path(response) -> bool:
    # The authentication middleware below the fast path gives every request it sees a user.
    return not hasattr(response.wsgi_request, "user")


def answer(response) -> tuple:
    return response.status_code, dict(response.headers), body(response)


REQUESTS = [
    (NUMBERED_PDF_URL, {}),
    (PDF_URL, {}),
    (NUMBERED_URL, {}),
    (URL, {}),
    (NUMBERED_PDF_URL, {"range": "bytes=0-99"}),
    (NUMBERED_PDF_URL, {"range": "bytes=-10"}),
    (NUMBERED_PDF_URL, {"range": "bytes=999999-"}),  # 416
    (NUMBERED_PDF_URL, {"range": "bytes=0-9", "if-range": '"een andere versie"'}),
    (NUMBERED_PDF_URL, {"range": "bytes=0-9,20-29"}),
    (PDF_URL, {"accept-language": "en-GB,en;q=0.9"}),
    (f"{URL}editie/2.pdf", {}),  # no such edition: the view's 404
    (f"{URL}editie/99999999999999999999.pdf", {}),
    ("/rapportages/onbekend/2022.pdf", {}),
]


@pytest.mark.parametrize(("url", "headers"), REQUESTS)
@pytest.mark.parametrize("secure", [False, True])
def test_the_fast_path_answers_as_the_view_does(
    client, through_the_view, editie, url, headers, secure
):
    fast = client.get(url, headers=headers, secure=secure)
    slow = through_the_view.get(url, headers=headers, secure=secure)

    assert answer(fast) == answer(slow)
    assert took_fast_path(fast) == (fast.status_code != 404)
    assert not took_fast_path(slow)


@pytest.mark.parametrize("url", [NUMBERED_PDF_URL, PDF_URL, NUMBERED_URL, URL])
def test_a_304_is_the_same_through_either_path(client, through_the_view, editie, url):
    checksum = editie.pdf_sha256 if url.endswith(".pdf") else editie.html_sha256
    etag = f'"{checksum}"'

    fast = client.get(url, headers={"if-none-match": etag})
    slow = through_the_view.get(url, headers={"if-none-match": etag})

    assert fast.status_code == 304
    assert answer(fast) == answer(slow)
    assert took_fast_path(fast)


def test_an_edition_carries_the_security_headers_and_no_cookie(client, editie):
    response = client.get(NUMBERED_PDF_URL, secure=True)

    assert took_fast_path(response)
    assert isinstance(response, FileResponse)  # sent by the server's sendfile
    assert body(response) == PDF
    assert dict(response.headers) == {
        "Content-Type": "application/pdf",
        "Content-Length": str(len(PDF)),
        "Content-Disposition": (
            'inline; filename="voortgangsrapportage-diepe-veneuze-trombose-en-longembolie'
            '-2022-editie-1.pdf"'
        ),
        "ETag": f'"{editie.pdf_sha256}"',
        "Cache-Control": "public, max-age=31536000, immutable",
        "Accept-Ranges": "bytes",
        "Vary": "Accept-Language",
        "Content-Language": "nl",
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            "frame-ancestors 'none'"
        ),
        "X-Frame-Options": "DENY",
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    assert not response.cookies


@pytest.mark.parametrize(
    "url",
    [
        "/rapportages/",
        "/trajecten/",
        "/accounts/login/",
        "/rapportages/diepe-veneuze-trombose-en-longembolie/2022/editie/1.pdf/",
        "/rapportages/diepe-veneuze-trombose-en-longembolie/2022/editie/1.pdfx",
        "/rapportages/diepe-veneuze-trombose-en-longembolie/2022/editie/1.pdf%00",
        "/rapportages/diepe-veneuze-trombose-en-longembolie/2022/editie/\x00.pdf",
        "/rapportages/implementatie/2022.pdf",
        "/rapportages/concept/1.pdf",
        "/nergens/",
    ],
)
def test_other_addresses_go_through_the_whole_middleware(client, editie, url):
    response = client.get(url)

    assert response.status_code < 500
    assert not took_fast_path(response)


def test_a_query_string_is_checked_as_on_every_page(client, editie):
    assert client.get(NUMBERED_PDF_URL, {"a": "\x00"}).status_code == 400
    response = client.get(NUMBERED_PDF_URL, {"v": "2"})
    assert took_fast_path(response) and body(response) == PDF


def test_a_logged_in_user_goes_through_the_whole_middleware(client, alice, staff, editie):
    client.force_login(alice)
    response = client.get(NUMBERED_PDF_URL)
    assert response.status_code == 200 and body(response) == PDF
    assert not took_fast_path(response)

    # Staff are still sent to their second factor first.
    client.force_login(staff, verified=False)
    response = client.get(NUMBERED_PDF_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("verify_second_factor"))


def test_only_get_and_head_are_answered_early(client, editie):
    head = client.head(NUMBERED_PDF_URL)
    assert head.status_code == 200 and took_fast_path(head)
    assert not took_fast_path(client.post(NUMBERED_PDF_URL))


def test_a_numbered_address_is_asked_again_after_a_while(
    client, editie, monkeypatch, django_assert_num_queries
):
    now = 1000.0
    monkeypatch.setattr(serving.time, "monotonic", lambda: now)
    assert body(client.get(NUMBERED_PDF_URL)) == PDF
    Editie.objects.filter(pk=editie.pk).delete()

    # Within the recheck time the worker trusts what it found: the edition cannot change.
    with django_assert_num_queries(0):
        assert client.get(NUMBERED_PDF_URL).status_code == 200
    now += serving.NUMBERED_RECHECK_SECONDS
    assert client.get(NUMBERED_PDF_URL).status_code == 404


def test_an_edition_gone_from_the_database_and_the_servers_copy_is_a_404(client, editie, cache_dir):
    assert body(client.get(NUMBERED_PDF_URL)) == PDF
    Editie.objects.filter(pk=editie.pk).delete()
    for copy in cache_dir.iterdir():
        copy.unlink()

    assert client.get(NUMBERED_PDF_URL).status_code == 404
    assert client.get(PDF_URL).status_code == 404


def test_the_latest_edition_shows_at_once(client, editie):
    assert body(client.get(PDF_URL)) == PDF
    assert body(client.get(NUMBERED_PDF_URL)) == PDF
    newer = EditieFactory(rapportage=editie.rapportage, nummer=2, pdf=PDF + b"2")

    response = client.get(PDF_URL)
    assert body(response) == PDF + b"2"
    assert response["ETag"] == f'"{newer.pdf_sha256}"'
    assert body(client.get(NUMBERED_PDF_URL)) == PDF


@pytest.mark.parametrize(
    ("soort", "url", "filename"),
    [
        (
            Rapportage.Soort.IMPLEMENTATIE,
            "/rapportages/implementatie/2022/editie/1.pdf",
            "voortgangsrapportage-implementatie-2022-editie-1.pdf",
        ),
        (
            Rapportage.Soort.EINDEVALUATIE,
            "/rapportages/diepe-veneuze-trombose-en-longembolie/eindevaluatie/editie/1.pdf",
            "eindevaluatie-diepe-veneuze-trombose-en-longembolie-editie-1.pdf",
        ),
    ],
)
def test_every_kind_of_report_is_answered_early(
    client, through_the_view, dvt, soort, url, filename
):
    traject = None if soort == Rapportage.Soort.IMPLEMENTATIE else dvt
    rapportage = RapportageFactory(soort=soort, traject=traject, jaar=2022)
    editie = EditieFactory(rapportage=rapportage, pdf=PDF)
    assert editie.get_pdf_url() == url

    fast = client.get(url)
    assert took_fast_path(fast)
    assert fast["Content-Disposition"] == f'inline; filename="{filename}"'
    assert answer(fast) == answer(through_the_view.get(url))


def _csp_hash(css: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"


def test_an_edition_carries_its_stylesheets_and_keeps_them(
    client, through_the_view, rapportage, afspraken, staff, monkeypatch, tmp_path
):
    """Published, an edition has the report's stylesheets inside it and links none, so it
    looks the same after the stylesheet changes; its Content-Security-Policy allows exactly
    its own `<style>` elements, by their hash, and the next edition gets the new style."""
    first = publiceer_rapportage(rapportage=rapportage, user=staff)
    tree = lxml.html.fromstring(first.html)
    styles = [element.text for element in tree.xpath("//head/style")]
    with open(finders.find("css/rapportage.css"), encoding="utf-8") as fh:
        screen = fh.read()

    assert styles[0] == screen
    assert tree.xpath("//head/style[2]/@media") == ["print"]
    assert "@page" in styles[1]
    assert 'url("/static/fonts/DejaVuSansCondensed.ttf")' in styles[1]  # not "../fonts/"
    assert not tree.xpath("//link[@rel='stylesheet']")
    url = first.get_absolute_url()
    for response in (client.get(url), through_the_view.get(url)):
        assert body(response) == first.html.encode()
        policy = response["Content-Security-Policy"]
        assert f"style-src 'self' {_csp_hash(styles[0])} {_csp_hash(styles[1])};" in policy
        assert "unsafe-inline" not in policy

    # The style changes; the edition does not, the next one has the new style.
    changed = tmp_path / "rapportage.css"
    changed.write_text(screen + "\nbody { color: red; }\n", encoding="utf-8")
    find = finders.find
    monkeypatch.setattr(
        finders,
        "find",
        lambda path, **kw: str(changed) if path == "css/rapportage.css" else find(path, **kw),
    )
    second = publiceer_rapportage(rapportage=rapportage, user=staff)

    assert "body { color: red; }" in second.html
    assert body(client.get(url)) == first.html.encode()
    first.refresh_from_db()
    assert first.is_intact() and "color: red" not in first.html


def test_an_edition_that_links_its_stylesheets_keeps_the_portals_policy(client, editie):
    """Editions published before they carried their stylesheets link them and still work."""
    linked = (
        '<html><head><link rel="stylesheet" href="/static/css/rapportage.css"></head>'
        "<body><h1>Editie 2</h1></body></html>"
    )
    EditieFactory(rapportage=editie.rapportage, nummer=2, html=linked)

    response = client.get(URL)
    assert body(response) == linked.encode()
    assert "style-src 'self';" in response["Content-Security-Policy"]
