"""*Hoor en wederhoor* pages: the concept text about each agreement beside the parties'
reactions.

A party member sees, for each agreement of their parties in the round's trajectories (as
regiehouder or betrokken), what the concept report of the round's year will print about it,
and reacts with akkoord or an opmerking; staff see every party's reactions beside the same
text, per trajectory. The rules are `uitvragen.wederhoor`'s; the text is `build_content()`'s,
built only for the trajectories on the page, so a page costs the same number of queries
whatever the number of agreements, parties and reactions.

Which report: the trajectory's own report of the round's year if it has one, else the
implementation-wide report of that year (built for those trajectories only).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from afspraken.models import Partij, Verbeterafspraak, is_redacteur, partij_ids_for
from trajecten.models import Traject
from uitvragen.forms import ReactieForm
from uitvragen.models import Reactie, Uitvraag
from uitvragen.views import redacteur_required
from uitvragen.wederhoor import reageer

from .content import TrajectChapter, VerbeterafspraakProgress, build_content
from .models import Rapportage


@dataclass
class Concepttekst:
    """What the concept report prints about one agreement."""

    rapportage: Rapportage
    chapter: TrajectChapter
    progress: VerbeterafspraakProgress


def concept_rapportages(uitvraag: Uitvraag, traject_ids: list[int]) -> dict[int, Rapportage]:
    """Per trajectory, the concept report whose text the parties review (one query)."""
    rapportages = Rapportage.objects.filter(jaar=uitvraag.jaar).filter(
        Q(soort=Rapportage.Soort.TRAJECT, traject__in=traject_ids)
        | Q(soort=Rapportage.Soort.IMPLEMENTATIE)
    )
    eigen, breed = {}, None
    for rapportage in rapportages.order_by("pk"):
        if rapportage.soort == Rapportage.Soort.IMPLEMENTATIE:
            breed = rapportage
        else:
            eigen[rapportage.traject_id] = rapportage
    return {pk: eigen.get(pk, breed) for pk in traject_ids if eigen.get(pk, breed) is not None}


def concepttekst(per_traject: dict[int, Rapportage]) -> dict[int, Concepttekst]:
    """Per agreement, what the report prints about it: one build per report, each for the
    given trajectories only. A trajectory that the implementation-wide report leaves out (not
    in the implementatiefase in its year) has no text."""
    per_rapportage: dict[int, list[int]] = defaultdict(list)
    by_pk = {}
    for traject_id, rapportage in per_traject.items():
        per_rapportage[rapportage.pk].append(traject_id)
        by_pk[rapportage.pk] = rapportage
    teksten = {}
    for pk, traject_ids in sorted(per_rapportage.items()):
        rapportage = by_pk[pk]
        content = build_content(rapportage, traject_ids=sorted(traject_ids))
        for chapter in content.chapters:
            for section in chapter.thema_sections:
                for progress in section.afspraken:
                    teksten[progress.afspraak.pk] = Concepttekst(rapportage, chapter, progress)
    return teksten


def _reacties_per(reacties) -> dict[tuple[int, int], list[Reactie]]:
    """Per (agreement, party), newest first: the first counts, the rest is history."""
    result = defaultdict(list)
    for reactie in reacties:
        result[reactie.verbeterafspraak_id, reactie.partij_id].append(reactie)
    return result


# The party's page.


@dataclass
class Regel:
    """One party's say on one agreement: its reactions and the form for a new one."""

    partij: Partij
    reacties: list[Reactie]
    form: ReactieForm | None = None

    @property
    def huidige(self) -> Reactie | None:
        return self.reacties[0] if self.reacties else None

    @property
    def eerdere(self) -> list[Reactie]:
        return self.reacties[1:]


@dataclass
class AfspraakBlok:
    afspraak: Verbeterafspraak
    tekst: Concepttekst | None
    regels: list[Regel] = field(default_factory=list)


@dataclass
class TrajectBlok:
    traject: Traject
    rapportage: Rapportage | None
    afspraken: list[AfspraakBlok] = field(default_factory=list)


def _form(afspraak: Verbeterafspraak, partij: Partij, data=None) -> ReactieForm:
    form = ReactieForm(data, prefix=f"reactie-{afspraak.pk}-{partij.pk}")
    form.fields["soort"].label = f"Uw reactie namens {partij.afkorting}"
    return form


