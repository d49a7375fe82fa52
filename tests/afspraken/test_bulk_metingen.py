"""Measurements in bulk: upload a spreadsheet, preview, confirm all or nothing; export."""

import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from afspraken import bulk
from afspraken.models import Indicator, Meting
from afspraken.services import meld_meting
from tests.factories import IndicatorFactory

UPLOAD_URL = reverse("admin:afspraken_indicator_metingen_upload")
HEADER = "indicator_id;indicator;jaar;waarde;bekend_sinds;bron;toelichting"


def make_indicator(afspraak, nhg, naam="Verwijzingen zonder beslisregel", basisjaar=2020):
    return IndicatorFactory(
        verbeterafspraak=afspraak,
        naam=naam,
        basisjaar=basisjaar,
        streefjaar=None,
        streefwaarde=None,
        leverancier=nhg,
    )


@pytest.fixture
def indicator(afspraak, nhg):
    return make_indicator(afspraak, nhg)


@pytest.fixture
def indicators(afspraak, nhg):
    """Eight indicators with 25 years each (2000-2024): room for 200 figures."""
    return [make_indicator(afspraak, nhg, f"Indicator {n}", basisjaar=2000) for n in range(8)]


@pytest.fixture
def editor(client, staff):
    client.force_login(staff)
    return staff


def csv_file(lines, name="metingen.csv", bom=False):
    content = "\r\n".join(lines).encode("utf-8-sig" if bom else "utf-8")
    return SimpleUploadedFile(name, content, content_type="text/csv")


def upload(client, file):
    return client.post(UPLOAD_URL, {"bestand": file})


def payload_of(response) -> str:
    match = re.search(r'name="payload" value="([^"]+)"', response.content.decode())
    assert match, "the preview offers no confirmation"
    return match.group(1)


def confirm(client, payload):
    return client.post(UPLOAD_URL, {"payload": payload})


def two_hundred_lines(indicators, bad_waarde="61,5"):
    lines = [HEADER]
    for indicator in indicators:
        for jaar in range(2000, 2025):
            waarde = (
                bad_waarde if (indicator, jaar) == (indicators[3], 2010) else f"{jaar - 1950},5"
            )
            lines.append(f"{indicator.pk};{indicator.naam};{jaar};{waarde};{jaar + 1}-03-01;;")
    return lines


def test_one_bad_row_of_200_shows_its_error_and_stores_nothing_then_all_are_stored(
    client, editor, indicators
):
    response = upload(client, csv_file(two_hundred_lines(indicators, bad_waarde="161,5")))

    assert response.status_code == 200
    # indicators[3], year 2010: row 1 + 3 * 25 + 11
    assert "Rij 87, kolom waarde: Een percentage ligt tussen 0 en 100." in response.text
    assert 'name="payload"' not in response.text
    assert Meting.objects.count() == 0

    response = upload(client, csv_file(two_hundred_lines(indicators)))
    assert "Rij " not in response.text
    assert "200 metingen om vast te leggen" in response.text
    assert Meting.objects.count() == 0  # a preview stores nothing

    response = confirm(client, payload_of(response))

    assert response.status_code == 302
    assert Meting.objects.count() == 200
    assert set(Meting.objects.values_list("auteur", flat=True)) == {editor.pk}
    assert Meting.objects.get(indicator=indicators[3], jaar=2010).waarde == Decimal("61.5")


def test_a_tampered_preview_is_refused(client, editor, indicator):
    response = upload(client, csv_file([HEADER, f"{indicator.pk};;2021;39;2022-03-01;;"]))
    payload = payload_of(response)
    tampered = payload.replace(payload[5], "A" if payload[5] != "A" else "B", 1)

    response = confirm(client, tampered)

    assert "zijn gewijzigd" in response.text
    assert Meting.objects.count() == 0


def test_another_users_preview_is_refused(client, editor, indicator, superuser):
    rijen = [bulk.Rij(2, indicator.pk, 2021, Decimal("39"), datetime.date(2022, 3, 1), "", "")]

    response = confirm(client, bulk.sign(rijen, superuser))

    assert "van een andere gebruiker" in response.text
    assert Meting.objects.count() == 0


