"""The content of a report: plain rows, built in a fixed number of queries.

`build_content(rapportage)` reads everything a report shows as it stood at the report's
peildatum; the template renders it, for the web page and for the PDF alike. The number of queries
does not depend on the number of trajectories, agreements or updates, and the rows are fetched
as tuples of the columns the report shows (no model instance per agreement or update): a report
of 30,000 updates is built in a fraction of a second rather than seconds.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

from django.db.models import BooleanField, ExpressionWrapper, F, OuterRef, Q, Subquery

from afspraken.cijfers import met_eenheid
from afspraken.evaluatie import Beoordeling, Oordeel, beoordeel_alle, samenvatting
from afspraken.models import (
    NEEDS_TOELICHTING,
    NEWEST_FIRST,
    STATUS_CHOICES,
    Indicator,
    IndicatorFigures,
    Meting,
    Verbeterafspraak,
    Voortgangsupdate,
    status_label,
)
from portal.core.memory import without_cyclic_gc
from trajecten.models import Faseperiode, Thema, Traject
from uitvragen.models import Uitvraag, Werkitem, without_unaccepted_answers

from . import charts
from .models import Rapportage


@dataclass
class IndicatorResult:
    """An indicator as it stood at the peildatum: figures, verdict, and (drawn when the
    template asks for it) its chart."""

    beoordeling: Beoordeling
    afspraak_nummer: int | None = None
    """The number of the agreement the indicator belongs to; None for the trajectory's own."""

    @property
    def indicator(self) -> "IndicatorRow":
        return self.beoordeling.indicator

    @property
    def oordeel(self) -> str:
        return self.beoordeling.oordeel

    @property
    def oordeel_label(self) -> str:
        return self.beoordeling.oordeel_label

    @cached_property
    def summary(self) -> str:
        return charts.summary(self.beoordeling)

    @cached_property
    def chart(self) -> str:
        """The chart as a `data:` URL, drawn in a few milliseconds."""
        return charts.chart_data_uri(self.beoordeling)

    @property
    def rows(self) -> list[tuple[int, str, str]]:
        """(year, value, remark) from the baseline on, the target last."""
        indicator = self.indicator
        rows = [
            (jaar, met_eenheid(indicator, value), "basiswaarde" if index == 0 else "")
            for index, (jaar, value) in enumerate(self.beoordeling.reeks)
        ]
        if indicator.has_target:
            rows.append(
                (
                    indicator.streefjaar,
                    met_eenheid(indicator, indicator.streefwaarde),
                    "streefwaarde",
                )
            )
        return rows

    @property
    def basis(self) -> str:
        return self.beoordeling.basis_tekst

    @property
    def laatste(self) -> str:
        laatste = self.beoordeling.laatste
        return f"{self.beoordeling.laatste_tekst} ({laatste[0]})" if laatste else ""

    @property
    def streef(self) -> str:
        if not self.indicator.has_target:
            return ""
        return f"{self.beoordeling.streef_tekst} ({self.indicator.streefjaar})"


@dataclass
class StatusCounts:
    """Number of agreements per status, with every status present (zero or not)."""

    counts: Counter = field(default_factory=Counter)

    def add(self, status: str) -> None:
        self.counts[status] += 1

    def __add__(self, other: "StatusCounts") -> "StatusCounts":
        return StatusCounts(self.counts + other.counts)

    @property
    def rows(self) -> list[tuple[str, str, int]]:
        """(code, label, count) per status in fixed order, NO_STATUS last."""
        return [(code, label, self.counts[code]) for code, label in STATUS_CHOICES]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def oordeel_rows(results: list[IndicatorResult]) -> list[tuple[str, str, int]]:
    """(code, label, count) of the verdicts that occur, in the fixed order of `Oordeel`: the
    roll-up of indicators per agreement or trajectory."""
    counts = samenvatting([result.beoordeling for result in results])
    return [(code, label, counts[code]) for code, label in Oordeel.choices if counts[code]]


