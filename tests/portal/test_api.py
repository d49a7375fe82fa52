"""The open data API (/api/v1/): its schema, that every endpoint answers as the schema says,
that only published data shows, conditional requests, pagination, the throttle and the number
of queries."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from openapi_spec_validator import validate

from afspraken.models import Meting, Status
from rapportages.models import Editie, GepubliceerdeStand, Rapportage
from rapportages.services import publiceer_rapportage
from tests.factories import (
    EditieFactory,
    IndicatorFactory,
    PartijFactory,
    RapportageFactory,
    ThemaFactory,
    TrajectFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/"
PEILDATUM_2022 = datetime.date(2022, 11, 1)


@pytest.fixture
def spec(client, db):
    response = client.get(f"{API}schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def gepubliceerd(dvt, afspraak, staff):
    """The first report of `dvt` published, with the agreement's progress and an indicator
    with a figure known before the report and one after."""
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2022, 10, 1),
        status=Status.OP_SCHEMA,
        tekst="De standaard wordt **herzien**.",
    )
    indicator = IndicatorFactory(verbeterafspraak=afspraak)
    Meting.objects.create(
        indicator=indicator, jaar=2021, waarde=Decimal("39"), peildatum=datetime.date(2022, 3, 1)
    )
    rapportage = RapportageFactory(traject=dvt, jaar=2022, peildatum=PEILDATUM_2022)
    editie = publiceer_rapportage(rapportage=rapportage, user=staff)
    Meting.objects.create(
        indicator=indicator, jaar=2022, waarde=Decimal("35"), peildatum=datetime.date(2023, 3, 1)
    )
    return editie


def test_the_schema_is_valid_openapi(spec):
    validate(spec)
    assert spec["info"]["description"].startswith("De gegevens die het Passende zorg portaal")
    assert {f"{API}verbeterafspraken/", f"{API}edities/{{id}}/"} <= set(spec["paths"])


def test_the_schema_is_also_yaml(client, db):
    response = client.get(f"{API}schema/")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.0")


def matches_schema(spec, template: str, response) -> None:
    """The response's status, headers and body are as the schema documents them for the path."""
    documented = spec["paths"][template]["get"]["responses"][str(response.status_code)]
    for header in documented.get("headers", {}):
        assert response.has_header(header), f"{template}: no {header}"
    content = documented.get("content")
    if content is None:
        assert not response.content
        return
    schema = content["application/json"]["schema"]
    validator = OAS30ReadValidator(
        {**schema, "components": spec["components"]}, format_checker=oas30_format_checker
    )
    validator.validate(response.json())


def test_every_endpoint_answers_as_the_schema_says(client, spec, gepubliceerd, afspraak, dvt):
    implementatie = RapportageFactory(
        soort=Rapportage.Soort.IMPLEMENTATIE, traject=None, jaar=2022, peildatum=PEILDATUM_2022
    )
    EditieFactory(rapportage=implementatie)
    values = {
        "slug": dvt.slug,
        "afkorting": afspraak.regiehouder.afkorting,
        "verbeterafspraken": afspraak.pk,
        "indicatoren": afspraak.indicatoren.get().pk,
        "rapportages": gepubliceerd.rapportage_id,
        "edities": gepubliceerd.pk,
    }
    requested = []
    for template, operations in spec["paths"].items():
        assert set(operations) == {"get"}, template
        collection = template.removeprefix(API).split("/")[0]
        path = template
        for name in re.findall(r"\{(\w+)\}", template):
            path = path.replace(f"{{{name}}}", str(values.get(name, values.get(collection))))
        response = client.get(path)
        assert response.status_code == 200, path
        matches_schema(spec, template, response)
        if "{" in template:
            absent = re.sub(r"\{(\w+)\}", lambda match: "999999", template)
            matches_schema(spec, template, client.get(absent))
        else:
            assert response.json()["results"], f"{path} is empty: the test would check little"
            matches_schema(spec, template, client.get(path, {"pagina": 99}))
        requested.append(template)
    assert len(requested) == 12