def test_confirming_checks_again_all_or_nothing(client, editor, indicator, afspraak, nhg):
    other = make_indicator(afspraak, nhg, "Tweede")
    response = upload(
        client,
        csv_file(
            [HEADER, f"{indicator.pk};;2021;39;2022-03-01;;", f"{other.pk};;2021;12;2022-03-01;;"]
        ),
    )
    payload = payload_of(response)
    other.eenheid = Indicator.Eenheid.PERCENTAGE
    Indicator.objects.filter(pk=other.pk).update(basisjaar=2022)  # changed meanwhile

    response = confirm(client, payload)

    assert response.status_code == 200
    assert "Rij 3, kolom jaar: Het jaar ligt vóór het basisjaar" in response.text
    assert Meting.objects.count() == 0


def test_semicolons_dutch_decimals_a_bom_and_dutch_dates(client, editor, indicator):
    lines = [
        "jaar;waarde;indicator_id;bekend_sinds;toelichting",
        f'2021;"38,25";{indicator.pk};1-3-2022;"Eerste; voorlopige cijfers"',
        f"2022;1.5;{indicator.pk};;",
    ]
    response = upload(client, csv_file(lines, bom=True))
    confirm(client, payload_of(response))

    first, second = Meting.objects.order_by("jaar")
    assert (first.waarde, first.peildatum) == (Decimal("38.25"), datetime.date(2022, 3, 1))
    assert first.toelichting == "Eerste; voorlopige cijfers"
    assert (second.waarde, second.peildatum) == (Decimal("1.5"), datetime.date.today())


def test_commas_as_delimiter(client, editor, indicator):
    response = upload(client, csv_file(["indicator_id,jaar,waarde", f'{indicator.pk},2021,"39,5"']))
    confirm(client, payload_of(response))

    assert Meting.objects.get().waarde == Decimal("39.5")


def test_excel(client, editor, indicator):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(bulk.COLUMNS)
    sheet.append([indicator.pk, indicator.naam, 2021, 39.5, datetime.datetime(2022, 3, 1), "", ""])
    sheet.append([indicator.pk, indicator.naam, 2022, "37,25", None, "Vektis", None])
    out = io.BytesIO()
    workbook.save(out)

    response = upload(client, SimpleUploadedFile("metingen.xlsx", out.getvalue()))
    confirm(client, payload_of(response))

    assert list(Meting.objects.order_by("jaar").values_list("jaar", "waarde", "bron")) == [
        (2021, Decimal("39.5"), ""),
        (2022, Decimal("37.25"), "Vektis"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "bestand is leeg"),  # Django's FileField says so
        (b"\x89PNG\r\n\x1a\n\x00\x00garbage\xff\xfe", "geen CSV-bestand en geen Excel-bestand"),
        (b"\xff\xfe\xfa binary", "geen CSV in UTF-8"),
        (b"PK\x03\x04 not really a zip", "geen geldig Excel-bestand"),
        (b"naam;getal\r\nx;1", "Onbekende kolom: naam, getal."),
        (b"indicator_id;jaar\r\n1;2021", "Kolom ontbreekt: waarde."),
        (HEADER.encode(), "alleen kolomnamen"),
        (b'indicator_id;jaar;waarde\r\n"1;2021;3', "Er is niets opgeslagen"),
        (b"indicator_id;jaar;waarde\r\nx;20x1;abc", "Rij 2, kolom indicator_id: Vul het id"),
        (b"indicator_id;jaar;waarde\r\n999;2021;3", "Rij 2, kolom indicator_id: Er is geen"),
        (b"indicator_id;jaar;waarde\r\n1;2021;NaN", "Rij 2, kolom waarde: Vul een getal in"),
    ],
)
def test_a_bad_file_gets_a_dutch_error(client, editor, indicator, content, message):
    response = upload(client, SimpleUploadedFile("metingen.csv", content))

    assert response.status_code == 200
    assert message in response.text
    assert 'name="payload"' not in response.text


def test_a_zip_that_is_no_workbook(client, editor):
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hallo.txt", "hallo")

    response = upload(client, SimpleUploadedFile("metingen.xlsx", out.getvalue()))

    assert "geen geldig Excel-bestand" in response.text


