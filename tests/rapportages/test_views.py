import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from afspraken.models import Status
from rapportages.models import Editie, Rapportage
from rapportages.services import publiceer_rapportage
from tests.factories import RapportageFactory, UserFactory, VoortgangsupdateFactory

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
    assert html.content == published.html.encode()
    assert "Voorkom onnodige verwijzing" in html.text
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(published.pdf)
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


def test_staff_download_the_concept_pdf(client, staff, rapportage, afspraken):
    client.force_login(staff)

    response = client.get(reverse("rapportages:concept_pdf", args=[rapportage.pk]))

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


def test_publishing_is_post_only_and_needs_confirmation(client, staff, rapportage, afspraken):
    client.force_login(staff)
    url = reverse("rapportages:publiceren", args=[rapportage.pk])

    assert client.get(url).status_code == 405
    response = client.post(url, {}, follow=True)
    assert "Vink aan dat u het concept wilt publiceren." in response.text
    assert not Editie.objects.exists()

    response = client.post(url, {"bevestig": "on"})
    assert response.status_code == 302
    editie = Editie.objects.get()
    assert (editie.nummer, editie.published_by) == (1, staff)
    assert editie.is_intact()
    assert list(Rapportage.objects.published()) == [rapportage]
    assert client.get(DVT_URL).content == editie.html.encode()


def test_publishing_needs_the_permission(client, rapportage):
    """A staff member who may read concepts but not publish them."""
    stagiair = UserFactory(username="stagiair", is_staff=True)
    stagiair.user_permissions.add(
        Permission.objects.get(content_type__app_label="rapportages", codename="view_rapportage")
    )
    client.force_login(stagiair)
    assert client.get(reverse("rapportages:concept", args=[rapportage.pk])).status_code == 200

    response = client.post(
        reverse("rapportages:publiceren", args=[rapportage.pk]), {"bevestig": "on"}
    )

    assert response.status_code == 403
    assert not Editie.objects.exists()


def test_a_published_edition_does_not_change_when_agreements_change(
    client, published, afspraken, rapportage, staff
):
    html_before = client.get(DVT_URL).content
    pdf_before = client.get(DVT_PDF_URL).content

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

    assert client.get(DVT_URL).content == html_before
    assert client.get(DVT_PDF_URL).content == pdf_before
    published.refresh_from_db()
    assert published.is_intact()

    second = publiceer_rapportage(rapportage=rapportage, user=staff)

    assert second.nummer == 2
    assert "Een nieuwe titel" in client.get(DVT_URL).text
    assert "Een nieuwe titel" not in html_before.decode()
    old = client.get(f"{DVT_URL}editie/1/")
    assert old.content == html_before
    assert client.get(f"{DVT_URL[:-1]}/editie/1.pdf").content == pdf_before
    assert client.get(f"{DVT_URL}editie/3/").status_code == 404


def test_implementation_wide_report_is_published_at_its_own_address(
    client, staff, implementatierapportage, afspraken
):
    publiceer_rapportage(rapportage=implementatierapportage, user=staff)

    response = client.get("/rapportages/implementatie/2022/")

    assert response.status_code == 200
    assert "Diepe veneuze trombose en longembolie" in response.text
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
    html = client.get(DVT_URL).text

    assert "style=" not in html
    assert "<style" not in html
    assert "<script" not in html
    assert '<html lang="nl">' in html


def test_published_report_is_served_in_two_queries(client, published, django_assert_num_queries):
    # the report, its latest edition
    with django_assert_num_queries(2):
        assert client.get(DVT_URL).status_code == 200
    with django_assert_num_queries(2):
        assert client.get(DVT_PDF_URL).status_code == 200


def test_concept_page_takes_a_fixed_number_of_queries(
    client, staff, rapportage, afspraken, django_assert_num_queries
):
    client.force_login(staff)
    # session and user (and the session saved again), the device of the staff member's second
    # factor, the report, its editions, the permission check, and the report's content:
    # independent of the number of agreements (indicators: one query, two with any).
    with django_assert_num_queries(19):
        assert client.get(rapportage.get_concept_url()).status_code == 200
