"""Mijn afspraken as a download: the same agreements as the list, all pages, filtered."""

import csv
import io

import openpyxl
from django.urls import reverse

from afspraken import views
from afspraken.models import Status
from portal.core import tabellen
from tests.factories import VerbeterafspraakFactory, VoortgangsupdateFactory

LIST_URL = reverse("afspraken:list")


def rows_of(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_a_member_downloads_their_agreements_only(client, alice, afspraak, zn, dvt):
    VoortgangsupdateFactory(verbeterafspraak=afspraak, status=Status.AFGEROND)
    VerbeterafspraakFactory(traject=dvt, thema=afspraak.thema, nummer=2, regiehouder=zn)
    client.force_login(alice)
    response = client.get(LIST_URL, {"formaat": "csv"})
    assert response["Content-Disposition"].startswith('attachment; filename="mijn-afspraken-')
    header, *rows = rows_of(response)
    assert header == views.DOWNLOAD_KOLOMMEN
    assert len(rows) == 1
    [row] = rows
    assert row[:8] == [
        dvt.naam,
        afspraak.thema.naam,
        "1",
        afspraak.titel,
        str(afspraak.streefjaar),
        "NHG",
        "NIV",
        "Afgerond",
    ]
    assert row[9] == f"http://testserver{afspraak.get_absolute_url()}"


def test_the_download_follows_the_filters_and_takes_every_page(client, staff, afspraak, dvt):
    for nummer in range(2, 2 + views.PER_PAGE + 5):
        VerbeterafspraakFactory(traject=dvt, thema=afspraak.thema, nummer=nummer)
    client.force_login(staff)
    assert len(rows_of(client.get(LIST_URL, {"formaat": "csv"}))) == 1 + views.PER_PAGE + 6
    response = client.get(LIST_URL, {"formaat": "xlsx", "q": afspraak.titel})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == [afspraak.titel]


def test_a_download_too_long_is_refused_with_a_message(client, staff, afspraak, dvt, monkeypatch):
    VerbeterafspraakFactory(traject=dvt, thema=afspraak.thema, nummer=2)
    monkeypatch.setattr(tabellen, "MAX_RIJEN", 1)
    client.force_login(staff)
    response = client.get(LIST_URL, {"formaat": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Een download bevat ten hoogste 1 rijen en deze zou er meer hebben." in response.text


def test_an_unknown_format_shows_the_list(client, alice, afspraak):
    client.force_login(alice)
    response = client.get(LIST_URL, {"formaat": "pdf"})
    assert response["Content-Type"].startswith("text/html")
    assert "formaat=csv" in response.text


def test_a_visitor_downloads_nothing_live(client, afspraak):
    """A visitor's list is the published one (tests/rapportages/test_openbaar.py): with nothing
    published, a download holds no agreement."""
    VoortgangsupdateFactory(verbeterafspraak=afspraak, status=Status.AFGEROND)
    response = client.get(LIST_URL, {"formaat": "csv"})
    assert response.status_code == 200
    assert len(rows_of(response)) == 1  # the header only
