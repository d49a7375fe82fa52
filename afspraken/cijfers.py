"""Figures in Dutch notation, the one way pages, reports, charts and exports write them."""

from decimal import Decimal

from .evaluatie import Beoordeling
from .models import Indicator

NBSP = "\u00a0"  # between a number and its unit, so that they stay on one line


def getal(value: Decimal | int | None, *, grouping: bool = True) -> str:
    """A number in Dutch notation, trailing zeros stripped: 61,5; 27.000; -1.250,75.

    Without `grouping` no thousands separator (1250,75), for files that are read back in.
    """
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = text.partition(".")
    if grouping:
        whole = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{whole},{fraction}" if fraction else f"{sign}{whole}"


def met_eenheid(indicator: Indicator, value: Decimal | None) -> str:
    """A figure with its unit: 52 %, 6,1 per 1.000, € 1.200, 12 weken, 27.000."""
    if value is None:
        return ""
    number = getal(value)
    if indicator.eenheid == Indicator.Eenheid.EURO:
        return f"€{NBSP}{number}"
    if indicator.eenheid == Indicator.Eenheid.AANTAL:
        return number
    return f"{number}{NBSP}{indicator.get_eenheid_display()}"


def verandering(beoordeling: Beoordeling) -> str:
    """The change since the baseline, signed: −19,5 procentpunt, +1.200."""
    change = beoordeling.verandering
    if change is None:
        return ""
    indicator = beoordeling.indicator
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    if indicator.eenheid == Indicator.Eenheid.PERCENTAGE:
        return f"{sign}{getal(abs(change))}{NBSP}procentpunt"
    return sign + met_eenheid(indicator, abs(change))