def test_a_published_agreement_as_the_report_showed_it(client, gepubliceerd, afspraak):
    data = client.get(f"{API}verbeterafspraken/{afspraak.pk}/").json()
    assert data["id"] == afspraak.pk
    assert data["traject"] == afspraak.traject.slug
    assert data["stand"]["status"] == Status.OP_SCHEMA
    assert data["stand"]["status_label"] == "Loopt volgens planning"
    assert data["stand"]["tekst_html"] == "<p>De standaard wordt <strong>herzien</strong>.</p>"
    assert data["stand"]["editie"] == gepubliceerd.pk
    assert data["stand"]["partijen"] == ["NHG", "NIV"]
    assert [stand["editie"] for stand in data["standen"]] == [gepubliceerd.pk]
    assert data["url"] == f"http://testserver/afspraken/{afspraak.pk}/"


def test_an_update_after_the_last_publication_shows_only_after_the_next(
    client, gepubliceerd, afspraak, dvt, staff
):
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2023, 10, 1),
        status=Status.AFGEROND,
        tekst="Na de rapportage gemeld.",
    )
    for path in (f"{API}verbeterafspraken/", f"{API}verbeterafspraken/{afspraak.pk}/"):
        assert "Na de rapportage gemeld." not in client.get(path).text
    assert client.get(f"{API}verbeterafspraken/", {"status": "afgerond"}).json()["count"] == 0

    volgende = RapportageFactory(traject=dvt, jaar=2023, peildatum=datetime.date(2023, 11, 1))
    editie = publiceer_rapportage(rapportage=volgende, user=staff)

    data = client.get(f"{API}verbeterafspraken/{afspraak.pk}/").json()
    assert data["stand"]["status"] == Status.AFGEROND
    assert "Na de rapportage gemeld." in data["stand"]["tekst_html"]
    assert [stand["editie"] for stand in data["standen"]] == [editie.pk, gepubliceerd.pk]
    assert client.get(f"{API}verbeterafspraken/", {"status": "afgerond"}).json()["count"] == 1


def test_a_concept_and_what_only_it_shows_are_absent(client, gepubliceerd, dvt, afspraak):
    concept = RapportageFactory(traject=dvt, jaar=2023, peildatum=datetime.date(2023, 11, 1))
    nieuw = VerbeterafspraakFactory(traject=dvt, thema=afspraak.thema, regiehouder=PartijFactory())
    assert [r["id"] for r in client.get(f"{API}rapportages/").json()["results"]] == [
        gepubliceerd.rapportage_id
    ]
    assert client.get(f"{API}rapportages/{concept.pk}/").status_code == 404
    assert [e["id"] for e in client.get(f"{API}edities/").json()["results"]] == [gepubliceerd.pk]
    response = client.get(f"{API}verbeterafspraken/{nieuw.pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Niet gevonden."}
    listed = client.get(f"{API}verbeterafspraken/").json()["results"]
    assert [a["id"] for a in listed] == [afspraak.pk]
    partijen = [p["afkorting"] for p in client.get(f"{API}partijen/").json()["results"]]
    assert partijen == ["NHG", "NIV"]


def test_a_report_with_its_editions_and_checksums(client, gepubliceerd):
    data = client.get(f"{API}rapportages/{gepubliceerd.rapportage_id}/").json()
    assert data["titel"] == gepubliceerd.titel
    [editie] = data["edities"]
    assert editie["html_sha256"] == Editie.checksum(gepubliceerd.html)
    assert editie["pdf_sha256"] == Editie.checksum(bytes(gepubliceerd.pdf))
    assert editie["pdf_url"] == "http://testserver" + gepubliceerd.get_pdf_url()
    assert "html" not in editie and "pdf" not in editie
    assert client.get(editie["html_url"]).status_code == 200


def test_an_indicator_shows_only_the_figures_a_report_could_show(client, gepubliceerd, afspraak):
    [indicator] = client.get(f"{API}indicatoren/").json()["results"]
    assert indicator["verbeterafspraak"] == afspraak.pk
    assert indicator["leverancier"] == "NHG"
    assert [(m["jaar"], m["waarde"]) for m in indicator["metingen"]] == [(2021, "39.0000")]