def get_wederhoor_uitvraag(pk: int) -> Uitvraag:
    """A round whose review window has been opened, else a 404."""
    return get_object_or_404(Uitvraag, pk=pk, wederhoor_tot__isnull=False)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def wederhoor(request, pk):
    """The concept text about each agreement of the user's parties in the round, with the
    form to react on it; staff are sent to the overview."""
    if is_redacteur(request.user):
        return redirect("rapportages:wederhoor_overzicht", pk=pk)
    uitvraag = get_wederhoor_uitvraag(pk)
    partij_ids = sorted(partij_ids_for(request.user))
    afspraken = list(
        Verbeterafspraak.objects.filter(traject__in=uitvraag.trajecten.values("pk"))
        .involving(partij_ids)
        .select_related("traject", "regiehouder")
        .prefetch_related(
            Prefetch(
                "betrokken_partijen",
                queryset=Partij.objects.filter(pk__in=partij_ids),
                to_attr="mijn_betrokken",
            )
        )
        .order_by("traject__naam", "nummer")
    )
    reacties = _reacties_per(
        Reactie.objects.filter(uitvraag=uitvraag, partij__in=partij_ids).select_related("door")
    )
    may_react = uitvraag.is_wederhoor_open()
    posted = None
    if request.method == "POST":
        posted = _posted(request.POST)
    trajecten: dict[int, TrajectBlok] = {}
    bound = None
    for afspraak in afspraken:
        blok = AfspraakBlok(afspraak, None)
        partijen = [afspraak.regiehouder] if afspraak.regiehouder_id in partij_ids else []
        partijen += [p for p in afspraak.mijn_betrokken if p.pk != afspraak.regiehouder_id]
        for partij in partijen:
            regel = Regel(partij, reacties.get((afspraak.pk, partij.pk), []))
            if (afspraak.pk, partij.pk) == posted:
                regel.form = bound = _form(afspraak, partij, request.POST)
                bound.afspraak, bound.partij = afspraak, partij
            blok.regels.append(regel)
        traject = trajecten.setdefault(afspraak.traject_id, TrajectBlok(afspraak.traject, None))
        traject.afspraken.append(blok)

    rapportages = None
    if request.method == "POST":
        if bound is None:
            raise Http404("Deze afspraak is niet van uw organisatie in deze uitvraag.")
        rapportages = concept_rapportages(uitvraag, list(trajecten))
        valid = bound.is_valid()
        if bound.afspraak.traject_id not in rapportages:
            bound.add_error(None, "Er is nog geen concepttekst om op te reageren.")
        elif valid:
            try:
                reageer(
                    uitvraag=uitvraag,
                    verbeterafspraak=bound.afspraak,
                    partij=bound.partij,
                    user=request.user,
                    soort=bound.cleaned_data["soort"],
                    opmerking=bound.cleaned_data["opmerking"],
                )
            except ValidationError as error:
                _add_errors(bound, error)
            else:
                messages.success(
                    request,
                    f"Uw reactie op afspraak {bound.afspraak.nummer} is opgeslagen namens "
                    f"{bound.partij.afkorting}.",
                )
                url = reverse("rapportages:wederhoor", args=[uitvraag.pk])
                return redirect(f"{url}#afspraak-{bound.afspraak.pk}")

    if rapportages is None:
        rapportages = concept_rapportages(uitvraag, list(trajecten))
    teksten = concepttekst(rapportages)
    for traject_id, traject in trajecten.items():
        traject.rapportage = rapportages.get(traject_id)
        for blok in traject.afspraken:
            blok.tekst = teksten.get(blok.afspraak.pk)
            if blok.tekst is not None and may_react:
                for regel in blok.regels:
                    if regel.form is None:
                        regel.form = _form(blok.afspraak, regel.partij)
    return render(
        request,
        "rapportages/wederhoor_partij.html",
        {
            "uitvraag": uitvraag,
            "trajecten": list(trajecten.values()),
            "may_react": may_react,
            "bound": bound,
            "zonder_tekst": bool(trajecten) and not teksten,
        },
    )


def _posted(data) -> tuple[int, int] | None:
    try:
        return int(data.get("afspraak", "")), int(data.get("partij", ""))
    except ValueError:
        return None


def _add_errors(form, error: ValidationError) -> None:
    errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for name, field_errors in errors.items():
        form.add_error(name if name in form.fields else None, field_errors)


# The staff's pages.


@dataclass
class Tellingen:
    """Per (agreement, party) pair involved: agreed, commented, not reacted."""

    akkoord: int = 0
    opmerking: int = 0
    paren: int = 0

    @property
    def geen(self) -> int:
        return self.paren - self.akkoord - self.opmerking

    def add(self, soort: str | None) -> None:
        self.paren += 1
        if soort == Reactie.Soort.AKKOORD:
            self.akkoord += 1
        elif soort == Reactie.Soort.OPMERKING:
            self.opmerking += 1


