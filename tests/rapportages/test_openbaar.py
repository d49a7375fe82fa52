"""What a visitor sees: the agreements as the newest published report showed them, never the
live state, and the front door that leads to them."""

import csv
import datetime
import io
import re

import pikepdf
import pytest
from django.urls import reverse
from django.utils import timezone

from afspraken.models import Status
from rapportages.models import GepubliceerdeStand
from rapportages.openbaar import STAND_KOLOMMEN
from rapportages.services import publiceer_rapportage
from tests.factories import (
    EditieFactory,
    RapportageFactory,
    TrajectFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)

from .conftest import PEILDATUM_2022


def traject_url(traject):
    return reverse("trajecten:detail", kwargs={"slug": traject.slug})


def afspraak_url(afspraak):
    return reverse("afspraken:detail", kwargs={"pk": afspraak.pk})


@pytest.fixture
def gepubliceerd(rapportage, afspraken, staff):
    return publiceer_rapportage(rapportage=rapportage, user=staff)


def test_publishing_keeps_each_agreements_state_as_the_edition_shows_it(gepubliceerd, afspraken):
    standen = {s.nummer: s for s in GepubliceerdeStand.objects.filter(editie=gepubliceerd)}
    assert sorted(standen) == [1, 2, 3]
    assert standen[1].status == Status.OP_SCHEMA
    assert "De standaard wordt herzien." in standen[1].tekst_html
    assert standen[1].status_peildatum == datetime.date(2022, 10, 1)
    assert standen[1].regiehouder == "NHG"
    assert standen[1].partijen == "NHG, NIV"
    assert standen[1].thema == "Diagnostiek"
    assert standen[3].status == Status.VERTRAAGD
    assert "geen financiering" in standen[3].toelichting_html
    assert standen[3].verwachte_datum == datetime.date(2025, 6, 30)
    assert {s.peildatum for s in standen.values()} == {PEILDATUM_2022}


def test_a_visitor_sees_an_update_only_after_the_next_report(
    client, dvt, afspraken, gepubliceerd, alice, staff
):
    afspraak = afspraken[0]
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2023, 10, 1),
        status=Status.VERTRAAGD,
        tekst="Na de rapportage gemeld.",
        toelichting="Later begonnen.",
        verwachte_datum=datetime.date(2026, 1, 1),
    )
    for url in (traject_url(dvt), afspraak_url(afspraak)):
        text = client.get(url).text
        assert "De standaard wordt herzien." in text
        assert "Na de rapportage gemeld." not in text
    # The party's own member sees the live state, as before.
    client.force_login(alice)
    assert "Na de rapportage gemeld." in client.get(afspraak_url(afspraak)).text
    client.logout()

    volgende = RapportageFactory(
        traject=dvt,
        jaar=2023,
        titel="Tweede voortgangsrapportage",
        peildatum=datetime.date(2023, 11, 1),
    )
    publiceer_rapportage(rapportage=volgende, user=staff)
    for url in (traject_url(dvt), afspraak_url(afspraak)):
        text = client.get(url).text
        assert "Na de rapportage gemeld." in text
        assert "De standaard wordt herzien." not in text
    text = client.get(afspraak_url(afspraak)).text
    assert "Tweede voortgangsrapportage" in text  # the source
    assert "In eerdere rapportages" in text and gepubliceerd.titel in text


def test_a_later_change_of_title_shows_only_with_the_next_edition(client, afspraken, gepubliceerd):
    afspraak = afspraken[0]
    published_title = afspraak.titel
    afspraak.titel = "Een nieuwe titel, nog niet gepubliceerd"
    afspraak.save()
    for url in (traject_url(afspraak.traject), afspraak_url(afspraak)):
        text = client.get(url).text
        assert published_title in text
        assert "nog niet gepubliceerd" not in text


def test_an_agreement_that_no_report_showed_is_not_public(client, dvt, afspraken, gepubliceerd):
    nieuw = VerbeterafspraakFactory(traject=dvt, thema=afspraken[0].thema, nummer=9)
    response = client.get(afspraak_url(nieuw))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert nieuw.titel not in client.get(traject_url(dvt)).text