def test_an_indicator_of_an_unpublished_trajectory_is_absent(client, gepubliceerd):
    other = VerbeterafspraakFactory(traject=TrajectFactory())
    IndicatorFactory(verbeterafspraak=other)
    assert client.get(f"{API}indicatoren/").json()["count"] == 1


def test_trajectories_with_their_phases_and_themes(client, dvt, diagnostiek):
    TrajectFactory(naam="Artrose van knie en heup", slug="artrose")
    data = client.get(f"{API}trajecten/").json()
    assert [t["slug"] for t in data["results"]] == ["artrose", dvt.slug]
    detail = client.get(f"{API}trajecten/{dvt.slug}/").json()
    fasen = ["screening", "verdieping", "implementatie"]
    assert [f["fase"] for f in detail["faseperiodes"]] == fasen
    assert detail["themas"] == [{"naam": "Diagnostiek", "volgorde": 1}]
    assert detail["bevroren_tot"] is None


# Conditional requests


def test_a_repeated_request_with_the_etag_is_a_304_without_reading_the_list(client, gepubliceerd):
    url = f"{API}verbeterafspraken/"
    first = client.get(url)
    assert first["Cache-Control"] == "public, no-cache"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers={"if-none-match": first["ETag"]})
    assert response.status_code == 304
    assert response["ETag"] == first["ETag"]
    assert not response.content
    assert not any("gepubliceerdestand" in q["sql"] for q in queries.captured_queries)

    response = client.get(url, headers={"if-modified-since": first["Last-Modified"]})
    assert response.status_code == 304


def test_the_etag_changes_with_a_publication_and_a_staff_change(client, gepubliceerd, dvt, staff):
    url = f"{API}trajecten/"
    etag = client.get(url)["ETag"]
    ThemaFactory(traject=dvt, naam="Nazorg")
    response = client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Nazorg" in response.text

    etag = response["ETag"]
    # A report that appeared before the portal: its edition is dated in the past.
    oud = RapportageFactory(
        traject=dvt,
        jaar=2021,
        peildatum=datetime.date(2021, 11, 1),
        publicatiedatum=datetime.date(2021, 12, 1),
    )
    publiceer_rapportage(rapportage=oud, user=staff)
    assert client.get(url, headers={"if-none-match": etag}).status_code == 200


def test_json_and_the_browsable_page_have_their_own_etag(client, gepubliceerd):
    url = f"{API}edities/"
    as_json = client.get(url)
    as_html = client.get(url, headers={"accept": "text/html"})
    assert as_html.status_code == 200
    assert "text/html" in as_html["Content-Type"]
    assert as_json["ETag"] != as_html["ETag"]
    assert "Accept" in as_json["Vary"]
    assert not as_html.cookies  # no CSRF token: nothing on the page writes
    assert "Open data van het Passende zorg portaal" in as_html.text


# Pagination, errors, methods


def test_pages_are_bounded(client, dvt):
    for n in range(3):
        TrajectFactory(naam=f"Traject {n}", slug=f"traject-{n}")
    data = client.get(f"{API}trajecten/", {"per_pagina": 2}).json()
    assert data["count"] == 4
    assert len(data["results"]) == 2
    assert data["next"] == "http://testserver/api/v1/trajecten/?pagina=2&per_pagina=2"
    assert len(client.get(f"{API}trajecten/", {"per_pagina": 100_000}).json()["results"]) == 4
    for bad in ["0", "3", "abc", "99999999999999999999", "-1", "1.5"]:
        response = client.get(f"{API}trajecten/", {"pagina": bad, "per_pagina": 2})
        assert response.status_code == 404, bad
        assert response.json() == {"detail": "Deze pagina bestaat niet."}


def test_at_most_a_hundred_per_page(client, db):
    TrajectFactory.create_batch(101)
    data = client.get(f"{API}trajecten/", {"per_pagina": 1000}).json()
    assert len(data["results"]) == 100


