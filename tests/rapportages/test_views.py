import base64
import datetime
import hashlib
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from afspraken.models import Status
from rapportages.models import Editie, Opdracht, Rapportage
from rapportages.services import publiceer_rapportage
from tests.factories import RapportageFactory, UserFactory, VoortgangsupdateFactory, body
from uitvragen.services import open_uitvraag

DVT_URL = "/rapportages/diepe-veneuze-trombose-en-longembolie/2022/"
DVT_PDF_URL = "/rapportages/diepe-veneuze-trombose-en-longembolie/2022.pdf"


@pytest.fixture
def published(rapportage, afspraken, staff):
    return publiceer_rapportage(rapportage=rapportage, user=staff)


def test_urls_are_stable():
    assert reverse("rapportages:traject", args=["dvt", 2022]) == "/rapportages/dvt/2022/"
    assert reverse("rapportages:traject_pdf", args=["dvt", 2022]) == "/rapportages/dvt/2022.pdf"
    assert reverse("rapportages:implementatie", args=[2022]) == "/rapportages/implementatie/2022/"
    assert (
        reverse("rapportages:implementatie_pdf", args=[2022])
        == "/rapportages/implementatie/2022.pdf"
    )


def test_anonymous_visitor_reads_a_published_report(client, published):
    listing = client.get("/rapportages/")
    html = client.get(DVT_URL)
    pdf = client.get(DVT_PDF_URL)

    assert f'href="{DVT_URL}"' in listing.text
    assert f'href="{DVT_PDF_URL}"' in listing.text
    assert html.status_code == 200
    content = body(html)
    assert content == published.html.encode()
    assert "Voorkom onnodige verwijzing" in content.decode()
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert body(pdf) == bytes(published.pdf)
    assert pdf["Content-Disposition"] == (
        'inline; filename="voortgangsrapportage-diepe-veneuze-trombose-en-longembolie-2022.pdf"'
    )


def test_concept_reports_are_hidden_from_anonymous_visitors(client, rapportage, afspraken):
    assert rapportage.titel not in client.get("/rapportages/").text
    assert client.get(DVT_URL).status_code == 404
    assert client.get(DVT_PDF_URL).status_code == 404
    assert client.get(rapportage.get_concept_url()).status_code == 404
    assert client.get(f"/rapportages/concept/{rapportage.pk}.pdf").status_code == 404


def test_concept_reports_are_hidden_from_party_members(client, alice, rapportage):
    client.force_login(alice)

    assert client.get(DVT_URL).status_code == 404
    assert client.get(rapportage.get_concept_url()).status_code == 404
    response = client.post(
        reverse("rapportages:publiceren", args=[rapportage.pk]), {"bevestig": "on"}
    )
    assert response.status_code == 404
    assert not Editie.objects.exists()


def test_staff_see_the_concept_with_a_publish_form(client, staff, rapportage, afspraken):
    client.force_login(staff)

    response = client.get(DVT_URL)
    assert response.status_code == 302
    assert response["Location"] == rapportage.get_concept_url()

    concept = client.get(rapportage.get_concept_url())
    assert concept.status_code == 200
    assert "Concept." in concept.text
    assert 'name="bevestig"' in concept.text
    assert "Publiceren als editie 1" in concept.text
    assert rapportage.titel in client.get("/rapportages/").text


def test_the_concept_has_the_portals_header_and_an_edition_its_own(
    client, staff, rapportage, afspraken
):
    client.force_login(staff)
    concept = client.get(rapportage.get_concept_url()).text

    assert concept.count("<header") == 1
    assert '<header class="site-header">' in concept
    assert '<nav class="site-nav" aria-label="Hoofdmenu">' in concept
    assert '<a href="/rapportages/" aria-current="page">Rapportages</a>' in concept
    assert "Uitloggen" in concept and "Beheer" in concept
    assert 'class="portaalkop"' not in concept

    edition = publiceer_rapportage(rapportage=rapportage, user=staff).html
    assert edition.count("<header") == 1
    assert '<header class="portaalkop">' in edition
    assert "site-header" not in edition.split("</head>")[1]


