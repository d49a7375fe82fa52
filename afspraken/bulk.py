"""Measurements in bulk: read a spreadsheet of figures, show what it would change, store it all
or nothing, and write the same format back out.

The format (CSV with `;` or `,`, UTF-8 with or without BOM, or Excel .xlsx; first row the
column names, in any order):

    indicator_id;indicator;jaar;waarde;bekend_sinds;bron;toelichting

`indicator_id`, `jaar` and `waarde` are required; `indicator` (the name) is there for people
and is not read; an empty `bekend_sinds` is today. Values in Dutch notation (`61,5`,
`1.234,5`) or with a decimal point (`61.5`); dates as `2024-03-01` or `1-3-2024`. Row numbers
are those of the spreadsheet: the column names are row 1.

Nothing is kept on the server between the preview and the confirmation: the preview carries
the parsed rows in a signed field, and confirming checks every row again and stores them
through `meld_meting` inside one transaction.
"""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .cijfers import getal, lees_getal
from .models import METING_NEWEST_FIRST, Indicator, Meting
from .services import meld_meting

COLUMNS = ["indicator_id", "indicator", "jaar", "waarde", "bekend_sinds", "bron", "toelichting"]
REQUIRED_COLUMNS = ["indicator_id", "jaar", "waarde"]
MAX_FILE_SIZE = 2 * 1024 * 1024
# Confirming stores each row through meld_meting, about 3 ms a row: 1,000 rows keep the request
# to a few seconds. (A registry's yearly delivery is some hundreds.)
MAX_ROWS = 1_000
MAX_UNPACKED_SIZE = 50 * 1024 * 1024  # of an .xlsx, which is a zip archive
# A signed preview travels in a form field; it stays below DATA_UPLOAD_MAX_MEMORY_SIZE.
MAX_PAYLOAD_SIZE = 2_000_000
PAYLOAD_MAX_AGE = 60 * 60  # seconds from preview to confirmation
SIGNING_SALT = "afspraken.bulk.metingen"
XLSX_MAGIC = b"PK\x03\x04"
# The model's field names as the columns call them.
FIELD_COLUMNS = {"indicator": "indicator_id", "peildatum": "bekend_sinds"}

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BulkError(Exception):
    """The file as a whole cannot be read; the message says why, in Dutch."""


@dataclass
class Rij:
    """One row of figures, read and parsed (not yet checked against the indicator)."""

    nummer: int
    indicator_id: int
    jaar: int
    waarde: Decimal
    peildatum: datetime.date
    bron: str
    toelichting: str

    def to_list(self) -> list:
        return [
            self.nummer,
            self.indicator_id,
            self.jaar,
            str(self.waarde),
            self.peildatum.isoformat(),
            self.bron,
            self.toelichting,
        ]

    @classmethod
    def from_list(cls, values: list) -> "Rij":
        nummer, indicator_id, jaar, waarde, peildatum, bron, toelichting = values
        return cls(
            nummer=int(nummer),
            indicator_id=int(indicator_id),
            jaar=int(jaar),
            waarde=Decimal(waarde),
            peildatum=datetime.date.fromisoformat(peildatum),
            bron=str(bron),
            toelichting=str(toelichting),
        )


@dataclass
class Wijziging:
    """What storing a row would do: a new figure, a correction of `oud`, or nothing."""

    rij: Rij
    indicator: Indicator
    oud: Meting | None

    @property
    def is_unchanged(self) -> bool:
        oud = self.oud
        return oud is not None and (oud.waarde, oud.bron, oud.toelichting) == (
            self.rij.waarde,
            self.rij.bron,
            self.rij.toelichting,
        )


@dataclass
class Plan:
    wijzigingen: list[Wijziging]
    errors: list[str]

    @property
    def to_store(self) -> list[Wijziging]:
        return [w for w in self.wijzigingen if not w.is_unchanged]

    @property
    def unchanged_count(self) -> int:
        return sum(w.is_unchanged for w in self.wijzigingen)


class UploadForm(forms.Form):
    bestand = forms.FileField(label="Bestand")


class ConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput, max_length=MAX_PAYLOAD_SIZE)


def dutch_count(number: int) -> str:
    return getal(number)


