"""Figures in Dutch notation: the one way pages, reports, charts and exports write them, and
the one way forms, the admin and uploads read them."""

import re
from decimal import Decimal, InvalidOperation

from .models import Indicator

NBSP = "\u00a0"  # between a number and its unit, so that they stay on one line
# Points that group thousands: 27.000, 1.234.567 (a point elsewhere is a decimal point).
THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+")
MAX_INPUT_LENGTH = 40


def lees_getal(text: str) -> Decimal:
    """A figure as people type it: 61,5 and 1.234,5 in Dutch, 27.000 is twenty-seven
    thousand, and 61.5 with a decimal point as other software writes it. ValueError if it is
    no (finite) number.
    """
    text = text.strip().replace(" ", "").replace(NBSP, "")
    if not text or len(text) > MAX_INPUT_LENGTH:
        raise ValueError(text)
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif THOUSANDS.fullmatch(text):
        text = text.replace(".", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def getal(value: Decimal | int | None, *, grouping: bool = True) -> str:
    """A number in Dutch notation, trailing zeros stripped: 61,5; 27.000; -1.250,75.

    Without `grouping` no thousands separator (1250,75), for files that are read back in.
    """
    if value is None:
        return ""
    # Stored figures come as 52.3000; str() and stripping the zeros is a third of the work of
    # normalize() and format(), which a value in exponent notation (5E+1) still needs.
    text = str(value)
    if "E" in text:
        text = f"{Decimal(value).normalize():f}"
    elif "." in text:
        text = text.rstrip("0").rstrip(".")
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = text.partition(".")
    if grouping and len(whole) > 3:
        whole = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{whole},{fraction}" if fraction else f"{sign}{whole}"


EENHEID_LABELS = dict(Indicator.Eenheid.choices)


def met_eenheid(indicator: Indicator, value: Decimal | None) -> str:
    """A figure with its unit: 52 %, 6,1 per 1.000, € 1.200, 12 weken, 27.000."""
    if value is None:
        return ""
    number = getal(value)
    if indicator.eenheid == Indicator.Eenheid.EURO:
        return f"€{NBSP}{number}"
    if indicator.eenheid == Indicator.Eenheid.AANTAL:
        return number
    # The label without `get_eenheid_display()`, which flattens the choices on every call: a
    # report writes tens of thousands of figures.
    return f"{number}{NBSP}{EENHEID_LABELS.get(indicator.eenheid, indicator.eenheid)}"


def verandering(indicator: Indicator, change: Decimal | None) -> str:
    """A change since the baseline, signed: −19,5 procentpunt, +1.200."""
    if change is None:
        return ""
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    if indicator.eenheid == Indicator.Eenheid.PERCENTAGE:
        return f"{sign}{getal(abs(change))}{NBSP}procentpunt"
    return sign + met_eenheid(indicator, abs(change))