# The columns of an indicator that a report shows and judges it by.
INDICATOR_COLUMNS = [
    "pk",
    "traject_id",
    "verbeterafspraak_id",
    "naam",
    "definitie",
    "eenheid",
    "richting",
    "basisjaar",
    "basiswaarde",
    "streefjaar",
    "streefwaarde",
    "bron",
]


@dataclass(slots=True)
class IndicatorRow(IndicatorFigures):
    """An indicator as a report reads it: thousands of them, so no model instance each."""

    pk: int
    traject_id: int
    verbeterafspraak_id: int | None
    naam: str
    definitie: str
    eenheid: str
    richting: str
    basisjaar: int
    basiswaarde: Decimal
    streefjaar: int | None
    streefwaarde: Decimal | None
    bron: str


class PartijRow(NamedTuple):
    pk: int
    naam: str
    afkorting: str


@dataclass(slots=True)
class AfspraakRow:
    """An agreement as the report shows it."""

    pk: int
    nummer: int
    titel: str
    thema_id: int
    traject_id: int
    streefjaar: int
    streefwaarde: str
    bron: str
    """The advice or report the agreement was made in, so a reader can trace it there."""
    partijen: list[PartijRow]
    """The regiehouder first, then the other parties by abbreviation."""
    omschrijving: str = ""
    """Only the end evaluation shows it; the other reports leave it out of the query."""

    @property
    def regiehouder(self) -> PartijRow:
        return self.partijen[0]


# The columns of an update that a report shows, fetched as named tuples (`UPDATE_COLUMNS`);
# `aparte_toelichting`: it has an explanation that is not its text repeated.
UPDATE_COLUMNS = [
    "pk",
    "verbeterafspraak_id",
    "peildatum",
    "status",
    "partij_afkorting",
    "tekst_html",
    "toelichting_html",
    "aparte_toelichting",
    "verwachte_datum",
]


@dataclass
class VerbeterafspraakProgress:
    afspraak: AfspraakRow
    status: str
    previous_status: str | None
    """Status at the previous report's peildatum, only when it differs; else None."""
    updates: list
    """Updates (named tuples of UPDATE_COLUMNS) of the chapter's period
    (`TrajectChapter.period_start`) up to the peildatum, oldest first."""
    latest: object | None
    """The update that sets the status at the peildatum."""
    indicatoren: list[IndicatorResult] = field(default_factory=list)

    @property
    def latest_pk(self) -> int | None:
        return self.latest.pk if self.latest else None

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def previous_status_label(self) -> str:
        return status_label(self.previous_status)

    @property
    def needs_toelichting(self) -> bool:
        return self.status in NEEDS_TOELICHTING

    @property
    def partijen(self) -> list[PartijRow]:
        return self.afspraak.partijen

    @property
    def oordelen(self) -> list[tuple[str, str, int]]:
        return oordeel_rows(self.indicatoren)


@dataclass
class ThemaSection:
    thema: Thema
    afspraken: list[VerbeterafspraakProgress]


@dataclass
class PhaseRow:
    fase: str
    startdatum: datetime.date
    einddatum: datetime.date | None
    """None while the phase was still running at the peildatum."""

    @property
    def label(self) -> str:
        return Faseperiode.Fase(self.fase).label