def error_text(nummer: int, column: str | None, message: str) -> str:
    if column:
        return f"Rij {nummer}, kolom {column}: {message}"
    return f"Rij {nummer}: {message}"


def by_row(errors: list[str]) -> list[str]:
    """Errors in the order of their rows (a stable sort: a row's errors keep their order)."""

    def row_number(text: str) -> int:
        number = text.removeprefix("Rij ").split(",", 1)[0].split(":", 1)[0]
        return int(number) if number.isdigit() else 0

    return sorted(errors, key=row_number)


# Reading


def read_table(upload) -> list[tuple[int, list]]:
    """The uploaded file's data rows as (row number, cells by column name order of COLUMNS)."""
    if upload.size > MAX_FILE_SIZE:
        raise BulkError("Het bestand is groter dan 2 MB. Splits het in kleinere bestanden.")
    data = upload.read(MAX_FILE_SIZE + 1)
    if not data.strip():
        raise BulkError("Het bestand is leeg.")
    rows = read_xlsx(data) if data.startswith(XLSX_MAGIC) else read_csv(data)
    return take_columns(rows)


def read_csv(data: bytes):
    if b"\x00" in data:
        raise BulkError("Dit is geen CSV-bestand en geen Excel-bestand (.xlsx).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BulkError(
            "Het bestand is geen CSV in UTF-8 en geen Excel-bestand (.xlsx). Sla het in Excel op "
            "als 'CSV UTF-8' of als .xlsx."
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error:
        raise BulkError(
            "Het CSV-bestand is niet te lezen (controleer de aanhalingstekens)."
        ) from None


def read_xlsx(data: bytes):
    import openpyxl  # only for spreadsheets: it takes a while to import

    not_xlsx = BulkError("Dit bestand is geen geldig Excel-bestand (.xlsx).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_xlsx from None
    if unpacked > MAX_UNPACKED_SIZE:
        # openpyxl reads the shared strings whole, even in read-only mode.
        raise BulkError(
            "Het Excel-bestand is uitgepakt te groot. Splits het in kleinere bestanden."
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        # openpyxl raises many kinds of errors on a file that only looks like a workbook.
        raise not_xlsx from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(max_col=len(COLUMNS) + 5, values_only=True):
            yield list(row)
    except Exception:
        raise not_xlsx from None
    finally:
        workbook.close()


def is_empty(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def take_columns(rows) -> list[tuple[int, list]]:
    rows = iter(rows)
    header = next(rows, None)
    while header is not None and all(is_empty(cell) for cell in header):
        header = next(rows, None)
    if header is None:
        raise BulkError("Het bestand is leeg.")
    names = [str(cell).strip().lower() if not is_empty(cell) else "" for cell in header]
    while names and not names[-1]:
        names.pop()
    expected = ";".join(COLUMNS)
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise BulkError(
            f"Onbekende kolom: {', '.join(n or '(leeg)' for n in unknown)[:200]}. "
            f"Verwacht in de eerste rij: {expected}"
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise BulkError(
            f"Kolom ontbreekt: {', '.join(missing)}. Verwacht in de eerste rij: {expected}"
        )
    doubles = sorted({name for name in names if names.count(name) > 1})
    if doubles:
        raise BulkError(f"Kolom staat er twee keer in: {', '.join(doubles)}.")
    position = {name: names.index(name) if name in names else None for name in COLUMNS}
    table = []
    # Spreadsheet row numbers: the header is row 1 (after any empty rows above it).
    for nummer, row in enumerate(rows, start=2):
        if all(is_empty(cell) for cell in row):
            continue
        if len(table) == MAX_ROWS:
            raise BulkError(
                f"Het bestand heeft meer dan {dutch_count(MAX_ROWS)} rijen. Splits het in "
                "kleinere bestanden."
            )
        cells = [
            row[position[name]]
            if position[name] is not None and position[name] < len(row)
            else None
            for name in COLUMNS
        ]
        table.append((nummer, cells))
    if not table:
        raise BulkError("Het bestand bevat geen metingen, alleen kolomnamen.")
    return table


# Parsing cells


def parse_integer(cell) -> int:
    if isinstance(cell, bool):
        raise ValueError
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    text = str(cell).strip()
    if not text.isdigit() or len(text) > 9:
        raise ValueError
    return int(text)


def parse_decimal(cell) -> Decimal:
    """A number as `afspraken.cijfers.lees_getal` reads it; Excel gives numbers as numbers."""
    if isinstance(cell, bool):
        raise ValueError
    if isinstance(cell, int | float):
        value = Decimal(str(cell))
        if not value.is_finite():
            raise ValueError
        return value
    return lees_getal(str(cell))


def parse_date(cell) -> datetime.date:
    if isinstance(cell, datetime.datetime):
        return cell.date()
    if isinstance(cell, datetime.date):
        return cell
    text = str(cell).strip()
    if len(text) > 20:
        raise ValueError
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.replace("/", "-").split("-")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise ValueError
    day, month, year = (int(part) for part in parts)
    return datetime.date(year, month, day)


def parse_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def parse_rows(table) -> tuple[list[Rij], list[str]]:
    rijen, errors = [], []
    today = timezone.localdate()
    for nummer, cells in table:
        rij, row_errors = parse_row(nummer, dict(zip(COLUMNS, cells, strict=True)), today)
        if rij is None:
            errors.extend(row_errors)
        else:
            rijen.append(rij)
    return rijen, errors


def parse_row(nummer: int, values: dict, today: datetime.date) -> tuple[Rij | None, list[str]]:
    errors = []

    def take(column, parse, message, default=None):
        cell = values[column]
        if is_empty(cell):
            if default is None:
                errors.append(error_text(nummer, column, "Vul dit in."))
            return default
        try:
            return parse(cell)
        except (ValueError, TypeError, OverflowError):
            errors.append(error_text(nummer, column, message))
            return None

    indicator_id = take("indicator_id", parse_integer, "Vul het id van een indicator in.")
    jaar = take("jaar", parse_integer, "Vul een jaartal in, zoals 2024.")
    waarde = take("waarde", parse_decimal, "Vul een getal in, zoals 61,5.")
    peildatum = take("bekend_sinds", parse_date, "Vul een datum in, zoals 1-3-2024.", today)
    if errors:
        return None, errors
    rij = Rij(
        nummer=nummer,
        indicator_id=indicator_id,
        jaar=jaar,
        waarde=waarde,
        peildatum=peildatum,
        bron=parse_text(values["bron"]),
        toelichting=parse_text(values["toelichting"]),
    )
    return rij, []


# Checking and storing


def messages_of(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"__all__": error.messages}


def plan(rijen: list[Rij], user) -> Plan:
    """Check every row as `meld_meting` would, and say what storing it would change."""
    indicators = Indicator.objects.select_related("traject", "verbeterafspraak").in_bulk(
        {rij.indicator_id for rij in rijen}
    )
    current = {}
    for meting in Meting.objects.filter(indicator__in=indicators.values()).order_by(
        "indicator", "jaar", *METING_NEWEST_FIRST
    ):
        current.setdefault((meting.indicator_id, meting.jaar), meting)
    wijzigingen, errors, seen = [], [], {}
    for rij in rijen:
        indicator = indicators.get(rij.indicator_id)
        if indicator is None:
            errors.append(
                error_text(
                    rij.nummer, "indicator_id", f"Er is geen indicator met id {rij.indicator_id}."
                )
            )
            continue
        if not user.has_perm("afspraken.add_meting", indicator):
            errors.append(
                error_text(
                    rij.nummer, "indicator_id", "U mag van deze indicator geen metingen melden."
                )
            )
            continue
        key = (indicator.pk, rij.jaar)
        if key in seen:
            errors.append(
                error_text(
                    rij.nummer,
                    "jaar",
                    f"Dit jaar van deze indicator staat al in rij {seen[key]}; geef elk jaar één "
                    "waarde.",
                )
            )
            continue
        seen[key] = rij.nummer
        meting = Meting(
            indicator=indicator,
            jaar=rij.jaar,
            waarde=rij.waarde,
            peildatum=rij.peildatum,
            bron=rij.bron,
            toelichting=rij.toelichting,
            auteur=user,
        )
        try:
            meting.full_clean()
        except ValidationError as error:
            for field, messages in messages_of(error).items():
                column = None if field == "__all__" else FIELD_COLUMNS.get(field, field)
                errors.extend(error_text(rij.nummer, column, message) for message in messages)
            continue
        wijzigingen.append(Wijziging(rij=rij, indicator=indicator, oud=current.get(key)))
    return Plan(wijzigingen=wijzigingen, errors=errors)


class Refused(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def store(rijen: list[Rij], user) -> Plan:
    """Check the rows again and store the changed ones, all or nothing. Raises Refused with
    the rows' errors (nothing stored)."""
    with transaction.atomic():
        result = plan(rijen, user)
        if result.errors:
            raise Refused(result.errors)
        errors = []
        for wijziging in result.to_store:
            rij = wijziging.rij
            try:
                meld_meting(
                    indicator=wijziging.indicator,
                    user=user,
                    jaar=rij.jaar,
                    waarde=rij.waarde,
                    peildatum=rij.peildatum,
                    bron=rij.bron,
                    toelichting=rij.toelichting,
                )
            except PermissionDenied:
                errors.append(
                    error_text(
                        rij.nummer, "indicator_id", "U mag van deze indicator geen metingen melden."
                    )
                )
            except ValidationError as error:
                for field, messages in messages_of(error).items():
                    column = None if field == "__all__" else FIELD_COLUMNS.get(field, field)
                    errors.extend(error_text(rij.nummer, column, message) for message in messages)
        if errors:
            raise Refused(errors)  # rolls back every row stored above
    return result


# The signed preview


def sign(rijen: list[Rij], user) -> str:
    return signing.dumps(
        {"user": user.pk, "rows": [rij.to_list() for rij in rijen]},
        salt=SIGNING_SALT,
        compress=True,
    )


def unsign(payload: str, user) -> list[Rij]:
    """The rows of a signed preview. Raises BulkError if it was changed, expired or another
    user's."""
    if len(payload) > MAX_PAYLOAD_SIZE:
        raise BulkError("De gegevens van de voorbeeldweergave zijn te groot.")
    try:
        data = signing.loads(payload, salt=SIGNING_SALT, max_age=PAYLOAD_MAX_AGE)
    except signing.SignatureExpired:
        raise BulkError("De voorbeeldweergave is verlopen. Upload het bestand opnieuw.") from None
    except signing.BadSignature:
        raise BulkError(
            "De gegevens van de voorbeeldweergave zijn gewijzigd. Upload het bestand opnieuw."
        ) from None
    if not isinstance(data, dict) or data.get("user") != user.pk:
        raise BulkError("Deze voorbeeldweergave is van een andere gebruiker.")
    try:
        return [Rij.from_list(values) for values in data["rows"]]
    except (KeyError, TypeError, ValueError, ArithmeticError):
        raise BulkError("De gegevens van de voorbeeldweergave zijn onleesbaar.") from None


# Export


def dutch_number(value: Decimal) -> str:
    """No thousands separator: the upload reads 1.234 as one point two three four."""
    return getal(value, grouping=False)


def export_rows(indicators) -> list[list]:
    """The current figure of every year of the indicators, in the upload format (values as
    Python objects)."""
    indicators = list(indicators)
    metingen = Meting.objects.filter(indicator__in=indicators).select_related("indicator")
    current = {}
    for meting in metingen.order_by("indicator", "jaar", *METING_NEWEST_FIRST):
        current.setdefault((meting.indicator_id, meting.jaar), meting)
    rows = []
    for meting in sorted(
        current.values(), key=lambda m: (m.indicator.naam, m.indicator_id, m.jaar)
    ):
        rows.append(
            [
                meting.indicator_id,
                meting.indicator.naam,
                meting.jaar,
                meting.waarde.normalize(),
                meting.peildatum,
                meting.bron,
                meting.toelichting,
            ]
        )
    return rows


def export_csv(indicators) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in export_rows(indicators):
        indicator_id, naam, jaar, waarde, peildatum, bron, toelichting = row
        writer.writerow(
            [
                indicator_id,
                naam,
                jaar,
                dutch_number(waarde),
                peildatum.isoformat(),
                bron,
                toelichting,
            ]
        )
    # With a BOM, so that Excel reads it as UTF-8.
    return out.getvalue().encode("utf-8-sig")


def export_xlsx(indicators) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Metingen")
    sheet.append(COLUMNS)
    for row in export_rows(indicators):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
