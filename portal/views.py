import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from afspraken import views as afspraken_views
from afspraken.models import Indicator, Partij, Verbeterafspraak, is_redacteur, partij_ids_for
from afspraken.views import (
    DateTexts,
    StatusBadges,
    detail_url_maker,
    posted_indicator_pk,
    present_indicatoren,
    report_meting,
)
from trajecten.models import Traject
from uitvragen.models import Werkitem

from . import openbaar
from .core.datacache import NotKept, cached_html
from .models import Toegankelijkheidstoets


@require_safe
@login_required
def start(request):
    """Where a login leads: a party member with an item in an open round to the worklist,
    everyone else to the agreements."""
    if not is_redacteur(request.user) and (
        Werkitem.objects.for_user(request.user).filter(uitvraag__status="open").exists()
    ):
        return redirect("uitvragen:werklijst")
    return redirect("afspraken:list")


@require_safe
def traject_list(request):
    if not request.user.is_authenticated:
        return openbaar.traject_list(request)
    own_afspraken = Verbeterafspraak.objects.involving(Partij.objects.for_user(request.user))
    trajecten = Traject.objects.prefetch_related("faseperiodes").annotate(
        afspraken_count=Count("verbeterafspraken", distinct=True),
        own_afspraken_count=Count(
            "verbeterafspraken", filter=Q(verbeterafspraken__in=own_afspraken), distinct=True
        ),
    )
    return render(request, "trajecten/traject_list.html", {"trajecten": trajecten})


@require_safe
def traject_detail(request, slug):
    if not request.user.is_authenticated:
        return openbaar.traject_detail(request, slug)
    return _render_detail(request, slug)


@require_safe
def home(request):
    """The front door for a visitor; a logged-in user goes on to their own start."""
    if request.user.is_authenticated:
        return redirect("start")
    return openbaar.home(request)


@require_safe
def afspraak_list(request):
    """The agreements: the live list for a logged-in user (Mijn afspraken), for a visitor
    every agreement as the newest published report showed it."""
    if not request.user.is_authenticated:
        return openbaar.afspraak_list(request)
    return afspraken_views.afspraak_list(request)


def afspraak_detail(request, pk):
    """An agreement's page: the live one for a logged-in user who may see it
    (`afspraken.views`), for a visitor and for a member of another party its state in the
    newest published report; else the login (a visitor) or a 404."""
    reading = request.method in ("GET", "HEAD")
    if not request.user.is_authenticated and reading:
        response = openbaar.afspraak_detail(request, pk)
        if response is not None:
            return response
    try:
        return afspraken_views.afspraak_detail(request, pk)
    except Http404:
        # Another party's agreement: a logged-in user sees at least what was published.
        response = openbaar.afspraak_detail(request, pk) if reading else None
        if response is None:
            raise
        return response


@require_POST
@login_required
def meting_create(request, slug):
    """A figure for an indicator of the trajectory as a whole, from the trajectory page."""
    indicator = get_object_or_404(
        Indicator.objects.select_related("traject", "leverancier"),
        traject__slug=slug,
        verbeterafspraak=None,
        pk=posted_indicator_pk(request),
    )
    form, meting = report_meting(request, indicator)
    if meting is None:
        return _render_detail(request, slug, meting_form=form)
    return redirect(f"{indicator.traject.get_absolute_url()}#indicator-{indicator.pk}")


def _render_detail(request, slug, *, meting_form=None):
    """A trajectory page for a logged-in user. Below its heading it depends on the user only
    through their parties (which agreements they may open) and whether they are an editor,
    so it is rendered once per party and data version and then kept (`cached_html`); not for
    a user who may report a figure here, whose page holds forms of their own."""
    traject = get_object_or_404(_trajecten(), slug=slug)
    if meting_form is not None or _may_report_figures(traject, request.user):
        inhoud = _render_body(request, traject, meting_form)
    else:
        # The kept part reads its trajectory again, after the data version was read.
        inhoud = cached_html(
            "trajecten:detail",
            (traject.pk, is_redacteur(request.user), sorted(partij_ids_for(request.user))),
            lambda: _render_body(request, _trajecten().get(pk=traject.pk), None, keep=True),
        )
    return render(
        request,
        "trajecten/traject_detail.html",
        {"traject": traject, "inhoud": inhoud, "met_formulieren": isinstance(inhoud, NotKept)},
    )


def _trajecten():
    return Traject.objects.annotate(
        # Most trajectories have no indicators; knowing that saves them the query.
        has_indicatoren=Exists(Indicator.objects.filter(traject=OuterRef("pk")))
    )