def test_a_bad_filter_is_a_400_in_dutch(client, db):
    response = client.get(f"{API}verbeterafspraken/", {"status": "onbekend"})
    assert response.status_code == 400
    assert "Selecteer een geldige keuze" in response.json()["status"][0]
    response = client.get(f"{API}rapportages/", {"jaar": "99999999999999999999"})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_the_api_only_reads(client, gepubliceerd):
    url = f"{API}rapportages/{gepubliceerd.rapportage_id}/"
    for method in (client.post, client.put, client.patch, client.delete, client.options):
        assert method(url).status_code == 405
    assert client.head(url).status_code == 200


def test_the_api_needs_no_session_and_writes_none(client, gepubliceerd, alice):
    response = client.get(f"{API}verbeterafspraken/")
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    # Logged in, the same public data: the API does not look at the user.
    client.force_login(alice)
    assert client.get(f"{API}verbeterafspraken/").json()["count"] == 1


def test_the_docs_page_needs_nothing_from_elsewhere(client, db):
    response = client.get(f"{API}docs/")
    assert response.status_code == 200
    html = response.text
    assert "swagger-ui-bundle.js" in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    script = client.get(f"{API}docs/", {"script": ""})
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.text


# Throttle


def test_too_many_requests_from_one_address_are_refused_in_dutch(client, db, settings):
    settings.API_RATE_LIMIT = "3/minute"
    url = f"{API}trajecten/"
    for _ in range(3):
        assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["detail"].startswith("Te veel verzoeken vanaf dit adres. Probeer het")
    assert client.get(url, REMOTE_ADDR="192.0.2.7").status_code == 200
    # The schema and its page count too.
    assert client.get(f"{API}schema/").status_code == 429


# Queries: constant in the size of the data


def published_world(start: int, size: int) -> None:
    """`size` more trajectories, each with two themes, three agreements with an indicator and
    figures, and a published edition showing them; stored directly (publishing renders a PDF)."""
    for n in range(start, start + size):
        traject = TrajectFactory(naam=f"Traject {n}", slug=f"traject-{n}")
        traject.bevries_tot(PEILDATUM_2022)
        themas = [ThemaFactory(traject=traject, naam=f"Thema {t}") for t in range(2)]
        editie = EditieFactory(rapportage=RapportageFactory(traject=traject, jaar=2022))
        for a in range(3):
            afspraak = VerbeterafspraakFactory(
                traject=traject, thema=themas[a % 2], betrokken_partijen=[PartijFactory()]
            )
            GepubliceerdeStand.objects.create(
                editie=editie,
                verbeterafspraak=afspraak,
                traject=traject,
                peildatum=editie.peildatum,
                published_at=editie.published_at,
                nummer=afspraak.nummer,
                titel=afspraak.titel,
                thema=afspraak.thema.naam,
                regiehouder=afspraak.regiehouder.afkorting,
                partijen=", ".join(p.afkorting for p in afspraak.partijen()),
                status=Status.OP_SCHEMA,
            )
            indicator = IndicatorFactory(verbeterafspraak=afspraak)
            for jaar in (2020, 2021):
                Meting.objects.create(
                    indicator=indicator, jaar=jaar, waarde=40, peildatum=datetime.date(jaar, 6, 1)
                )


def query_counts(client) -> dict[str, int]:
    counts = {}
    detail = {
        "trajecten": GepubliceerdeStand.objects.first().traject.slug,
        "partijen": GepubliceerdeStand.objects.first().regiehouder,
        "verbeterafspraken": GepubliceerdeStand.objects.first().verbeterafspraak_id,
        "indicatoren": Meting.objects.first().indicator_id,
        "rapportages": Rapportage.objects.first().pk,
        "edities": Editie.objects.first().pk,
    }
    for collection, key in detail.items():
        for path, name in (
            (f"{API}{collection}/", f"{API}{collection}/"),
            (f"{API}{collection}/{key}/", f"{API}{collection}/<key>/"),
        ):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            assert response.status_code == 200, path
            counts[name] = len(queries.captured_queries)
    return counts


def test_queries_do_not_grow_with_the_data(client, db):
    published_world(0, 2)
    small = query_counts(client)
    published_world(2, 6)
    assert query_counts(client) == small
    # The throttle's cache (reading, then writing in a savepoint: 6), the version, the count and
    # the page.
    assert small[f"{API}verbeterafspraken/"] == 9