def test_staff_download_the_concept_pdf(client, staff, rapportage, afspraken):
    """Made in the background (here at once: the tests' immediate backend), kept in the
    database for an hour, then downloaded."""
    client.force_login(staff)
    url = reverse("rapportages:concept_pdf", args=[rapportage.pk])
    assert "Concept-PDF maken" in client.get(url).text

    response = client.post(url)

    opdracht = Opdracht.objects.get()
    assert (opdracht.soort, opdracht.status) == (Opdracht.Soort.CONCEPT_PDF, "klaar")
    assert response["Location"] == reverse(
        "rapportages:opdracht", kwargs={"pk": rapportage.pk, "opdracht": opdracht.pk}
    )
    page = client.get(response["Location"])
    assert "De concept-PDF is klaar." in page.text
    pdf_url = reverse(
        "rapportages:opdracht_pdf", kwargs={"pk": rapportage.pk, "opdracht": opdracht.pk}
    )
    assert pdf_url in page.text
    pdf = client.get(pdf_url)
    assert pdf.status_code == 200
    assert body(pdf).startswith(b"%PDF-")

    Opdracht.objects.update(verloopt_op=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(pdf_url).status_code == 404
    assert "niet meer beschikbaar" in client.get(response["Location"]).text


def test_publishing_is_post_only_and_needs_confirmation(client, staff, rapportage, afspraken):
    client.force_login(staff)
    url = reverse("rapportages:publiceren", args=[rapportage.pk])

    assert client.get(url).status_code == 405
    response = client.post(url, {}, follow=True)
    assert "Vink aan dat u het concept wilt publiceren." in response.text
    assert not Editie.objects.exists()

    response = client.post(url, {"bevestig": "on", "nummer": "1"})
    assert response.status_code == 302
    editie = Editie.objects.get()
    assert response["Location"] == reverse(
        "rapportages:opdracht", kwargs={"pk": rapportage.pk, "opdracht": editie.opdracht.pk}
    )
    assert "Editie 1 van" in client.get(response["Location"]).text
    assert (editie.nummer, editie.published_by) == (1, staff)
    assert editie.is_intact()
    assert list(Rapportage.objects.published()) == [rapportage]
    assert body(client.get(DVT_URL)) == editie.html.encode()


def test_publishing_needs_the_permission(client, rapportage):
    """A staff member who may read concepts but not publish them."""
    stagiair = UserFactory(username="stagiair", is_staff=True)
    stagiair.user_permissions.add(
        Permission.objects.get(content_type__app_label="rapportages", codename="view_rapportage")
    )
    client.force_login(stagiair)
    assert client.get(reverse("rapportages:concept", args=[rapportage.pk])).status_code == 200

    response = client.post(
        reverse("rapportages:publiceren", args=[rapportage.pk]), {"bevestig": "on", "nummer": "1"}
    )

    assert response.status_code == 403
    assert not Editie.objects.exists()


def test_a_published_edition_does_not_change_when_agreements_change(
    client, published, afspraken, rapportage, staff
):
    html_before = body(client.get(DVT_URL))
    pdf_before = body(client.get(DVT_PDF_URL))

    afspraak = afspraken[0]
    afspraak.titel = "Een nieuwe titel"
    afspraak.save()
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2022, 10, 15),
        status=Status.AFGEROND,
        tekst="Later nagemeld.",
    )
    rapportage.inleiding = "Een andere inleiding."
    rapportage.save()

    assert body(client.get(DVT_URL)) == html_before
    assert body(client.get(DVT_PDF_URL)) == pdf_before
    published.refresh_from_db()
    assert published.is_intact()

    second = publiceer_rapportage(rapportage=rapportage, user=staff)

    assert second.nummer == 2
    assert "Een nieuwe titel" in body(client.get(DVT_URL)).decode()
    assert "Een nieuwe titel" not in html_before.decode()
    old = client.get(f"{DVT_URL}editie/1/")
    assert body(old) == html_before
    assert body(client.get(f"{DVT_URL[:-1]}/editie/1.pdf")) == pdf_before
    assert client.get(f"{DVT_URL}editie/3/").status_code == 404


