"""Downloads as CSV and Excel: the same rows either way, and no cell a spreadsheet would run."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl

from portal.core import tabellen

KOLOMMEN = ["Titel", "Datum", "Waarde"]
RIJEN = [
    ['=HYPERLINK("http://kwaad.example")', datetime.date(2024, 3, 1), Decimal("41.5")],
    ["+31 6 1234", None, 3],
    ["Gewone tekst; met puntkomma", datetime.date(2025, 1, 2), Decimal("0")],
]


def test_csv_opens_in_excel_and_runs_no_formula():
    body = tabellen.csv_bytes(KOLOMMEN, RIJEN)
    assert body.startswith(b"\xef\xbb\xbf")  # the byte-order mark: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == KOLOMMEN
    assert rows[1] == ['\'=HYPERLINK("http://kwaad.example")', "2024-03-01", "41.5"]
    assert rows[2] == ["'+31 6 1234", "", "3"]
    assert rows[3] == ["Gewone tekst; met puntkomma", "2025-01-02", "0"]


def test_xlsx_keeps_texts_as_text_and_numbers_as_numbers():
    body = tabellen.xlsx_bytes([("Blad", KOLOMMEN, RIJEN)])
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(KOLOMMEN)
    assert rows[1][0] == '=HYPERLINK("http://kwaad.example")'
    assert sheet["A2"].data_type == "s"  # a text, not a formula
    assert rows[1][2] == 41.5
    assert rows[2][0] == "+31 6 1234"


def test_download_names_the_file_and_its_type():
    response = tabellen.download("Mijn afspraken 2026", "csv", KOLOMMEN, RIJEN)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mijn-afspraken-2026.csv"'
    response = tabellen.download("Mijn afspraken 2026", "xlsx", KOLOMMEN, RIJEN)
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert openpyxl.load_workbook(io.BytesIO(response.content)).active.max_row == 4
