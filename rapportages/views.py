from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from portal.core import tabellen
from portal.core.tabellen import FORMATEN

from . import serving
from .content import build_content
from .forms import PublishForm
from .models import Editie, Opdracht, Rapportage, may_see_concepts
from .openbaar import STAND_KOLOMMEN, stand_rijen
from .rendering import render_html
from .tasks import start_opdracht


def get_rapportage_for_user(user, *, jaar: int | None, slug: str | None = None) -> Rapportage:
    """The report at its public address; a concept is a 404 for everyone but staff.

    Without `slug` the implementation-wide report of `jaar`; without `jaar` the trajectory's
    end evaluation.
    """
    rapportages = Rapportage.objects.for_user(user).select_related("traject")
    if slug is None:
        return get_object_or_404(rapportages, soort=Rapportage.Soort.IMPLEMENTATIE, jaar=jaar)
    if jaar is None:
        return get_object_or_404(
            rapportages, soort=Rapportage.Soort.EINDEVALUATIE, traject__slug=slug
        )
    return get_object_or_404(
        rapportages, soort=Rapportage.Soort.TRAJECT, traject__slug=slug, jaar=jaar
    )


def get_concept_for_user(user, pk: int) -> Rapportage:
    if not may_see_concepts(user):
        raise Http404("Geen rapportage gevonden.")
    return get_object_or_404(Rapportage.objects.select_related("traject"), pk=pk)


def rapportage_list(request):
    # An edition's own title: what was published, whatever the report is called since.
    edities = Editie.objects.only("pk", "rapportage", "nummer", "titel", "published_at").order_by(
        "-nummer"
    )
    rapportages = (
        Rapportage.objects.for_user(request.user)
        .select_related("traject")
        .prefetch_related(Prefetch("edities", queryset=edities))
        .order_by("-jaar", "-soort", "traject__naam")
    )
    return render(request, "rapportages/rapportage_list.html", {"rapportages": rapportages})


def rapportage_detail(request, jaar, slug=None, nummer=None):
    """A published edition's HTML, exactly as it was stored; staff are sent to a concept."""
    return _serve(request, jaar=jaar, slug=slug, nummer=nummer, document="html")


def rapportage_pdf(request, jaar, slug=None, nummer=None):
    return _serve(request, jaar=jaar, slug=slug, nummer=nummer, document="pdf")


def eindevaluatie_detail(request, slug, nummer=None):
    return rapportage_detail(request, jaar=None, slug=slug, nummer=nummer)


def eindevaluatie_pdf(request, slug, nummer=None):
    return rapportage_pdf(request, jaar=None, slug=slug, nummer=nummer)


# The views of a published edition and the document each serves: what
# `rapportages.middleware.published_editions` answers for anonymous visitors before the rest of
# the middleware, found through the URLconf.
EDITIE_VIEWS = {
    rapportage_detail: "html",
    rapportage_pdf: "pdf",
    eindevaluatie_detail: "html",
    eindevaluatie_pdf: "pdf",
}


def _serve(request, *, jaar, slug, nummer, document):
    response = serving.serve_published(
        request, jaar=jaar, slug=slug, nummer=nummer, document=document
    )
    if response is not None:
        return response
    if nummer is not None:
        raise Http404("Deze editie bestaat niet.")
    # Never published: a 404, but for the editors, who see the concept.
    rapportage = get_rapportage_for_user(request.user, jaar=jaar, slug=slug)
    concept = "rapportages:concept" if document == "html" else "rapportages:concept_pdf"
    return redirect(concept, pk=rapportage.pk)


def concept_detail(request, pk):
    rapportage = get_concept_for_user(request.user, pk)
    edities = list(rapportage.edities.only("pk", "rapportage", "nummer", "published_at"))
    # The newest job of each kind, if it is still running or has failed: the panel says so.
    opdrachten = {}
    for opdracht in rapportage.opdrachten.defer("pdf").order_by("-aangemaakt_op")[:10]:
        opdrachten.setdefault(opdracht.soort, opdracht)
    panel = render_to_string(
        "rapportages/publishing_panel.html",
        {
            "rapportage": rapportage,
            "form": PublishForm(),
            "edities": edities,
            "volgende_nummer": max((e.nummer for e in edities), default=0) + 1,
            "publicatie": _unfinished(opdrachten.get(Opdracht.Soort.PUBLICEREN)),
            "concept_pdf": opdrachten.get(Opdracht.Soort.CONCEPT_PDF),
            "can_publish": request.user.has_perm("rapportages.add_editie"),
            "change_url": reverse("admin:rapportages_rapportage_change", args=[rapportage.pk]),
        },
        request=request,
    )
    # The portal's header, not the report's: this is a page of the portal, for its editors.
    kop = render_to_string("includes/site_header.html", request=request)
    content = build_content(rapportage, with_uitvraag=True)
    return HttpResponse(render_html(content, panel=panel, kop=kop))