def test_a_visitor_cannot_post_progress(client, afspraken, gepubliceerd):
    response = client.post(afspraak_url(afspraken[0]), {"status": Status.AFGEROND, "tekst": "x"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_unknown_agreement_sends_a_visitor_to_login_not_an_error(client, db):
    response = client.get("/afspraken/999999/")
    assert response.status_code == 302


def test_front_door_leads_to_every_trajectory_agreement_and_report(
    client, dvt, afspraken, gepubliceerd
):
    """From `/`, every public agreement in two clicks and every report in one."""
    home = client.get("/")
    assert home.status_code == 200
    assert 'lang="nl"' in home.text
    assert '<meta name="description"' in home.text
    links = set(re.findall(r'href="([^"]+)"', home.text))
    assert traject_url(dvt) in links
    assert gepubliceerd.get_absolute_url() in links
    assert reverse("login") in links
    traject_links = set(re.findall(r'href="([^"]+)"', client.get(traject_url(dvt)).text))
    assert {afspraak_url(a) for a in afspraken} <= traject_links
    for url in {afspraak_url(a) for a in afspraken}:
        assert client.get(url).status_code == 200


def test_front_door_shows_no_concept(client, dvt, rapportage):
    assert rapportage.titel not in client.get("/").text
    assert "Er zijn nog geen rapportages gepubliceerd." in client.get("/").text


def test_a_logged_in_user_goes_to_their_own_start(client, alice):
    client.force_login(alice)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("start")


@pytest.mark.parametrize("count", [1, 4])
def test_front_door_queries_do_not_grow(client, db, django_assert_num_queries, count):
    for _ in range(count):
        EditieFactory(rapportage=RapportageFactory(traject=TrajectFactory()))
    # Trajectories, their phases, the newest editions.
    with django_assert_num_queries(3):
        response = client.get("/")
    assert response.status_code == 200
    assert len(response.context["edities"]) == count


def test_public_pages_queries_do_not_grow(
    client, dvt, afspraken, gepubliceerd, django_assert_num_queries, staff
):
    def count_queries(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = {
        url: count_queries(url)
        for url in (traject_url(dvt), afspraak_url(afspraken[0]), reverse("trajecten:list"))
    }
    for nummer in range(4, 10):
        extra = VerbeterafspraakFactory(traject=dvt, thema=afspraken[0].thema, nummer=nummer)
        VoortgangsupdateFactory(verbeterafspraak=extra, peildatum=datetime.date(2023, 1, 1))
    TrajectFactory()
    volgende = RapportageFactory(
        traject=dvt, jaar=2023, titel="Tweede", peildatum=datetime.date(2023, 11, 1)
    )
    publiceer_rapportage(rapportage=volgende, user=staff)
    after = {url: count_queries(url) for url in before}
    assert after == before
    assert len(GepubliceerdeStand.objects.nieuwste().filter(traject=dvt)) == 9


# The Atom feeds.

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def check_atom(xml: bytes):
    """The rules of RFC 4287 that a reader relies on: one id, title and updated (an RFC 3339
    date) for the feed and for every entry, an author for each entry (its own or the feed's),
    an alternate link on each entry, and no two entries with the same id."""
    from lxml import etree

    feed = etree.fromstring(xml)
    assert feed.tag == f"{ATOM}feed"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "nl"

    def one(element, name):
        found = element.findall(f"{ATOM}{name}")
        assert len(found) == 1, f"{element.tag} heeft {len(found)} keer {name}"
        return found[0]

    for name in ("id", "title"):
        assert one(feed, name).text.strip()
    assert RFC3339.match(one(feed, "updated").text)
    feed_has_author = feed.find(f"{ATOM}author/{ATOM}name") is not None
    entries = feed.findall(f"{ATOM}entry")
    ids = [one(entry, "id").text for entry in entries]
    assert len(set(ids)) == len(ids)
    for entry in entries:
        assert one(entry, "title").text.strip()
        assert RFC3339.match(one(entry, "updated").text)
        assert feed_has_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        links = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert len(links) == 1
    return entries


def test_the_feed_of_all_reports_lists_each_edition(
    client, dvt, afspraken, gepubliceerd, rapportage
):
    response = client.get(reverse("rapportages:feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = check_atom(response.content)
    assert [e.find(f"{ATOM}title").text for e in entries] == [gepubliceerd.titel]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link.endswith(gepubliceerd.get_absolute_url())
    assert client.get(gepubliceerd.get_absolute_url()).status_code == 200


def test_a_trajectorys_feed_has_only_its_reports_and_no_concept(
    client, dvt, afspraken, gepubliceerd, staff
):
    ander = TrajectFactory()
    EditieFactory(rapportage=RapportageFactory(traject=ander, titel="Over een ander traject"))
    RapportageFactory(
        traject=dvt, jaar=2023, titel="Nog een concept", peildatum=datetime.date(2023, 11, 1)
    )
    entries = check_atom(client.get(reverse("trajecten:feed", kwargs={"slug": dvt.slug})).content)
    assert [e.find(f"{ATOM}title").text for e in entries] == [gepubliceerd.titel]
    assert client.get(reverse("trajecten:feed", kwargs={"slug": "bestaat-niet"})).status_code == 404


def test_an_empty_feed_is_still_a_valid_feed(client, db):
    assert check_atom(client.get(reverse("rapportages:feed")).content) == []


@pytest.mark.parametrize("count", [1, 4])
def test_feed_queries_do_not_grow(client, db, django_assert_num_queries, count):
    for _ in range(count):
        EditieFactory(rapportage=RapportageFactory(traject=TrajectFactory()))
    with django_assert_num_queries(1):
        client.get(reverse("rapportages:feed"))


# Findable: a published report carries a government publication's metadata.


def test_a_published_report_names_its_publisher_date_type_and_letter(dvt, afspraken, staff):
    rapportage = RapportageFactory(
        traject=dvt,
        jaar=2022,
        titel="Voortgang DVT 2022",
        peildatum=PEILDATUM_2022,
        brief_datum=datetime.date(2022, 12, 20),
        brief_kenmerk="2022-0815",
    )
    editie = publiceer_rapportage(rapportage=rapportage, user=staff)
    for name, value in {
        "DCTERMS.title": "Voortgang DVT 2022",
        "DCTERMS.publisher": "Zorginstituut Nederland",
        "DCTERMS.type": "rapport",
        "DCTERMS.language": "nl",
        "DCTERMS.isPartOf": "Brief aan de minister van VWS van 2022-12-20, kenmerk 2022-0815",
    }.items():
        assert f'<meta name="{name}" content="{value}">' in editie.html
    issued = timezone.localdate(editie.published_at).isoformat()
    assert f'<meta name="DCTERMS.issued" content="{issued}">' in editie.html
    assert f'{editie.get_absolute_url()}">' in editie.html  # the identifier
    pdf = pikepdf.open(io.BytesIO(bytes(editie.pdf)))
    info = pdf.docinfo
    assert str(info["/Title"]) == "Voortgang DVT 2022"
    assert str(info["/Author"]) == "Zorginstituut Nederland"
    custom = {str(key): str(value) for key, value in info.items()}
    assert any(
        "publisher" in key.lower() and value == "Zorginstituut Nederland"
        for key, value in custom.items()
    ), custom
    assert any(
        "ispartof" in key.lower() and "2022-0815" in value for key, value in custom.items()
    ), custom


def test_the_sitemap_lists_public_pages_only(client, dvt, afspraken, gepubliceerd):
    nieuw = VerbeterafspraakFactory(traject=dvt, thema=afspraken[0].thema, nummer=9)
    concept = RapportageFactory(traject=dvt, jaar=2023, peildatum=datetime.date(2023, 11, 1))
    index = client.get("/sitemap.xml").text
    sections = re.findall(r"<loc>http://testserver(/sitemap-\w+\.xml)</loc>", index)
    assert sections == [
        f"/sitemap-{name}.xml" for name in ("vast", "trajecten", "afspraken", "rapportages")
    ]
    urls = set()
    for section in sections:
        response = client.get(section)
        assert response.status_code == 200
        urls |= set(re.findall(r"<loc>http://testserver([^<]+)</loc>", response.text))
    assert {"/", traject_url(dvt), gepubliceerd.rapportage.get_absolute_url()} <= urls
    assert {afspraak_url(a) for a in afspraken} <= urls
    assert afspraak_url(nieuw) not in urls
    assert concept.get_absolute_url() not in urls
    for url in urls:  # every page it names is there for a visitor
        assert client.get(url).status_code == 200, url


def test_robots_txt_points_at_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.text
    assert "Disallow: /admin/" in response.text


@pytest.mark.parametrize("url", ["/", "/trajecten/", "/rapportages/"])
def test_public_pages_have_a_title_description_and_language(client, db, url):
    text = client.get(url).text
    assert '<html lang="nl">' in text
    assert re.search(r"<title>[^<]+ \| Zorginstituut Nederland</title>", text)
    assert re.search(r'<meta name="description" content="[^"]{40,}">', text)


def test_a_visitor_sees_a_figure_only_after_the_next_report(
    client, dvt, afspraken, rapportage, staff, alice
):
    from decimal import Decimal

    from afspraken.services import meld_meting
    from tests.factories import IndicatorFactory

    indicator = IndicatorFactory(
        verbeterafspraak=afspraken[0], naam="Verwijzingen zonder beslisregel"
    )
    meld_meting(
        indicator=indicator,
        user=alice,
        jaar=2021,
        waarde=Decimal("35"),
        peildatum=datetime.date(2022, 6, 1),
    )
    publiceer_rapportage(rapportage=rapportage, user=staff)
    meld_meting(
        indicator=indicator,
        user=alice,
        jaar=2022,
        waarde=Decimal("27"),
        peildatum=datetime.date(2023, 3, 1),
    )

    def figures():
        response = client.get(traject_url(dvt))
        [groep] = response.context["indicator_groepen"]
        assert groep["afspraak"].nummer == 1
        [beoordeling] = groep["beoordelingen"]
        return beoordeling.laatste

    r = client.get(traject_url(dvt))
    assert "Verwijzingen zonder beslisregel" in r.text
    assert figures() == (2021, Decimal("35"))
    volgende = RapportageFactory(
        traject=dvt, jaar=2023, titel="Tweede", peildatum=datetime.date(2023, 11, 1)
    )
    publiceer_rapportage(rapportage=volgende, user=staff)
    assert figures() == (2022, Decimal("27"))


def test_no_indicator_is_shown_before_any_report(client, dvt, afspraken):
    from tests.factories import IndicatorFactory

    IndicatorFactory(verbeterafspraak=afspraken[0])
    response = client.get(traject_url(dvt))
    assert response.context["indicator_groepen"] == []
    assert 'id="indicatoren"' not in response.text


# The public list of agreements.

LIST_URL = "/afspraken/"


def test_a_visitor_lists_the_published_agreements_filters_and_downloads_them(
    client, dvt, afspraken, gepubliceerd
):
    VoortgangsupdateFactory(
        verbeterafspraak=afspraken[0],
        peildatum=datetime.date(2023, 10, 1),
        status=Status.AFGEROND,
        tekst="Na de rapportage.",
    )
    nieuw = VerbeterafspraakFactory(traject=dvt, thema=afspraken[0].thema, nummer=9)
    response = client.get(LIST_URL)
    assert [s.nummer for s in response.context["page"]] == [1, 2, 3]
    assert nieuw.titel not in response.text
    assert "Loopt volgens planning" in response.text  # agreement 1 as published, not Afgerond
    only = client.get(LIST_URL, {"status": Status.AFGEROND, "traject": dvt.slug})
    assert [s.nummer for s in only.context["page"]] == [2]
    download = client.get(LIST_URL, {"formaat": "csv", "status": Status.OP_SCHEMA})
    header, *rows = csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";")
    assert header == STAND_KOLOMMEN
    assert [(row[2], row[6], row[8], row[10]) for row in rows] == [
        ("1", "Loopt volgens planning", "<p>De standaard wordt herzien.</p>", gepubliceerd.titel)
    ]


@pytest.mark.parametrize(
    "params", [{"status": "onzin"}, {"traject": "bestaat-niet"}, {"pagina": "999"}, {"pagina": "x"}]
)
def test_the_public_list_takes_any_input_calmly(client, dvt, afspraken, gepubliceerd, params):
    response = client.get(LIST_URL, params)
    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 8])
def test_the_public_list_queries_do_not_grow(
    client, dvt, afspraken, staff, extra, django_assert_num_queries
):
    for nummer in range(4, 4 + extra):
        VerbeterafspraakFactory(traject=dvt, thema=afspraken[0].thema, nummer=nummer)
    publiceer_rapportage(
        rapportage=RapportageFactory(traject=dvt, jaar=2022, peildatum=PEILDATUM_2022), user=staff
    )
    # The trajectories for the filter, the count, the page.
    with django_assert_num_queries(3):
        response = client.get(LIST_URL)
    assert len(response.context["page"]) == 3 + extra


def test_an_editions_agreements_download_as_published(client, dvt, afspraken, gepubliceerd):
    VoortgangsupdateFactory(
        verbeterafspraak=afspraken[0], peildatum=datetime.date(2023, 10, 1), status=Status.AFGEROND
    )
    listing = client.get(reverse("rapportages:list")).text
    url = reverse("rapportages:editie_tabel", kwargs={"pk": gepubliceerd.pk, "formaat": "csv"})
    assert url in listing
    response = client.get(url)
    assert response["Content-Disposition"].endswith('-afspraken.csv"')
    header, *rows = list(
        csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    )
    assert header[:4] == ["Traject", "Thema", "Nummer", "Titel"]
    assert [(row[2], row[6]) for row in rows] == [
        ("1", "Loopt volgens planning"),
        ("2", "Afgerond"),
        ("3", "Loopt met vertraging"),
    ]
    xlsx = reverse("rapportages:editie_tabel", kwargs={"pk": gepubliceerd.pk, "formaat": "xlsx"})
    assert client.get(xlsx)["Content-Type"].startswith("application/vnd.openxmlformats")
    bad = reverse("rapportages:editie_tabel", kwargs={"pk": gepubliceerd.pk, "formaat": "pdf"})
    assert client.get(bad).status_code == 404
    assert client.get("/rapportages/editie/999999/afspraken.csv").status_code == 404


def test_the_list_of_reports_shows_the_title_as_published(client, afspraken, gepubliceerd):
    rapportage = gepubliceerd.rapportage
    published = rapportage.titel
    rapportage.titel = "Een nieuwe titel na publicatie"
    rapportage.save()
    text = client.get(reverse("rapportages:list")).text
    assert published in text
    assert "Een nieuwe titel na publicatie" not in text


def test_the_accessibility_statement_is_public_and_in_every_footer(client, alice, settings):
    settings.TOEGANKELIJKHEID_CONTACT = "toegankelijkheid@example.nl"
    response = client.get(reverse("toegankelijkheid"))
    assert response.status_code == 200
    for heading in [
        "Welke norm",
        "Hoe ver we zijn",
        "Hoe we het onderzochten",
        "Bekende problemen",
        "Een probleem melden",
    ]:
        assert f">{heading}</h2>" in response.text
    assert "WCAG 2.1 niveau AA" in response.text
    assert 'href="mailto:toegankelijkheid@example.nl"' in response.text
    link = f'<a href="{reverse("toegankelijkheid")}">Toegankelijkheid</a>'
    for url in ["/", "/trajecten/", "/afspraken/", "/rapportages/", reverse("login")]:
        assert link in client.get(url).text, url
    client.force_login(alice)
    assert link in client.get("/afspraken/").text


def test_the_admin_links_the_accessibility_statement_too(client, staff):
    client.force_login(staff)
    text = client.get(reverse("admin:index")).text
    assert f'<a href="{reverse("toegankelijkheid")}">Toegankelijkheid</a>' in text


def test_a_member_of_another_party_sees_the_published_state(
    client, charlie, afspraken, gepubliceerd, dvt
):
    VoortgangsupdateFactory(
        verbeterafspraak=afspraken[0],
        peildatum=datetime.date(2023, 10, 1),
        tekst="Live, niet publiek.",
    )
    client.force_login(charlie)  # ZN: not a party of agreement 1
    response = client.get(afspraak_url(afspraken[0]))
    assert response.status_code == 200
    assert "De standaard wordt herzien." in response.text
    assert "Live, niet publiek." not in response.text
    nieuw = VerbeterafspraakFactory(traject=dvt, thema=afspraken[0].thema, nummer=9)
    assert client.get(afspraak_url(nieuw)).status_code == 404
    assert client.post(afspraak_url(afspraken[0]), {"tekst": "x"}).status_code in (403, 404)


def test_trajectory_pages_name_a_report_as_published(client, alice, dvt, afspraken, gepubliceerd):
    rapportage = gepubliceerd.rapportage
    rapportage.titel = "Een nieuwe titel na publicatie"
    rapportage.save()
    for logged_in in (False, True):
        if logged_in:
            client.force_login(alice)
        text = client.get(traject_url(dvt)).text
        assert gepubliceerd.titel in text
        assert "Een nieuwe titel na publicatie" not in text


def test_a_download_too_long_says_so_instead(client, dvt, afspraken, gepubliceerd, monkeypatch):
    from portal.core import tabellen

    monkeypatch.setattr(tabellen, "MAX_RIJEN", 2)
    response = client.get(LIST_URL, {"formaat": "csv"})
    assert response["Content-Type"].startswith("text/html")
    assert "Een download bevat ten hoogste 2 rijen en deze zou er 3 hebben" in response.text
    assert client.get(LIST_URL, {"formaat": "csv", "status": Status.AFGEROND}).status_code == 200
    table = reverse("rapportages:editie_tabel", kwargs={"pk": gepubliceerd.pk, "formaat": "csv"})
    response = client.get(table)
    assert response.status_code == 422
    assert "ten hoogste 2 rijen" in response.text
