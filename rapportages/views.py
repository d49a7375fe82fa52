from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .content import build_content
from .forms import PublishForm
from .models import Editie, Rapportage, may_see_concepts
from .rendering import render_html, render_pdf
from .services import publiceer_rapportage


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


def _get_editie(rapportage: Rapportage, nummer: int | None, *, without: str) -> Editie | None:
    """The requested or else the latest edition, without loading the document not served."""
    edities = rapportage.edities.defer(without)
    if nummer is not None:
        return get_object_or_404(edities, nummer=nummer)
    return edities.order_by("-nummer").first()


def rapportage_list(request):
    edities = Editie.objects.only("pk", "rapportage", "nummer", "published_at").order_by("-nummer")
    rapportages = (
        Rapportage.objects.for_user(request.user)
        .select_related("traject")
        .prefetch_related(Prefetch("edities", queryset=edities))
        .order_by("-jaar", "-soort", "traject__naam")
    )
    return render(request, "rapportages/rapportage_list.html", {"rapportages": rapportages})


def rapportage_detail(request, jaar, slug=None, nummer=None):
    """A published edition's HTML, exactly as it was stored; staff are sent to a concept."""
    rapportage = get_rapportage_for_user(request.user, jaar=jaar, slug=slug)
    editie = _get_editie(rapportage, nummer, without="pdf")
    if editie is None:
        return redirect("rapportages:concept", pk=rapportage.pk)
    response = HttpResponse(editie.html, content_type="text/html; charset=utf-8")
    response["ETag"] = f'"{editie.html_sha256}"'
    return response


def eindevaluatie_detail(request, slug, nummer=None):
    return rapportage_detail(request, jaar=None, slug=slug, nummer=nummer)


def eindevaluatie_pdf(request, slug, nummer=None):
    return rapportage_pdf(request, jaar=None, slug=slug, nummer=nummer)


def rapportage_pdf(request, jaar, slug=None, nummer=None):
    rapportage = get_rapportage_for_user(request.user, jaar=jaar, slug=slug)
    editie = _get_editie(rapportage, nummer, without="html")
    if editie is None:
        return redirect("rapportages:concept_pdf", pk=rapportage.pk)
    filename = rapportage.filename()
    if nummer is not None:
        filename += f"-editie-{nummer}"
    return _pdf_response(bytes(editie.pdf), filename, etag=editie.pdf_sha256)


def concept_detail(request, pk):
    rapportage = get_concept_for_user(request.user, pk)
    publishing = {
        "form": PublishForm(),
        "edities": rapportage.edities.only("pk", "rapportage", "nummer", "published_at"),
        "can_publish": request.user.has_perm("rapportages.add_editie"),
        "change_url": reverse("admin:rapportages_rapportage_change", args=[rapportage.pk]),
    }
    html = render_html(build_content(rapportage), request=request, publishing=publishing)
    return HttpResponse(html)


def concept_pdf(request, pk):
    rapportage = get_concept_for_user(request.user, pk)
    pdf = render_pdf(render_html(build_content(rapportage)))
    return _pdf_response(pdf, f"{rapportage.filename()}-concept")


@require_POST
def publish(request, pk):
    rapportage = get_concept_for_user(request.user, pk)
    if not request.user.has_perm("rapportages.add_editie"):
        raise PermissionDenied
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Vink aan dat u het concept wilt publiceren.")
        return redirect("rapportages:concept", pk=rapportage.pk)
    editie = publiceer_rapportage(rapportage=rapportage, user=request.user)
    messages.success(request, f"Editie {editie.nummer} van ‘{rapportage.titel}’ is gepubliceerd.")
    return redirect("rapportages:concept", pk=rapportage.pk)


def _pdf_response(pdf: bytes, filename: str, *, etag: str = "") -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    if etag:
        response["ETag"] = f'"{etag}"'
    return response