def _unfinished(opdracht: Opdracht | None) -> Opdracht | None:
    return None if opdracht is None or opdracht.status == Opdracht.Status.KLAAR else opdracht


def concept_pdf(request, pk):
    """The concept as PDF: made in the background (a large report takes minutes), on a POST;
    a GET shows the button."""
    rapportage = get_concept_for_user(request.user, pk)
    if request.method == "POST":
        opdracht, _ = start_opdracht(
            rapportage=rapportage, soort=Opdracht.Soort.CONCEPT_PDF, user=request.user
        )
        return redirect("rapportages:opdracht", pk=rapportage.pk, opdracht=opdracht.pk)
    return render(request, "rapportages/concept_pdf.html", {"rapportage": rapportage})


@require_POST
def publish(request, pk):
    rapportage = get_concept_for_user(request.user, pk)
    if not request.user.has_perm("rapportages.add_editie"):
        raise PermissionDenied
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Vink aan dat u het concept wilt publiceren.")
        return redirect("rapportages:concept", pk=rapportage.pk)
    # The edition the editor saw the button for: a second click, or a second tab, publishes
    # nothing twice.
    nummer = request.POST.get("nummer", "")
    volgende = (rapportage.edities.aggregate(nummer=Max("nummer"))["nummer"] or 0) + 1
    if nummer != str(volgende):
        messages.error(
            request,
            f"Intussen is editie {volgende - 1} al gepubliceerd. Bekijk het concept opnieuw en "
            "publiceer dan."
            if nummer.isdigit() and int(nummer) < volgende
            else "Dit formulier is verouderd. Vernieuw de pagina en probeer het opnieuw.",
        )
        return redirect("rapportages:concept", pk=rapportage.pk)
    opdracht, _ = start_opdracht(
        rapportage=rapportage, soort=Opdracht.Soort.PUBLICEREN, user=request.user, nummer=volgende
    )
    return redirect("rapportages:opdracht", pk=rapportage.pk, opdracht=opdracht.pk)


def opdracht_detail(request, pk, opdracht):
    """How far a job is, and its result; `static/js/opdracht.js` refreshes it while it runs."""
    rapportage = get_concept_for_user(request.user, pk)
    opdracht = get_object_or_404(
        rapportage.opdrachten.select_related("editie__rapportage__traject").defer(
            "pdf", "editie__html", "editie__pdf"
        ),
        pk=opdracht,
    )
    return render(
        request,
        "rapportages/opdracht.html",
        {
            "rapportage": rapportage,
            "opdracht": opdracht,
            "pdf_beschikbaar": opdracht.soort == Opdracht.Soort.CONCEPT_PDF
            and opdracht.status == Opdracht.Status.KLAAR
            and opdracht.verloopt_op is not None
            and opdracht.verloopt_op > timezone.now(),
        },
    )


def opdracht_pdf(request, pk, opdracht):
    """A concept PDF made in the background, from the database, while it is kept."""
    rapportage = get_concept_for_user(request.user, pk)
    opdracht = get_object_or_404(
        rapportage.opdrachten.filter(
            soort=Opdracht.Soort.CONCEPT_PDF,
            status=Opdracht.Status.KLAAR,
            verloopt_op__gt=timezone.now(),
        ),
        pk=opdracht,
    )
    return _pdf_response(bytes(opdracht.pdf), f"{rapportage.filename()}-concept")


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


@require_safe
def editie_tabel(request, pk, formaat):
    """The agreements of a published edition as it published them, as CSV or Excel: the
    report's main table for reuse. An edition never changes, so neither does this."""
    if formaat not in FORMATEN:
        raise Http404("Kies csv of xlsx.")
    editie = get_object_or_404(Editie.objects.only("pk", "nummer", "titel"), pk=pk)
    standen = editie.standen.order_by("traject__naam", "nummer")
    aantal = standen.count()
    if aantal > tabellen.MAX_RIJEN:
        return HttpResponse(
            tabellen.te_veel(aantal), content_type="text/plain; charset=utf-8", status=422
        )
    base = request.build_absolute_uri("/").rstrip("/")
    naam = f"{editie.titel} editie {editie.nummer} afspraken"
    response = tabellen.download(naam, formaat, STAND_KOLOMMEN, stand_rijen(standen, base))
    response["Cache-Control"] = "public, max-age=86400"
    return response