def _partij_ids_per_afspraak(afspraken) -> tuple[dict[int, list[int]], dict[int, int]]:
    """Per agreement, the parties asked to react (its regiehouder and betrokken partijen) and
    its trajectory: two queries, rows of ids."""
    per_afspraak = {}
    traject = {}
    for pk, traject_id, regiehouder_id in afspraken.values_list("pk", "traject_id", "regiehouder"):
        per_afspraak[pk] = [regiehouder_id]
        traject[pk] = traject_id
    through = Verbeterafspraak.betrokken_partijen.through.objects.filter(
        verbeterafspraak__in=afspraken.values("pk")
    )
    for afspraak_id, partij_id in through.values_list("verbeterafspraak_id", "partij_id"):
        if partij_id not in per_afspraak[afspraak_id]:
            per_afspraak[afspraak_id].append(partij_id)
    return per_afspraak, traject


@require_safe
@redacteur_required
def wederhoor_overzicht(request, pk):
    """Per trajectory of the round, how many parties agreed, commented or said nothing yet."""
    uitvraag = get_wederhoor_uitvraag(pk)
    trajecten = list(uitvraag.trajecten.order_by("naam").only("pk", "naam", "slug"))
    afspraken = Verbeterafspraak.objects.filter(traject__in=[t.pk for t in trajecten])
    partijen, traject_of = _partij_ids_per_afspraak(afspraken)
    newest = {
        (afspraak_id, partij_id): soort
        for afspraak_id, partij_id, soort in Reactie.objects.filter(uitvraag=uitvraag)
        .newest()
        .order_by()
        .values_list("verbeterafspraak_id", "partij_id", "soort")
    }
    per_traject = {t.pk: Tellingen() for t in trajecten}
    totaal = Tellingen()
    for afspraak_id, partij_ids in partijen.items():
        for partij_id in partij_ids:
            soort = newest.get((afspraak_id, partij_id))
            per_traject[traject_of[afspraak_id]].add(soort)
            totaal.add(soort)
    return render(
        request,
        "rapportages/wederhoor_overzicht.html",
        {
            "uitvraag": uitvraag,
            "rijen": [(t, per_traject[t.pk]) for t in trajecten],
            "totaal": totaal,
        },
    )


@dataclass
class StaffBlok:
    afspraak: Verbeterafspraak
    tekst: Concepttekst | None
    regels: list[Regel]

    @property
    def met_opmerking(self) -> bool:
        return any(
            regel.huidige and regel.huidige.soort == Reactie.Soort.OPMERKING
            for regel in self.regels
        )


@require_safe
@redacteur_required
def wederhoor_traject(request, pk, traject):
    """A trajectory's agreements: the concept text beside every party's reaction, the newest
    first and the earlier ones folded away; optionally only those with an opmerking."""
    uitvraag = get_wederhoor_uitvraag(pk)
    traject = get_object_or_404(uitvraag.trajecten.all(), pk=traject)
    afspraken = list(
        Verbeterafspraak.objects.filter(traject=traject)
        .select_related("regiehouder")
        .prefetch_related(Prefetch("betrokken_partijen", queryset=Partij.objects.order_by()))
        .order_by("nummer")
    )
    reacties = _reacties_per(
        Reactie.objects.filter(uitvraag=uitvraag, verbeterafspraak__traject=traject)
        .select_related("door")
        .order_by("-created_at", "-pk")
    )
    rapportage = concept_rapportages(uitvraag, [traject.pk]).get(traject.pk)
    teksten = concepttekst({traject.pk: rapportage} if rapportage else {})
    blokken, tellingen = [], Tellingen()
    for afspraak in afspraken:
        partijen = [afspraak.regiehouder] + sorted(
            (p for p in afspraak.betrokken_partijen.all() if p.pk != afspraak.regiehouder_id),
            key=lambda p: p.afkorting,
        )
        regels = [Regel(p, reacties.get((afspraak.pk, p.pk), [])) for p in partijen]
        for regel in regels:
            tellingen.add(regel.huidige.soort if regel.huidige else None)
        blokken.append(StaffBlok(afspraak, teksten.get(afspraak.pk), regels))
    alleen_opmerkingen = request.GET.get("opmerkingen") == "1"
    if alleen_opmerkingen:
        blokken = [blok for blok in blokken if blok.met_opmerking]
    return render(
        request,
        "rapportages/wederhoor_traject.html",
        {
            "uitvraag": uitvraag,
            "traject": traject,
            "rapportage": rapportage,
            "blokken": blokken,
            "tellingen": tellingen,
            "alleen_opmerkingen": alleen_opmerkingen,
            "zonder_tekst": not teksten,
        },
    )
