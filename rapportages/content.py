"""The content of a report: a small object built in a fixed number of queries.

`build_content(rapportage)` reads everything a report shows as it stood at the report's
peildatum; the template renders it, for the web page and for the PDF alike. The number of queries
does not depend on the number of trajectories, agreements or updates.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import OuterRef, Prefetch, Subquery

from afspraken.cijfers import met_eenheid
from afspraken.evaluatie import Beoordeling, Oordeel, beoordeel_alle, samenvatting
from afspraken.models import (
    NEEDS_TOELICHTING,
    STATUS_CHOICES,
    Indicator,
    Verbeterafspraak,
    Voortgangsupdate,
    status_label,
)
from trajecten.models import Faseperiode, Thema, Traject

from . import charts
from .models import Rapportage


@dataclass
class IndicatorResult:
    """An indicator as it stood at the peildatum: figures, verdict, and (drawn when the
    template asks for it) its chart."""

    beoordeling: Beoordeling

    @property
    def indicator(self) -> Indicator:
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


@dataclass
class VerbeterafspraakProgress:
    afspraak: Verbeterafspraak
    status: str
    previous_status: str | None
    """Status at the previous report's peildatum, only when it differs; else None."""
    updates: list[Voortgangsupdate]
    """Updates of the chapter's period (`TrajectChapter.period_start`) up to the peildatum,
    oldest first."""
    latest: Voortgangsupdate | None
    """The update that sets the status at the peildatum."""
    indicatoren: list[IndicatorResult] = field(default_factory=list)

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
    def partijen(self):
        return self.afspraak.partijen()

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


@dataclass
class ReportContent:
    rapportage: Rapportage
    chapters: list[TrajectChapter]
    implementatierapportage: Rapportage | None
    """For a trajectory report: the implementation-wide report of the same year, if any."""

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


def build_content(rapportage: Rapportage) -> ReportContent:
    """Everything the report shows, in 9 queries (10 for a trajectory report)."""
    peildatum = rapportage.peildatum
    trajecten = list(trajecten_covered_by(rapportage).with_details().order_by("naam"))
    traject_ids = [t.pk for t in trajecten]

    updates = Voortgangsupdate.objects.as_of(peildatum).select_related("partij")
    # The status at the peildatum, and at the peildatum of the trajectory's report of an
    # earlier year, both from the one definition in `with_status_op()`.
    previous_peildatum = (
        Rapportage.objects.filter(
            soort=Rapportage.Soort.TRAJECT, traject=OuterRef("traject"), jaar__lt=rapportage.jaar
        )
        .order_by("-jaar")
        .values("peildatum")[:1]
    )
    afspraken = (
        Verbeterafspraak.objects.filter(traject__in=traject_ids)
        .with_status_op(peildatum)
        .annotate(vorige_peildatum=Subquery(previous_peildatum))
        .with_status_op(OuterRef("vorige_peildatum"), prefix="vorige")
        .select_related("regiehouder")
        .prefetch_related("betrokken_partijen", Prefetch("voortgangsupdates", queryset=updates))
        .order_by("nummer")
    )
    by_traject: dict[int, list[Verbeterafspraak]] = {pk: [] for pk in traject_ids}
    for afspraak in afspraken:
        by_traject[afspraak.traject_id].append(afspraak)

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
    by_pk = {traject.pk: traject for traject in trajecten}
    for other in trajectrapportages:
        other.traject = by_pk[other.traject_id]  # for its URL, without a query
        if other.jaar == rapportage.jaar:
            own[other.traject_id] = other
        else:
            previous.setdefault(other.traject_id, other)

    implementatierapportage = None
    if rapportage.soort == Rapportage.Soort.TRAJECT:
        implementatierapportage = Rapportage.objects.filter(
            soort=Rapportage.Soort.IMPLEMENTATIE, jaar=rapportage.jaar
        ).first()

    # The indicators of all trajectories and their measurements at the peildatum: two queries.
    indicatoren = (
        Indicator.objects.filter(traject__in=traject_ids)
        .select_related("leverancier")
        .order_by("verbeterafspraak__nummer", "volgorde", "naam")
    )
    afspraken_by_pk = {a.pk: a for group in by_traject.values() for a in group}
    indicator_results: dict[int, list[IndicatorResult]] = {}
    for beoordeling in beoordeel_alle(indicatoren, peildatum):
        indicator = beoordeling.indicator
        if indicator.verbeterafspraak_id:
            # already loaded; saves a query per indicator in the overview
            indicator.verbeterafspraak = afspraken_by_pk[indicator.verbeterafspraak_id]
        key = indicator.verbeterafspraak_id or -indicator.traject_id
        indicator_results.setdefault(key, []).append(IndicatorResult(beoordeling))

    chapters = [
        _chapter(
            traject,
            by_traject[traject.pk],
            rapportage,
            previous.get(traject.pk),
            own.get(traject.pk),
            indicator_results,
            anchor=f"{traject.slug}-" if rapportage.is_implementatiebreed else "",
        )
        for traject in trajecten
    ]
    return ReportContent(rapportage, chapters, implementatierapportage)


def _chapter(
    traject: Traject,
    afspraken: list[Verbeterafspraak],
    rapportage: Rapportage,
    previous_rapportage: Rapportage | None,
    own_rapportage: Rapportage | None,
    indicator_results: dict[int, list[IndicatorResult]],
    *,
    anchor: str,
) -> TrajectChapter:
    """`indicator_results` are keyed by agreement, and by minus the trajectory's pk for those
    of the trajectory as a whole."""
    peildatum = rapportage.peildatum
    period_start = _period_start(rapportage, previous_rapportage)
    for afspraak in afspraken:
        afspraak.traject = traject  # already loaded; saves a query per agreement in templates
    sections = {thema.pk: ThemaSection(thema, []) for thema in traject.themas.all()}
    counts = StatusCounts()
    for afspraak in afspraken:
        status = afspraak.status_code
        latest = afspraak.status_update()
        previous_status = None
        if previous_rapportage is not None and afspraak.vorige_code != status:
            previous_status = afspraak.vorige_code
        # The prefetched updates come newest first; the report tells them oldest first.
        of_the_period = [
            u
            for u in reversed(afspraak.voortgangsupdates.all())
            if period_start is None or u.peildatum >= period_start
        ]
        counts.add(status)
        sections[afspraak.thema_id].afspraken.append(
            VerbeterafspraakProgress(
                afspraak,
                status,
                previous_status,
                of_the_period,
                latest,
                indicator_results.get(afspraak.pk, []),
            )
        )
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
        indicatoren=indicator_results.get(-traject.pk, []),
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