def test_implementation_wide_report_is_published_at_its_own_address(
    client, staff, implementatierapportage, afspraken
):
    publiceer_rapportage(rapportage=implementatierapportage, user=staff)

    response = client.get("/rapportages/implementatie/2022/")

    assert response.status_code == 200
    assert "Diepe veneuze trombose en longembolie" in body(response).decode()
    assert client.get("/rapportages/implementatie/2022.pdf").status_code == 200
    assert client.get("/rapportages/implementatie/2023/").status_code == 404


def test_list_takes_a_fixed_number_of_queries(
    client, staff, rapportage, implementatierapportage, dvt, django_assert_num_queries
):
    publiceer_rapportage(rapportage=rapportage, user=staff)
    publiceer_rapportage(rapportage=rapportage, user=staff)
    publiceer_rapportage(rapportage=implementatierapportage, user=staff)
    RapportageFactory(traject=dvt, jaar=2023, peildatum=datetime.date(2023, 11, 1))

    # reports, their editions
    with django_assert_num_queries(2):
        response = client.get("/rapportages/")

    assert response.text.count("Gepubliceerd op") == 2
    assert "Eerdere edities" in response.text


def test_published_html_meets_the_content_security_policy(client, published):
    """No style attribute nor script; the edition's own `<style>` elements (its stylesheets),
    each allowed by its hash in the answer's policy."""
    response = client.get(DVT_URL)
    html = body(response).decode()
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.DOTALL)
    policy = response["Content-Security-Policy"]

    assert "style=" not in html
    assert "<script" not in html
    assert '<html lang="nl">' in html
    assert len(styles) == 2
    for css in styles:
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy.split("style-src ")[1].split(";")[0]


def test_published_report_is_served_from_the_servers_copy(
    client, published, django_assert_num_queries, settings, tmp_path
):
    settings.EDITIE_CACHE_DIR = tmp_path
    # The first request of a document copies it from the database, checked against its
    # checksum; after that one query finds the latest edition's checksum and the copy is sent,
    # and a numbered address, whose edition cannot change, is not asked again for a while.
    for document_url in (DVT_URL, DVT_PDF_URL):
        numbered_url = document_url.replace("2022", "2022/editie/1")
        with django_assert_num_queries(2):
            first = body(client.get(document_url))
        with django_assert_num_queries(1):
            assert body(client.get(document_url)) == first
        with django_assert_num_queries(1):
            assert body(client.get(numbered_url)) == first
        with django_assert_num_queries(0):
            assert body(client.get(numbered_url)) == first
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [f"{published.html_sha256}.html", f"{published.pdf_sha256}.pdf"]
    )


def test_a_copy_is_made_only_of_bytes_that_match_their_checksum(
    client, published, settings, tmp_path
):
    settings.EDITIE_CACHE_DIR = tmp_path
    Editie.objects.filter(pk=published.pk).update(html="<p>Vervalst.</p>")

    with pytest.raises(ValueError, match="klopt niet met de checksum"):
        client.get(DVT_URL)
    assert list(tmp_path.iterdir()) == []


def test_a_numbered_edition_is_cached_for_good_and_the_latest_for_minutes(client, published):
    numbered = client.get(f"{DVT_URL}editie/1/")
    latest = client.get(DVT_URL)
    pdf = client.get(DVT_PDF_URL)

    assert numbered["Cache-Control"] == "public, max-age=31536000, immutable"
    assert latest["Cache-Control"] == "public, max-age=300"
    assert numbered["ETag"] == latest["ETag"] == f'"{published.html_sha256}"'
    assert pdf["ETag"] == f'"{published.pdf_sha256}"'
    assert "Cookie" not in numbered.get("Vary", "")


