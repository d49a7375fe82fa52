"""The content of a report: a small object built in a fixed number of queries.

`build_content(rapportage)` reads everything a report shows as it stood at the report's
peildatum; the template renders it, for the web page and for the PDF alike. The number of queries
does not depend on the number of trajectories, agreements or updates.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch

from afspraken.models import Status, Verbeterafspraak, Voortgangsupdate
from trajecten.models import Faseperiode, Thema, Traject

from .models import Rapportage

NO_STATUS = ""
NO_STATUS_LABEL = "Geen voortgang gemeld"
STATUS_LABELS = {**dict(Status.choices), NO_STATUS: NO_STATUS_LABEL}
# The columns of every status table, in the order a reader expects.
STATUS_ORDER = [*Status.values, NO_STATUS]
NEEDS_TOELICHTING = {Status.VERTRAAGD, Status.GESTOPT}


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
        """(code, label, count) per status in fixed order; the code of 'no update' is ''."""
        return [(code, STATUS_LABELS[code], self.counts[code]) for code in STATUS_ORDER]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class VerbeterafspraakProgress:
    afspraak: Verbeterafspraak
    status: str
    previous_status: str | None
    """Status at the previous report's peildatum, only when it differs; else None."""
    updates: list[Voortgangsupdate]
    """Updates of the report year up to the peildatum, oldest first."""
    latest: Voortgangsupdate | None
    """The update that sets the status at the peildatum."""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def previous_status_label(self) -> str:
        return STATUS_LABELS[self.previous_status or NO_STATUS]

    @property
    def needs_toelichting(self) -> bool:
        return self.status in NEEDS_TOELICHTING

    @property
    def partijen(self):
        return self.afspraak.partijen()


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

    @property
    def afspraak_count(self) -> int:
        return self.counts.total


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
        return [(code, STATUS_LABELS[code]) for code in STATUS_ORDER]

    @property
    def chapter(self) -> TrajectChapter | None:
        """The only chapter of a trajectory report."""
        return self.chapters[0] if len(self.chapters) == 1 else None


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
    """Everything the report shows, in 7 queries (8 for a trajectory report)."""
    peildatum = rapportage.peildatum
    trajecten = list(trajecten_covered_by(rapportage).with_details().order_by("naam"))
    traject_ids = [t.pk for t in trajecten]

    updates = Voortgangsupdate.objects.filter(peildatum__lte=peildatum).select_related("partij")
    afspraken = (
        Verbeterafspraak.objects.filter(traject__in=traject_ids)
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
    by_pk = {traject.pk: traject for traject in trajecten}
    for other in trajectrapportages:
        other.traject = by_pk[other.traject_id]  # for its URL, without a query
        if other.jaar == rapportage.jaar:
            own[other.traject_id] = other
        else:
            previous.setdefault(other.traject_id, other)

    implementatierapportage = None
    if not rapportage.is_implementatiebreed:
        implementatierapportage = Rapportage.objects.filter(
            soort=Rapportage.Soort.IMPLEMENTATIE, jaar=rapportage.jaar
        ).first()

    chapters = [
        _chapter(
            traject,
            by_traject[traject.pk],
            rapportage,
            previous.get(traject.pk),
            own.get(traject.pk),
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
    *,
    anchor: str,
) -> TrajectChapter:
    peildatum = rapportage.peildatum
    year_start = datetime.date(rapportage.jaar, 1, 1)
    for afspraak in afspraken:
        afspraak.traject = traject  # already loaded; saves a query per agreement in templates
    sections = {thema.pk: ThemaSection(thema, []) for thema in traject.themas.all()}
    counts = StatusCounts()
    for afspraak in afspraken:
        latest = afspraak.update_op(peildatum)
        status = latest.status if latest else NO_STATUS
        previous_status = None
        if previous_rapportage is not None:
            earlier = afspraak.status_op(previous_rapportage.peildatum)
            previous_status = earlier if earlier != status else None
        of_the_year = sorted(
            (u for u in afspraak.voortgangsupdates.all() if u.peildatum >= year_start),
            key=Voortgangsupdate.timeline_key,
        )
        counts.add(status)
        sections[afspraak.thema_id].afspraken.append(
            VerbeterafspraakProgress(afspraak, status, previous_status, of_the_year, latest)
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
    )