@dataclass
class TrajectChapter:
    traject: Traject
    thema_sections: list[ThemaSection]
    counts: StatusCounts
    phases: list[PhaseRow]
    previous_rapportage: Rapportage | None
    """The trajectory's report of an earlier year, to compare statuses with."""
    own_rapportage: Rapportage | None
    """In an implementation-wide report: the trajectory's own report of the same year."""
    anchor: str
    """Prefix for the element ids, so that chapters in one document do not collide."""
    period_start: datetime.date | None
    """The first day whose progress the chapter tells; None: the whole history."""
    indicatoren: list[IndicatorResult] = field(default_factory=list)
    """The trajectory-wide indicators (of no one agreement)."""

    @property
    def afspraak_count(self) -> int:
        return self.counts.total

    @property
    def afspraak_indicatoren(self) -> list[IndicatorResult]:
        return [
            result
            for section in self.thema_sections
            for progress in section.afspraken
            for result in progress.indicatoren
        ]

    @property
    def oordelen(self) -> list[tuple[str, str, int]]:
        """The verdicts of all the trajectory's indicators, its agreements' ones included."""
        return oordeel_rows(self.afspraak_indicatoren + self.indicatoren)

    @property
    def oordelen_traject(self) -> list[tuple[str, str, int]]:
        """The verdicts of the trajectory-wide indicators only."""
        return oordeel_rows(self.indicatoren)

    @property
    def first_year(self) -> int | None:
        """The year the trajectory's course began: its first phase."""
        return self.phases[0].startdatum.year if self.phases else None


# What the concept says of a round's item that is not accepted, in the order of the summary.
UITVRAAG_MARKERINGEN = {
    Werkitem.Status.INGEDIEND: "wacht op beoordeling",
    Werkitem.Status.TERUGGESTUURD: "teruggestuurd",
    Werkitem.Status.OPEN: "nog niet beantwoord",
}


@dataclass
class UitvraagStand:
    """The reporting round of the report's year, as far as it asks about the report's
    trajectories: what a concept says of it. Never part of an edition."""

    uitvraag: Uitvraag
    counts: Counter
    """The round's items in the report per review state (`Werkitem.Status`)."""
    afspraken: dict[int, str]
    """Per agreement whose progress item is not accepted, the item's state."""
    indicatoren: dict[int, str]
    """Per indicator whose figure item is not accepted, the item's state."""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def rows(self) -> list[tuple[str, str, int]]:
        """(state, label, count), accepted first."""
        labels = {Werkitem.Status.GEACCEPTEERD: "geaccepteerd", **UITVRAAG_MARKERINGEN}
        return [(status, label, self.counts[status]) for status, label in labels.items()]

    def markering(self, status: str) -> str:
        return f"Uitvraag {self.uitvraag.jaar}: {UITVRAAG_MARKERINGEN[status]}"

    def markering_cijfer(self, status: str) -> str:
        return (
            f"Uitvraag {self.uitvraag.jaar}, cijfer over {self.uitvraag.meetjaar}: "
            f"{UITVRAAG_MARKERINGEN[status]}"
        )


@dataclass
class ReportContent:
    rapportage: Rapportage
    chapters: list[TrajectChapter]
    implementatierapportage: Rapportage | None
    """For a trajectory report: the implementation-wide report of the same year, if any."""
    uitvraag: UitvraagStand | None = None
    """For a concept (`build_content(..., with_uitvraag=True)`): the round of its year."""

    @property
    def counts(self) -> StatusCounts:
        return sum((chapter.counts for chapter in self.chapters), StatusCounts())

    @property
    def status_columns(self) -> list[tuple[str, str]]:
        return STATUS_CHOICES

    @property
    def chapter(self) -> TrajectChapter | None:
        """The only chapter of a trajectory report."""
        return self.chapters[0] if len(self.chapters) == 1 else None

    @property
    def indicatoren(self) -> list[tuple[TrajectChapter, IndicatorResult]]:
        """Every indicator in the report, per chapter, the agreements' ones first."""
        return [
            (chapter, result)
            for chapter in self.chapters
            for result in chapter.afspraak_indicatoren + chapter.indicatoren
        ]


def trajecten_covered_by(rapportage: Rapportage):
    """The trajectories a report covers.

    An implementation-wide report covers every trajectory that was in the implementatiefase
    at some time in its year, up to its peildatum.
    """
    if not rapportage.is_implementatiebreed:
        return Traject.objects.filter(pk=rapportage.traject_id)
    start = datetime.date(rapportage.jaar, 1, 1)
    end = min(
        datetime.date(rapportage.jaar + 1, 1, 1), rapportage.peildatum + datetime.timedelta(days=1)
    )
    faseperiodes = Faseperiode.objects.filter(fase=Faseperiode.Fase.IMPLEMENTATIE).overlapping(
        start, end
    )
    return Traject.objects.filter(pk__in=faseperiodes.values("traject"))