def _may_report_figures(traject, user) -> bool:
    """Whether the page offers the user a form for a figure of the trajectory as a whole."""
    if not traject.has_indicatoren:
        return False
    indicatoren = traject.indicatoren.filter(verbeterafspraak=None).only(
        "pk", "traject", "leverancier"
    )
    return any(user.has_perm("afspraken.add_meting", indicator) for indicator in indicatoren)


def _render_body(request, traject, meting_form, *, keep: bool = False) -> str:
    """The page below the heading: phases, reports, agreements by theme, indicators. With the
    figures' forms (which hold the request's CSRF token) it is a `NotKept`; with `keep`, HTML
    without forms is rendered without the request, so nothing of it can be in a kept part."""
    prefetch_related_objects(
        [traject],
        "faseperiodes",
        Prefetch(
            "verbeterafspraken",
            queryset=Verbeterafspraak.objects.with_status()
            .select_related("regiehouder", "laatste_update")
            .only(
                *["traject", "thema", "nummer", "titel", "streefjaar"],
                "regiehouder__afkorting",
                "laatste_update__tekst_html",
            )
            .order_by("nummer"),
        ),
        "themas",
    )
    afspraken = traject.verbeterafspraken.all()
    visible_pks = set(
        Verbeterafspraak.objects.for_user(request.user)
        .filter(traject=traject)
        .values_list("pk", flat=True)
    )
    url_of, badges, dates = detail_url_maker(), StatusBadges(), DateTexts()
    by_thema = {thema.pk: [] for thema in traject.themas.all()}
    for afspraak in afspraken:
        afspraak.is_visible = afspraak.pk in visible_pks
        afspraak.url = url_of(afspraak.pk)
        afspraak.latest_update = afspraak.laatste_update
        afspraak.status_badge = badges[afspraak.status_code]
        afspraak.status_peildatum_tekst = dates[afspraak.status_peildatum]
        by_thema.setdefault(afspraak.thema_id, []).append(afspraak)
    themas = [thema for thema in traject.themas.all() if by_thema[thema.pk]]
    for thema in themas:
        thema.afspraken = by_thema[thema.pk]
    context = {
        "traject": traject,
        "themas": themas,
        # The reports as they were published: the title of an edition, not the report's today.
        "edities": openbaar.edities_over(traject),
        "indicator_groepen": _indicator_groups(traject, request.user, meting_form),
    }
    with_forms = meting_form is not None or any(
        beoordeling.form
        for groep in context["indicator_groepen"]
        for beoordeling in groep["beoordelingen"]
    )
    if with_forms or not keep:
        return NotKept(render_to_string("trajecten/traject_detail_inhoud.html", context, request))
    return render_to_string("trajecten/traject_detail_inhoud.html", context)


def _indicator_groups(traject, user, meting_form) -> list[dict]:
    """The trajectory's own indicators, then those of each agreement the user may open."""
    if not traject.has_indicatoren:
        return []
    afspraken = {afspraak.pk: afspraak for afspraak in traject.verbeterafspraken.all()}
    indicatoren = []
    for indicator in traject.indicatoren.select_related("leverancier"):
        indicator.traject = traject
        if indicator.verbeterafspraak_id is None:
            indicatoren.append(indicator)
        elif afspraken[indicator.verbeterafspraak_id].is_visible:
            indicator.verbeterafspraak = afspraken[indicator.verbeterafspraak_id]
            indicatoren.append(indicator)
    groups = {}
    for beoordeling in present_indicatoren(indicatoren, user, bound=meting_form):
        afspraak = beoordeling.indicator.verbeterafspraak
        key = afspraak.pk if afspraak else None
        if key not in groups:
            groups[key] = {"afspraak": afspraak, "beoordelingen": []}
        groups[key]["beoordelingen"].append(beoordeling)
    # The trajectory as a whole first, then the agreements by number.
    return sorted(
        groups.values(),
        key=lambda g: (g["afspraak"] is not None, g["afspraak"] and g["afspraak"].nummer),
    )


@require_safe
def robots_txt(request):
    """Everything public may be indexed; the sitemap says what there is."""
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /accounts/", ""]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


# The accessibility statement: when it was drawn up and when the portal was last examined by
# hand (the automated checks run on every change, in CI).
TOEGANKELIJKHEID_OPGESTELD_OP = datetime.date(2026, 12, 7)
TOEGANKELIJKHEID_ONDERZOCHT_OP = datetime.date(2026, 12, 7)


@require_safe
def toegankelijkheid(request):
    return render(
        request,
        "portal/toegankelijkheid.html",
        {
            "opgesteld_op": TOEGANKELIJKHEID_OPGESTELD_OP,
            "onderzocht_op": TOEGANKELIJKHEID_ONDERZOCHT_OP,
            "contact": settings.TOEGANKELIJKHEID_CONTACT,
            "toets": Toegankelijkheidstoets.objects.first(),
        },
    )
