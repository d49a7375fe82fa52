"""Did the care improve? An indicator's figures at a date, judged against its target.

The rule, also for the README and the reports' explanation: an indicator has reached its goal
(*doel bereikt*) when its latest value is at or beyond the target in its direction. Before the
target year it is on course (*op koers*) when it has covered at least the share of the way from
baseline to target that has passed of the time from baseline year to target year; otherwise,
and from the target year on, it is not on course (*niet op koers*). Without a target there is
no verdict (*geen doel*), without a measurement no figures (*geen gegevens*).
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import models

from . import cijfers
from .models import Indicator, Meting


class Oordeel(models.TextChoices):
    BEREIKT = "bereikt", "Doel bereikt"
    OP_KOERS = "op_koers", "Op koers"
    NIET_OP_KOERS = "niet_op_koers", "Niet op koers"
    GEEN_DOEL = "geen_doel", "Geen doel"
    GEEN_GEGEVENS = "geen_gegevens", "Geen gegevens"


OORDEEL_LABELS = dict(Oordeel.choices)


@dataclass
class Beoordeling:
    indicator: Indicator
    reeks: list[tuple[int, Decimal]]
    """(year, value) from the baseline on, the newest measurement of each year, oldest first."""
    oordeel: str

    @property
    def laatste(self) -> tuple[int, Decimal] | None:
        """The latest measured year and value, or None without measurements."""
        return self.reeks[-1] if len(self.reeks) > 1 else None

    @property
    def verandering(self) -> Decimal | None:
        """The change of the latest value since the baseline."""
        if self.laatste is None:
            return None
        return self.laatste[1] - self.indicator.basiswaarde

    @property
    def oordeel_label(self) -> str:
        return OORDEEL_LABELS[self.oordeel]

    # The figures as pages and reports write them (`afspraken.cijfers`).

    @property
    def basis_tekst(self) -> str:
        return cijfers.met_eenheid(self.indicator, self.indicator.basiswaarde)

    @property
    def streef_tekst(self) -> str:
        return cijfers.met_eenheid(self.indicator, self.indicator.streefwaarde)

    @property
    def laatste_tekst(self) -> str:
        return cijfers.met_eenheid(self.indicator, self.laatste[1]) if self.laatste else ""

    @property
    def verandering_tekst(self) -> str:
        return cijfers.verandering(self.indicator, self.verandering)


def series(indicator: Indicator, figures) -> list[tuple[int, Decimal]]:
    """The baseline and, per later year, the value of its newest measurement.

    `figures` are (jaar, waarde) of the indicator's measurements known at the date, newest
    first (`Meting.objects.as_of()`), so the first one seen of a year supersedes the rest.
    """
    per_year: dict[int, Decimal] = {}
    for jaar, waarde in figures:
        if jaar > indicator.basisjaar:
            per_year.setdefault(jaar, waarde)
    return [(indicator.basisjaar, indicator.basiswaarde), *sorted(per_year.items())]


def beoordeel(indicator: Indicator, metingen) -> Beoordeling:
    """Judge the indicator by its measurements known at a date (newest first)."""
    return _beoordeel(indicator, [(meting.jaar, meting.waarde) for meting in metingen])


def _beoordeel(indicator: Indicator, figures) -> Beoordeling:
    reeks = series(indicator, figures)
    return Beoordeling(indicator, reeks, _oordeel(indicator, reeks))


def _oordeel(indicator: Indicator, reeks: list[tuple[int, Decimal]]) -> str:
    if len(reeks) < 2:
        return Oordeel.GEEN_GEGEVENS
    if not indicator.has_target:
        return Oordeel.GEEN_DOEL
    jaar, waarde = reeks[-1]
    base, target = indicator.basiswaarde, indicator.streefwaarde
    better = 1 if indicator.richting == Indicator.Richting.HOGER else -1
    if (waarde - target) * better >= 0:
        return Oordeel.BEREIKT
    if jaar >= indicator.streefjaar:
        return Oordeel.NIET_OP_KOERS
    way = (waarde - base) / (target - base) if target != base else Decimal(0)
    time = Decimal(jaar - indicator.basisjaar) / Decimal(indicator.streefjaar - indicator.basisjaar)
    return Oordeel.OP_KOERS if way >= time else Oordeel.NIET_OP_KOERS


def beoordeel_alle(indicatoren, on: datetime.date, *, of=None, metingen=None) -> list[Beoordeling]:
    """Judge indicators at a date, with one query for all their measurements.

    `of`, a queryset of those same indicators, selects their measurements by a subquery
    rather than by a list of thousands of ids. `metingen`, a queryset of measurements, limits
    those that count (a report leaves out answers not yet accepted).
    """
    indicatoren = list(indicatoren)
    if not indicatoren:
        return []
    by_indicator: dict[int, list] = {indicator.pk: [] for indicator in indicatoren}
    # (jaar, waarde) per measurement: all that judging needs, and tens of thousands in a
    # report, so no model instance each.
    among = by_indicator if of is None else of.values("pk")
    metingen = Meting.objects.all() if metingen is None else metingen
    metingen = metingen.filter(indicator__in=among).as_of(on)
    for indicator_id, jaar, waarde in metingen.values_list("indicator_id", "jaar", "waarde"):
        by_indicator[indicator_id].append((jaar, waarde))
    return [_beoordeel(indicator, by_indicator[indicator.pk]) for indicator in indicatoren]


def samenvatting(beoordelingen: list[Beoordeling]) -> Counter:
    """How many indicators have each verdict: the roll-up per agreement or trajectory."""
    return Counter(beoordeling.oordeel for beoordeling in beoordelingen)