def build_content(
    rapportage: Rapportage, *, with_uitvraag: bool = False, traject_ids: list[int] | None = None
) -> ReportContent:
    """Everything the report shows, in 9 queries (10 for a trajectory report); with
    `traject_ids`, only the chapters of those of its trajectories (each as in the whole).

    `with_uitvraag`, for a concept: also the state of the reporting round of the report's
    year (`UitvraagStand`), in one query more, two when there is a round.
    """
    with without_cyclic_gc(kept=True):
        content = _build_content(rapportage, traject_ids)
        if with_uitvraag:
            content.uitvraag = _uitvraag_stand(rapportage, [c.traject.pk for c in content.chapters])
        return content


def _uitvraag_stand(rapportage: Rapportage, traject_ids: list[int]) -> UitvraagStand | None:
    """The round of the report's year and its items about the report's trajectories; None
    when there is no round or it asks nothing about them. A closed round marks nothing: what
    was not accepted then never counts."""
    uitvraag = Uitvraag.objects.filter(jaar=rapportage.jaar).first()
    if uitvraag is None:
        return None
    rows = Werkitem.objects.filter(uitvraag=uitvraag, traject__in=traject_ids).values_list(
        "soort", "verbeterafspraak_id", "indicator_id", "status"
    )
    counts, afspraken, indicatoren = Counter(), {}, {}
    for soort, afspraak_id, indicator_id, status in rows.order_by():
        counts[status] += 1
        if status == Werkitem.Status.GEACCEPTEERD or not uitvraag.is_open:
            continue
        if soort == Werkitem.Soort.METING:
            indicatoren[indicator_id] = status
        else:
            afspraken.setdefault(afspraak_id, status)
    if not counts:
        return None
    return UitvraagStand(uitvraag, counts, afspraken, indicatoren)


def _build_content(rapportage: Rapportage, only: list[int] | None = None) -> ReportContent:
    peildatum = rapportage.peildatum
    covered = trajecten_covered_by(rapportage)
    if only is not None:
        covered = covered.filter(pk__in=only)
    trajecten = list(covered.with_details().order_by("naam"))
    traject_ids = [t.pk for t in trajecten]
    by_pk = {traject.pk: traject for traject in trajecten}

    previous: dict[int, Rapportage] = {}
    own: dict[int, Rapportage] = {}
    trajectrapportages = (
        Rapportage.objects.filter(
            soort=Rapportage.Soort.TRAJECT, traject__in=traject_ids, jaar__lte=rapportage.jaar
        )
        .exclude(pk=rapportage.pk)
        .order_by("traject", "-jaar")
    )
    if rapportage.is_eindevaluatie:
        # It tells the whole course and compares with no earlier report.
        trajectrapportages = trajectrapportages.none()
    for other in trajectrapportages:
        other.traject = by_pk[other.traject_id]  # for its URL, without a query
        if other.jaar == rapportage.jaar:
            own[other.traject_id] = other
        else:
            previous.setdefault(other.traject_id, other)
    period_starts = {
        traject.pk: _period_start(rapportage, previous.get(traject.pk)) for traject in trajecten
    }

    afspraken, statuses = _afspraken(rapportage, traject_ids)
    updates = _updates(rapportage, traject_ids, period_starts, statuses)

    implementatierapportage = None
    if rapportage.soort == Rapportage.Soort.TRAJECT:
        implementatierapportage = Rapportage.objects.filter(
            soort=Rapportage.Soort.IMPLEMENTATIE, jaar=rapportage.jaar
        ).first()

    # The indicators of all trajectories and their measurements at the peildatum: two queries.
    of_trajecten = Indicator.objects.filter(traject__in=traject_ids)
    indicatoren = [
        IndicatorRow(*row)
        for row in of_trajecten.order_by(
            "verbeterafspraak__nummer", "volgorde", "naam"
        ).values_list(*INDICATOR_COLUMNS)
    ]
    nummers = {afspraak.pk: afspraak.nummer for afspraak in afspraken}
    indicator_results: dict[int, list[IndicatorResult]] = {}
    counting = without_unaccepted_answers(Meting.objects.all())
    for beoordeling in beoordeel_alle(indicatoren, peildatum, of=of_trajecten, metingen=counting):
        indicator = beoordeling.indicator
        key = indicator.verbeterafspraak_id or -indicator.traject_id
        result = IndicatorResult(beoordeling, nummers.get(indicator.verbeterafspraak_id))
        indicator_results.setdefault(key, []).append(result)

    by_traject: dict[int, list[VerbeterafspraakProgress]] = {pk: [] for pk in traject_ids}
    for afspraak in afspraken:
        status, status_update_id, previous_status = statuses[afspraak.pk]
        if afspraak.traject_id not in previous:
            previous_status = None
        own_updates = updates.get(afspraak.pk, [])
        start = period_starts[afspraak.traject_id]
        latest = next((u for u in own_updates if u.pk == status_update_id), None)
        by_traject[afspraak.traject_id].append(
            VerbeterafspraakProgress(
                afspraak,
                status,
                previous_status if previous_status != status else None,
                # The updates come oldest first; the one setting the status may be older.
                [u for u in own_updates if start is None or u.peildatum >= start],
                latest,
                indicator_results.get(afspraak.pk, []),
            )
        )

    chapters = [
        _chapter(
            traject,
            by_traject[traject.pk],
            rapportage,
            previous.get(traject.pk),
            own.get(traject.pk),
            period_starts[traject.pk],
            indicator_results.get(-traject.pk, []),
            anchor=f"{traject.slug}-" if rapportage.is_implementatiebreed else "",
        )
        for traject in trajecten
    ]
    return ReportContent(rapportage, chapters, implementatierapportage)


