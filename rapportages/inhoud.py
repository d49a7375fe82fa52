"""The content of a report: a small object built in a fixed number of queries.

`bouw_inhoud(rapportage)` reads everything a report shows as it stood at the report's peildatum;
the template renders it, for the web page and for the PDF alike. The number of queries does not
depend on the number of trajectories, agreements or updates.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch

from afspraken.models import Status, Verbeterafspraak, Voortgangsupdate
from trajecten.models import Faseperiode, Thema, Traject

from .models import Rapportage

GEEN_STATUS = ""
GEEN_STATUS_LABEL = "Geen voortgang gemeld"
STATUS_LABELS = {**dict(Status.choices), GEEN_STATUS: GEEN_STATUS_LABEL}
# The columns of every status table, in the order a reader expects.
STATUS_VOLGORDE = [*Status.values, GEEN_STATUS]
TOELICHTING_NODIG = {Status.VERTRAAGD, Status.GESTOPT}


@dataclass
class StatusTelling:
    """Number of agreements per status, with every status present (zero or not)."""

    aantallen: Counter = field(default_factory=Counter)

    def tel(self, status: str) -> None:
        self.aantallen[status] += 1

    def __add__(self, other: "StatusTelling") -> "StatusTelling":
        return StatusTelling(self.aantallen + other.aantallen)

    @property
    def rijen(self) -> list[tuple[str, str, int]]:
        """(code, label, count) per status in fixed order; the code of 'no update' is ''."""
        return [(code, STATUS_LABELS[code], self.aantallen[code]) for code in STATUS_VOLGORDE]

    @property
    def totaal(self) -> int:
        return sum(self.aantallen.values())


@dataclass
class AfspraakVoortgang:
    afspraak: Verbeterafspraak
    status: str
    vorige_status: str | None
    """Status at the previous report's peildatum, only when it differs; else None."""
    updates: list[Voortgangsupdate]
    """Updates of the report year up to the peildatum, oldest first."""
    stand: Voortgangsupdate | None
    """The update that sets the status at the peildatum."""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def vorige_status_label(self) -> str:
        return STATUS_LABELS[self.vorige_status or GEEN_STATUS]

    @property
    def vraagt_toelichting(self) -> bool:
        return self.status in TOELICHTING_NODIG

    @property
    def partijen(self):
        return self.afspraak.partijen()


@dataclass
class ThemaBlok:
    thema: Thema
    afspraken: list[AfspraakVoortgang]


@dataclass
class FaseRegel:
    fase: str
    startdatum: datetime.date
    einddatum: datetime.date | None
    """None while the phase was still running at the peildatum."""

    @property
    def label(self) -> str:
        return Faseperiode.Fase(self.fase).label


@dataclass
class TrajectHoofdstuk:
    traject: Traject
    themablokken: list[ThemaBlok]
    telling: StatusTelling
    fasen: list[FaseRegel]
    vorige_rapportage: Rapportage | None
    """The trajectory's report of an earlier year, to compare statuses with."""
    eigen_rapportage: Rapportage | None
    """In an implementation-wide report: the trajectory's own report of the same year."""
    anker: str
    """Prefix for the element ids, so that chapters in one document do not collide."""

    @property
    def aantal_afspraken(self) -> int:
        return self.telling.totaal


@dataclass
class RapportageInhoud:
    rapportage: Rapportage
    hoofdstukken: list[TrajectHoofdstuk]
    implementatierapportage: Rapportage | None
    """For a trajectory report: the implementation-wide report of the same year, if any."""

    @property
    def telling(self) -> StatusTelling:
        return sum((h.telling for h in self.hoofdstukken), StatusTelling())

    @property
    def statuskolommen(self) -> list[tuple[str, str]]:
        return [(code, STATUS_LABELS[code]) for code in STATUS_VOLGORDE]

    @property
    def hoofdstuk(self) -> TrajectHoofdstuk | None:
        """The only chapter of a trajectory report."""
        return self.hoofdstukken[0] if len(self.hoofdstukken) == 1 else None


def trajecten_voor(rapportage: Rapportage):
    """The trajectories a report covers.

    An implementation-wide report covers every trajectory that was in the implementatiefase
    at some time in its year, up to its peildatum.
    """
    if not rapportage.is_implementatiebreed:
        return Traject.objects.filter(pk=rapportage.traject_id)
    begin = datetime.date(rapportage.jaar, 1, 1)
    einde = min(
        datetime.date(rapportage.jaar + 1, 1, 1), rapportage.peildatum + datetime.timedelta(days=1)
    )
    perioden = Faseperiode.objects.filter(fase=Faseperiode.Fase.IMPLEMENTATIE).overlapping(
        begin, einde
    )
    return Traject.objects.filter(pk__in=perioden.values("traject"))