def test_too_many_rows(client, editor, indicator, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_ROWS", 3)
    lines = [HEADER] + [f"{indicator.pk};;{jaar};39;;;" for jaar in range(2020, 2024)]

    response = upload(client, csv_file(lines))

    assert "Het bestand heeft meer dan 3 rijen." in response.text


def test_too_big(client, editor, indicator):
    content = (HEADER + "\r\n").encode() + b"x" * bulk.MAX_FILE_SIZE

    response = upload(client, SimpleUploadedFile("metingen.csv", content))

    assert "groter dan 2 MB" in response.text


def test_the_same_year_twice_in_a_file(client, editor, indicator):
    lines = [HEADER, f"{indicator.pk};;2021;39;;;", f"{indicator.pk};;2021;38;;;"]

    response = upload(client, csv_file(lines))

    assert "Rij 3, kolom jaar: Dit jaar van deze indicator staat al in rij 2" in response.text


def test_export_then_upload_round_trips(client, editor, indicator):
    meld_meting(
        indicator=indicator,
        user=editor,
        jaar=2021,
        waarde=Decimal("39.5"),
        peildatum=datetime.date(2022, 3, 1),
    )
    meld_meting(
        indicator=indicator,
        user=editor,
        jaar=2021,
        waarde=Decimal("38.5"),
        peildatum=datetime.date(2022, 6, 1),
        toelichting="Gecorrigeerd",
    )
    meld_meting(
        indicator=indicator,
        user=editor,
        jaar=2022,
        waarde=Decimal("35"),
        peildatum=datetime.date(2023, 3, 1),
        bron="Vektis",
    )
    changelist = reverse("admin:afspraken_indicator_changelist")
    response = client.post(
        changelist,
        {"action": "export_metingen_csv", "_selected_action": [indicator.pk]},
    )
    exported = response.content.decode("utf-8-sig").splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert exported == [
        HEADER,
        f"{indicator.pk};{indicator.naam};2021;38,5;2022-06-01;;Gecorrigeerd",
        f"{indicator.pk};{indicator.naam};2022;35;2023-03-01;Vektis;",
    ]

    response = upload(client, csv_file(exported))
    assert "ongewijzigd, wordt overgeslagen" in response.text
    assert 'name="payload"' not in response.text  # nothing to store

    exported[2] = exported[2].replace(";35;", ";34,5;")
    response = upload(client, csv_file(exported))
    assert "correctie, was 35" in response.text
    response = confirm(client, payload_of(response))

    assert Meting.objects.count() == 4
    assert Meting.objects.filter(jaar=2022).order_by("-created_at", "-pk")[0].waarde == Decimal(
        "34.5"
    )


def test_excel_export_of_one_indicator_round_trips(client, editor, indicator):
    meld_meting(
        indicator=indicator,
        user=editor,
        jaar=2021,
        waarde=Decimal("39.125"),
        peildatum=datetime.date(2022, 3, 1),
    )
    url = reverse("admin:afspraken_indicator_metingen_export", args=[indicator.pk])

    response = client.get(url, {"formaat": "xlsx"})
    assert response["Content-Type"] == bulk.XLSX_CONTENT_TYPE
    response = upload(client, SimpleUploadedFile("metingen.xlsx", response.content))

    assert "ongewijzigd, wordt overgeslagen" in response.text
    assert "Rij " not in response.text


def test_the_changelist_links_to_the_upload_page(client, editor, indicator):
    response = client.get(reverse("admin:afspraken_indicator_changelist"))

    assert UPLOAD_URL in response.text
    assert "Metingen uploaden" in response.text


def test_a_party_member_cannot_reach_the_upload_page(client, alice):
    client.force_login(alice)

    response = client.get(UPLOAD_URL)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_who_do_not_keep_the_agreements_may_not_upload(client, beheerder):
    client.force_login(beheerder)

    assert client.get(UPLOAD_URL).status_code == 403


def test_the_empty_upload_page(client, editor):
    response = client.get(UPLOAD_URL)

    assert response.status_code == 200
    assert HEADER in response.text