def _afspraken(rapportage: Rapportage, traject_ids: list[int]):
    """The agreements as rows, ordered by number, and per agreement (status, the pk of the
    update that set it, the status at the previous report's peildatum): two queries.

    Both statuses come from the one definition in `with_status_op()`, of the updates that
    count (`without_unaccepted_answers()`).
    """
    previous_peildatum = (
        Rapportage.objects.filter(
            soort=Rapportage.Soort.TRAJECT, traject=OuterRef("traject"), jaar__lt=rapportage.jaar
        )
        .order_by("-jaar")
        .values("peildatum")[:1]
    )
    counting = without_unaccepted_answers(Voortgangsupdate.objects.all())
    columns = [
        "pk",
        "nummer",
        "titel",
        "thema_id",
        "traject_id",
        "streefjaar",
        "streefwaarde",
        "bron",
    ]
    if rapportage.is_eindevaluatie:
        columns.append("omschrijving")
    rows = (
        Verbeterafspraak.objects.filter(traject__in=traject_ids)
        .with_status_op(rapportage.peildatum, updates=counting)
        .annotate(vorige_peildatum=Subquery(previous_peildatum))
        .with_status_op(OuterRef("vorige_peildatum"), prefix="vorige", updates=counting)
        .order_by("nummer")
        .values_list(
            *columns,
            "regiehouder_id",
            "regiehouder__naam",
            "regiehouder__afkorting",
            "status_code",
            "status_update_id",
            "vorige_code",
        )
    )
    betrokken: dict[int, list[PartijRow]] = {}
    through = Verbeterafspraak.betrokken_partijen.through.objects.filter(
        verbeterafspraak__traject__in=traject_ids
    ).order_by("partij__afkorting")
    through = through.values_list(
        "verbeterafspraak_id", "partij_id", "partij__naam", "partij__afkorting"
    )
    for afspraak_id, *partij in through:
        betrokken.setdefault(afspraak_id, []).append(PartijRow(*partij))

    afspraken, statuses = [], {}
    n = len(columns)
    for row in rows:
        pk = row[0]
        regiehouder_id, naam, afkorting, status, status_update_id, vorige = row[n:]
        partijen = [PartijRow(regiehouder_id, naam, afkorting)]
        partijen += [p for p in betrokken.get(pk, ()) if p.pk != regiehouder_id]
        # Positional, in the order of `columns` and the fields of AfspraakRow.
        afspraken.append(AfspraakRow(*row[:8], partijen, *row[8:n]))
        statuses[pk] = (status, status_update_id, vorige)
    return afspraken, statuses


