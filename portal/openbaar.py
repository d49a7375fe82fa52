"""The portal as an anonymous visitor sees it: the front door, and the trajectories and
agreements as the newest published reports show them (`GepubliceerdeStand`), never the live
state that parties are still working on. Logged-in users keep the live pages."""

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from afspraken.models import STATUS_CHOICES
from afspraken.views import PER_PAGE, DateTexts, StatusBadges, detail_url_maker
from portal.core import tabellen
from portal.core.tabellen import FORMATEN
from rapportages.models import Editie, GepubliceerdeStand
from rapportages.openbaar import (
    STAND_KOLOMMEN,
    gepubliceerde_beoordelingen,
    gepubliceerde_indicatoren,
    stand_rijen,
)
from trajecten.models import Traject

LAATSTE_RAPPORTAGES = 5


def home(request):
    trajecten = Traject.objects.prefetch_related("faseperiodes").order_by("naam")
    edities = Editie.objects.for_links().order_by("-published_at", "-pk")[:LAATSTE_RAPPORTAGES]
    return render(
        request,
        "portal/home.html",
        {"trajecten": trajecten, "edities": edities},
    )


def traject_list(request):
    counts = dict(
        GepubliceerdeStand.objects.order_by()
        .values_list("traject")
        .annotate(count=Count("verbeterafspraak", distinct=True))
    )
    trajecten = list(Traject.objects.prefetch_related("faseperiodes"))
    for traject in trajecten:
        traject.afspraken_count = counts.get(traject.pk, 0)
    return render(
        request, "trajecten/traject_list.html", {"trajecten": trajecten, "openbaar": True}
    )


def traject_detail(request, slug):
    traject = get_object_or_404(Traject.objects.prefetch_related("faseperiodes"), slug=slug)
    standen = list(
        GepubliceerdeStand.objects.nieuwste()
        .filter(traject=traject)
        .defer("toelichting_html")
        .order_by("nummer")
    )
    url_of, badges, dates = detail_url_maker(), StatusBadges(), DateTexts()
    themas: dict[str, list] = {}
    for stand in standen:
        stand.url = url_of(stand.verbeterafspraak_id)
        stand.status_badge = badges[stand.status]
        stand.status_peildatum_tekst = dates[stand.status_peildatum]
        themas.setdefault(stand.thema, []).append(stand)
    edities = edities_over(traject)
    return render(
        request,
        "trajecten/traject_openbaar.html",
        {
            "traject": traject,
            "indicator_groepen": _indicator_groups(traject, standen),
            "themas": list(themas.items()),
            "edities": edities,
            "peildatum": max((stand.peildatum for stand in standen), default=None),
        },
    )


def _indicator_groups(traject, standen) -> list[dict]:
    """The trajectory's own indicators, then those of each agreement a report showed, judged as
    the newest report judged them."""
    shown = {stand.verbeterafspraak_id: stand for stand in standen}
    indicatoren = gepubliceerde_indicatoren().filter(traject=traject).select_related("leverancier")
    groups: dict = {}
    for beoordeling in gepubliceerde_beoordelingen(traject, indicatoren):
        stand = shown.get(beoordeling.indicator.verbeterafspraak_id)
        group = groups.setdefault(stand and stand.nummer, {"afspraak": stand, "beoordelingen": []})
        group["beoordelingen"].append(beoordeling)
    # The trajectory as a whole first, then the agreements by number.
    return [
        groups[key] for key in sorted(groups, key=lambda nummer: (nummer is not None, nummer or 0))
    ]


def edities_over(traject) -> list:
    """The newest edition of each report about the trajectory, as published (title, date):
    its own reports, and the implementation-wide ones that showed its agreements. For the
    live page and the public page alike."""
    showing = Editie.objects.filter(
        Q(rapportage__traject=traject)
        | Q(pk__in=GepubliceerdeStand.objects.filter(traject=traject).values("editie"))
    )
    newest = Editie.objects.filter(rapportage=OuterRef("rapportage")).order_by("-nummer")
    return list(
        showing.filter(pk=Subquery(newest.values("pk")[:1]))
        .for_links()
        .order_by("-peildatum", "-published_at")
    )


def afspraak_detail(request, pk):
    standen = list(
        _editie_links_for_standen(
            # `verbeterafspraak__pk`, not `verbeterafspraak`: the lookup on the primary key
            # finds nothing for a number beyond the column's range, instead of overflowing.
            GepubliceerdeStand.objects.filter(verbeterafspraak__pk=pk).select_related("traject")
        ).order_by("-peildatum", "-published_at", "-pk")
    )
    if not standen:
        return None
    stand, *eerder = standen
    return render(
        request,
        "afspraken/afspraak_openbaar.html",
        {"stand": stand, "eerder": eerder, "traject": stand.traject},
    )


def _editie_links_for_standen(standen):
    return standen.select_related("editie__rapportage__traject").defer(
        "editie__html",
        "editie__pdf",
        "editie__html_sha256",
        "editie__pdf_sha256",
        "editie__rapportage__inleiding",
        "editie__rapportage__vervolg",
        "editie__rapportage__conclusies",
    )


class PubliekFilter(forms.Form):
    """The filters of the public list of agreements; a value it does not know is ignored."""

    traject = forms.ChoiceField(label="Traject", required=False)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Alle statussen"), *STATUS_CHOICES]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["traject"].choices = [
            ("", "Alle trajecten"),
            *Traject.objects.order_by("naam").values_list("slug", "naam"),
        ]


def afspraak_list(request):
    """Every agreement a published report showed, as the newest one showed it."""
    form = PubliekFilter(request.GET)
    standen = GepubliceerdeStand.objects.nieuwste().select_related("traject")
    if form.is_valid():
        if form.cleaned_data["traject"]:
            standen = standen.filter(traject__slug=form.cleaned_data["traject"])
        if form.cleaned_data["status"]:
            standen = standen.filter(status=form.cleaned_data["status"])
    standen = standen.order_by("traject__naam", "nummer")
    formaat = request.GET.get("formaat")
    te_groot = ""
    if formaat in FORMATEN:
        aantal = standen.count()
        if aantal <= tabellen.MAX_RIJEN:
            return _download_standen(request, standen, formaat)
        te_groot = tabellen.te_veel(aantal)
    page = Paginator(standen.defer("tekst_html", "toelichting_html"), PER_PAGE).get_page(
        request.GET.get("pagina")
    )
    url_of, badges, dates = detail_url_maker(), StatusBadges(), DateTexts()
    for stand in page:
        stand.url = url_of(stand.verbeterafspraak_id)
        stand.status_badge = badges[stand.status]
        stand.status_peildatum_tekst = dates[stand.status_peildatum]
    query = request.GET.copy()
    query.pop("pagina", None)
    query.pop("formaat", None)
    return render(
        request,
        "afspraken/afspraak_list_openbaar.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filters_active": any(query.values()),
            "te_groot": te_groot,
        },
    )


def _download_standen(request, standen, formaat):
    base = request.build_absolute_uri("/").rstrip("/")
    naam = f"verbeterafspraken-{timezone.localdate():%Y-%m-%d}"
    return tabellen.download(naam, formaat, STAND_KOLOMMEN, stand_rijen(standen, base))
