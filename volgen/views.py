"""Following: the buttons on the trajectory and agreement pages, the list of what a user
follows, and the unsubscribe link of the mails, which works without logging in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from afspraken.models import Verbeterafspraak
from trajecten.models import Traject

from . import services
from .models import Volg
from .tokens import volg_ids_uit

GEVOLGD = "U volgt nu {}."
NIET_MEER = "U volgt {} niet meer."


@require_safe
@login_required
def volg_list(request):
    volgen = Volg.objects.for_user(request.user).with_details()
    return render(request, "volgen/volg_list.html", {"volgen": volgen})


@require_POST
@login_required
def volg_traject(request, slug):
    traject = get_object_or_404(Traject, slug=slug)
    return _zet(request, traject, f"het traject {traject.naam}")


@require_POST
@login_required
def volg_afspraak(request, pk):
    afspraak = get_object_or_404(Verbeterafspraak.objects.for_user(request.user), pk=pk)
    return _zet(request, afspraak, "deze afspraak")


def _zet(request, onderwerp, naam: str):
    """Follow or stop as the form says (`volgen` 1 or 0): sent twice, it is the same."""
    if request.POST.get("volgen") == "1":
        services.volg(user=request.user, onderwerp=onderwerp)
        messages.success(request, GEVOLGD.format(naam))
    else:
        services.ontvolg(user=request.user, onderwerp=onderwerp)
        messages.success(request, NIET_MEER.format(naam))
    return redirect(_next(request) or onderwerp.get_absolute_url())


@require_POST
@login_required
def volg_stoppen(request, volg_id):
    """Stop a follow from the list, also of an agreement the user no longer sees."""
    volg = get_object_or_404(Volg.objects.for_user(request.user).with_details(), pk=volg_id)
    naam = volg.beschrijving
    services.stop_volgen(volg_ids=[volg.pk])
    messages.success(request, NIET_MEER.format(naam))
    return redirect("volgen:list")


def _next(request) -> str:
    url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=False):
        return url
    return ""


# Posted by a mail program without cookies or a CSRF token (RFC 8058): the signed token is the
# authority, and all it can do is stop following.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def afmelden(request, token):
    """The unsubscribe link of a follow mail. A POST stops following at once, without logging
    in (one click, RFC 8058); a GET only asks for that click, because mail scanners open every
    link in a mail."""
    volg_ids = volg_ids_uit(token)
    if volg_ids is None:
        return render(request, "volgen/afmelden_ongeldig.html", status=400)
    volgen = list(Volg.objects.filter(pk__in=volg_ids).with_details())
    gestopt = False
    if request.method == "POST":
        services.stop_volgen(volg_ids=volg_ids)
        gestopt = True
    return render(request, "volgen/afmelden.html", {"volgen": volgen, "gestopt": gestopt})