def _updates(rapportage, traject_ids, period_starts, statuses) -> dict[int, list]:
    """Per agreement, oldest first, the updates up to the peildatum that the report tells:
    those of the chapter's period that count and the one that set the status. One query."""
    known = without_unaccepted_answers(Voortgangsupdate.objects.all()).filter(
        verbeterafspraak__traject__in=traject_ids, peildatum__lte=rapportage.peildatum
    )
    starts = set(period_starts.values())
    if None not in starts and len(starts) == 1:
        # One period for all chapters (always so but for a trajectory's first report).
        status_update_ids = [pk for _, pk, _ in statuses.values() if pk is not None]
        known = known.filter(Q(peildatum__gte=starts.pop()) | Q(pk__in=status_update_ids))
    rows = (
        known.annotate(
            partij_afkorting=F("partij__afkorting"),
            aparte_toelichting=ExpressionWrapper(
                ~Q(toelichting="") & ~Q(toelichting=F("tekst")), output_field=BooleanField()
            ),
        )
        .order_by(*reversed_order(NEWEST_FIRST))
        .values_list(*UPDATE_COLUMNS, named=True)
    )
    by_afspraak: dict[int, list] = {}
    for update in rows:
        by_afspraak.setdefault(update.verbeterafspraak_id, []).append(update)
    return by_afspraak


def reversed_order(ordering: list[str]) -> list[str]:
    """An ordering the other way round: oldest first from `NEWEST_FIRST`."""
    return [field[1:] if field.startswith("-") else f"-{field}" for field in ordering]


def _chapter(
    traject: Traject,
    progress: list[VerbeterafspraakProgress],
    rapportage: Rapportage,
    previous_rapportage: Rapportage | None,
    own_rapportage: Rapportage | None,
    period_start: datetime.date | None,
    indicatoren: list[IndicatorResult],
    *,
    anchor: str,
) -> TrajectChapter:
    peildatum = rapportage.peildatum
    sections = {thema.pk: ThemaSection(thema, []) for thema in traject.themas.all()}
    counts = StatusCounts()
    for item in progress:
        counts.add(item.status)
        sections[item.afspraak.thema_id].afspraken.append(item)
    phases = [
        PhaseRow(
            periode.fase,
            periode.startdatum,
            periode.einddatum if periode.einddatum and periode.einddatum <= peildatum else None,
        )
        for periode in traject.faseperiodes.all()
        if periode.startdatum <= peildatum
    ]
    return TrajectChapter(
        traject=traject,
        thema_sections=[section for section in sections.values() if section.afspraken],
        counts=counts,
        phases=phases,
        previous_rapportage=previous_rapportage,
        own_rapportage=own_rapportage,
        anchor=anchor,
        period_start=period_start,
        indicatoren=indicatoren,
    )


def _period_start(rapportage: Rapportage, previous: Rapportage | None) -> datetime.date | None:
    """Which progress a chapter tells, up to the peildatum.

    The implementation-wide report to the Minister tells each trajectory's year. A trajectory
    report tells what came after its previous report; the first report of a trajectory tells
    its whole history, so that a trajectory entered after the fact (closed in 2021, reported on
    once) shows all its years; so does the end evaluation, over the trajectory's whole course.
    """
    if rapportage.is_implementatiebreed:
        return datetime.date(rapportage.jaar, 1, 1)
    if previous is not None and not rapportage.is_eindevaluatie:
        return previous.peildatum + datetime.timedelta(days=1)
    return None