def bouw_inhoud(rapportage: Rapportage) -> RapportageInhoud:
    """Everything the report shows, in 7 queries (8 for a trajectory report)."""
    peildatum = rapportage.peildatum
    trajecten = list(trajecten_voor(rapportage).with_details().order_by("naam"))
    traject_ids = [t.pk for t in trajecten]

    updates = Voortgangsupdate.objects.filter(peildatum__lte=peildatum).select_related("partij")
    afspraken = (
        Verbeterafspraak.objects.filter(traject__in=traject_ids)
        .select_related("regiehouder")
        .prefetch_related("betrokken_partijen", Prefetch("voortgangsupdates", queryset=updates))
        .order_by("nummer")
    )
    per_traject: dict[int, list[Verbeterafspraak]] = {pk: [] for pk in traject_ids}
    for afspraak in afspraken:
        per_traject[afspraak.traject_id].append(afspraak)

    vorige: dict[int, Rapportage] = {}
    eigen: dict[int, Rapportage] = {}
    trajectrapportages = (
        Rapportage.objects.filter(
            soort=Rapportage.Soort.TRAJECT, traject__in=traject_ids, jaar__lte=rapportage.jaar
        )
        .exclude(pk=rapportage.pk)
        .order_by("traject", "-jaar")
    )
    bij_pk = {traject.pk: traject for traject in trajecten}
    for andere in trajectrapportages:
        andere.traject = bij_pk[andere.traject_id]  # for its URL, without a query
        if andere.jaar == rapportage.jaar:
            eigen[andere.traject_id] = andere
        else:
            vorige.setdefault(andere.traject_id, andere)

    implementatierapportage = None
    if not rapportage.is_implementatiebreed:
        implementatierapportage = Rapportage.objects.filter(
            soort=Rapportage.Soort.IMPLEMENTATIE, jaar=rapportage.jaar
        ).first()

    hoofdstukken = [
        _hoofdstuk(
            traject,
            per_traject[traject.pk],
            rapportage,
            vorige.get(traject.pk),
            eigen.get(traject.pk),
            anker=f"{traject.slug}-" if rapportage.is_implementatiebreed else "",
        )
        for traject in trajecten
    ]
    return RapportageInhoud(rapportage, hoofdstukken, implementatierapportage)


def _hoofdstuk(
    traject: Traject,
    afspraken: list[Verbeterafspraak],
    rapportage: Rapportage,
    vorige_rapportage: Rapportage | None,
    eigen_rapportage: Rapportage | None,
    *,
    anker: str,
) -> TrajectHoofdstuk:
    peildatum = rapportage.peildatum
    jaarbegin = datetime.date(rapportage.jaar, 1, 1)
    for afspraak in afspraken:
        afspraak.traject = traject  # already loaded; saves a query per agreement in templates
    blokken = {thema.pk: ThemaBlok(thema, []) for thema in traject.themas.all()}
    telling = StatusTelling()
    for afspraak in afspraken:
        stand = afspraak.update_op(peildatum)
        status = stand.status if stand else GEEN_STATUS
        vorige_status = None
        if vorige_rapportage is not None:
            eerder = afspraak.status_op(vorige_rapportage.peildatum)
            vorige_status = eerder if eerder != status else None
        van_het_jaar = sorted(
            (u for u in afspraak.voortgangsupdates.all() if u.peildatum >= jaarbegin),
            key=Voortgangsupdate.timeline_key,
        )
        telling.tel(status)
        blokken[afspraak.thema_id].afspraken.append(
            AfspraakVoortgang(afspraak, status, vorige_status, van_het_jaar, stand)
        )
    fasen = [
        FaseRegel(
            periode.fase,
            periode.startdatum,
            periode.einddatum if periode.einddatum and periode.einddatum <= peildatum else None,
        )
        for periode in traject.faseperiodes.all()
        if periode.startdatum <= peildatum
    ]
    return TrajectHoofdstuk(
        traject=traject,
        themablokken=[blok for blok in blokken.values() if blok.afspraken],
        telling=telling,
        fasen=fasen,
        vorige_rapportage=vorige_rapportage,
        eigen_rapportage=eigen_rapportage,
        anker=anker,
    )