def test_a_repeated_request_gets_304_without_the_document(
    client, published, django_assert_num_queries
):
    etag = f'"{published.pdf_sha256}"'
    with django_assert_num_queries(1):
        response = client.get(DVT_PDF_URL, headers={"if-none-match": etag})
    assert response.status_code == 304
    assert body(response) == b""
    assert response["ETag"] == etag
    # Another version's tag gets the document.
    other = client.get(DVT_PDF_URL, headers={"if-none-match": '"abc", W/"def"'})
    assert other.status_code == 200 and body(other) == bytes(published.pdf)
    assert client.get(DVT_PDF_URL, headers={"if-none-match": "*"}).status_code == 304


@pytest.mark.parametrize(
    ("header", "status", "part"),
    [
        ("bytes=0-4", 206, slice(0, 5)),
        ("bytes=10-", 206, slice(10, None)),
        ("bytes=-7", 206, slice(-7, None)),
        ("bytes=5-99999999999", 206, slice(5, None)),
        ("bytes=99999999999-", 416, None),
        ("bytes=-0", 416, None),
        ("bytes=0-4,10-14", 200, slice(None)),  # several ranges: the whole document
        ("bytes=9-3", 200, slice(None)),  # not a range
        ("items=0-4", 200, slice(None)),
        ("bytes=" + "9" * 5000 + "-", 200, slice(None)),  # bounded: no huge number is parsed
    ],
)
def test_a_pdf_serves_one_byte_range(client, published, header, status, part):
    pdf = bytes(published.pdf)
    response = client.get(DVT_PDF_URL, headers={"range": header})

    assert response.status_code == status
    assert response["Accept-Ranges"] == "bytes"
    if status == 416:
        assert response["Content-Range"] == f"bytes */{len(pdf)}"
    else:
        assert body(response) == pdf[part]
    if status == 206:
        first = pdf.index(body(response))
        last = first + len(body(response)) - 1
        assert response["Content-Range"] == f"bytes {first}-{last}/{len(pdf)}"


def test_a_range_for_another_version_gets_the_whole_pdf(client, published):
    pdf = bytes(published.pdf)
    same = client.get(
        DVT_PDF_URL, headers={"range": "bytes=0-4", "if-range": f'"{published.pdf_sha256}"'}
    )
    other = client.get(DVT_PDF_URL, headers={"range": "bytes=0-4", "if-range": '"oud"'})

    assert (same.status_code, body(same)) == (206, pdf[:5])
    assert (other.status_code, body(other)) == (200, pdf)


def test_an_edition_that_does_not_exist_is_a_404(client, published, staff):
    assert client.get(f"{DVT_URL}editie/2/").status_code == 404
    client.force_login(staff)
    assert client.get(f"{DVT_URL}editie/2/").status_code == 404


def test_concept_page_takes_a_fixed_number_of_queries(
    client, staff, rapportage, afspraken, django_assert_num_queries
):
    client.force_login(staff)
    # session and user (and the session saved again), the device of the staff member's second
    # factor, the report, its editions, its background jobs, the permission check, and the
    # report's content: independent of the number of agreements (indicators: one query, two
    # with any), and the reporting round of its year (its items: one more when there is one).
    with django_assert_num_queries(18):
        assert client.get(rapportage.get_concept_url()).status_code == 200

    open_uitvraag(
        jaar=rapportage.jaar,
        peildatum=datetime.date(2022, 10, 1),
        deadline=datetime.date(2022, 11, 15),
        user=staff,
        notify=False,
    )
    with django_assert_num_queries(19):
        assert client.get(rapportage.get_concept_url()).status_code == 200


def test_publishing_tells_the_apps_above_once(staff, rapportage, afspraken):
    from rapportages.signals import editie_gepubliceerd

    heard = []

    def receiver(editie, **kwargs):
        heard.append((editie.nummer, editie.standen.count()))

    editie_gepubliceerd.connect(receiver, dispatch_uid="test_heard")
    try:
        publiceer_rapportage(rapportage=rapportage, user=staff)
    finally:
        editie_gepubliceerd.disconnect(dispatch_uid="test_heard")
    assert heard == [(1, 3)]
