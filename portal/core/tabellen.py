"""Tables as downloads, CSV or Excel, written alike from the same columns and rows.

For reuse, not for looks: one header row, then one row per record; dates as ISO dates
(2024-03-01), numbers as numbers. CSV is UTF-8 with a byte-order mark and semicolons, which
Excel opens correctly in a Dutch locale. A text that a spreadsheet would read as a formula
(starting with =, +, -, @, a tab or a carriage return: "CSV injection") is written as text:
in CSV with a leading apostrophe, in Excel as a cell of type text.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse
from django.utils.text import slugify

FORMATEN = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_RIJEN = 5_000
"""The most rows one download holds: it is made in the request. Beyond it people filter, and
reusers page through the open data (/api/v1/)."""


def te_veel(aantal: int | None = None) -> str:
    """The message for a download beyond `MAX_RIJEN` (of `aantal` rows, if known)."""
    hoeveel = "meer" if aantal is None else f"{aantal:,}".replace(",", ".")
    return (
        f"Een download bevat ten hoogste {MAX_RIJEN:,} rijen".replace(",", ".")
        + f" en deze zou er {hoeveel} hebben. Kies met de filters minder, of haal de gegevens "
        "per pagina op via de open data."
    )


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def csv_bytes(kolommen: Sequence[str], rijen: Iterable[Sequence]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(kolommen)
    for rij in rijen:
        row = []
        for value in rij:
            value = _plain(value)
            if isinstance(value, str) and value.startswith(FORMULA_START):
                value = "'" + value
            row.append(value)
        writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(bladen: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """One sheet per (title, columns, rows)."""
    import openpyxl  # only for spreadsheets: it takes a while to import
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    for titel, kolommen, rijen in bladen:
        sheet = workbook.create_sheet(titel[:31])  # Excel's limit on a sheet's name
        sheet.append(list(kolommen))
        for rij in rijen:
            cells = []
            for value in rij:
                value = _plain(value)
                if isinstance(value, Decimal):
                    value = float(value)
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever it starts with
                cells.append(cell)
            sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download(naam: str, formaat: str, kolommen: Sequence[str], rijen: Iterable[Sequence]):
    """A response that downloads the table as `naam.csv` or `naam.xlsx`."""
    body = csv_bytes(kolommen, rijen) if formaat == "csv" else xlsx_bytes([(naam, kolommen, rijen)])
    response = HttpResponse(body, content_type=FORMATEN[formaat])
    response["Content-Disposition"] = f'attachment; filename="{slugify(naam)}.{formaat}"'
    return response
