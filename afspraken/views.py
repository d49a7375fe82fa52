from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from .filters import VerbeterafspraakFilter
from .forms import VoortgangsupdateForm
from .models import STATUS_CHOICES, Verbeterafspraak, partij_ids_for
from .services import UpdateConflict, rapporteer_voortgang

PER_PAGE = 25


def get_afspraak_for_user(user, pk: int, *, for_update: bool = False) -> Verbeterafspraak:
    """The agreement with its parties and timeline if the user may see it, else a 404.

    With `for_update` the user must also be allowed to report progress on it, else a 403.
    """
    afspraak = get_object_or_404(
        Verbeterafspraak.objects.for_user(user).with_timeline().with_status_op(), pk=pk
    )
    if for_update and not user.has_perm("afspraken.add_voortgangsupdate", afspraak):
        raise PermissionDenied
    return afspraak


@require_safe
@login_required
def afspraak_list(request):
    afspraken = (
        Verbeterafspraak.objects.for_user(request.user)
        .with_status_op()
        .with_details()
        .order_by("traject__naam", "nummer")
    )
    filterset = VerbeterafspraakFilter(request.GET, queryset=afspraken, request=request)
    page = Paginator(filterset.qs, PER_PAGE).get_page(request.GET.get("pagina"))
    own_partij_ids = partij_ids_for(request.user)
    for afspraak in page:
        afspraak.rol = afspraak.rol_for(own_partij_ids)
    return render(
        request,
        "afspraken/verbeterafspraak_list.html",
        {
            "filter": filterset,
            "page": page,
            "status_counts": _status_counts(filterset, request.GET),
            "query": _without_page(request.GET),
            "filters_active": any(value for key, value in request.GET.items() if key != "pagina"),
        },
    )


def _without_page(params) -> str:
    query = params.copy()
    query.pop("pagina", None)
    return query.urlencode()


def _status_counts(filterset, params) -> list[dict]:
    """Per status, how many agreements the other filters leave, and a link that picks it."""
    if not filterset.is_valid():
        return []
    rows = filterset.qs_without_status.order_by().values("status_code").annotate(count=Count("pk"))
    totals = {row["status_code"]: row["count"] for row in rows}
    chosen = params.get("status", "")
    counts = []
    for code, label in STATUS_CHOICES:
        query = params.copy()
        query.pop("pagina", None)
        query["status"] = "" if code == chosen else code
        counts.append(
            {
                "code": code,
                "label": label,
                "count": totals.get(code, 0),
                "chosen": code == chosen,
                "query": query.urlencode(),
            }
        )
    return counts


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def afspraak_detail(request, pk):
    afspraak = get_afspraak_for_user(request.user, pk, for_update=request.method == "POST")
    can_report = request.user.has_perm("afspraken.add_voortgangsupdate", afspraak)
    form = None
    status = 200
    if request.method == "POST":
        form = VoortgangsupdateForm(request.POST, afspraak=afspraak, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                update = rapporteer_voortgang(
                    afspraak=afspraak,
                    user=request.user,
                    status=data["status"],
                    peildatum=data["peildatum"],
                    tekst=data["tekst"],
                    toelichting=data["toelichting"],
                    verwachte_datum=data["verwachte_datum"],
                    partij=data["partij"],
                    last_seen=data["laatst_gezien"],
                )
            except UpdateConflict as conflict:
                # Keep what the user wrote; show them what came in meanwhile.
                afspraak = get_afspraak_for_user(request.user, pk)
                data = request.POST.copy()
                data["laatst_gezien"] = conflict.latest_pk
                form = VoortgangsupdateForm(data, afspraak=afspraak, user=request.user)
                form.is_valid()
                form.add_error(None, _conflict_message(conflict, request.user))
                status = 409
            else:
                messages.success(request, "Uw voortgangsupdate is toegevoegd aan de tijdlijn.")
                # To the new entry: the form posts to #voortgang-melden, and a browser would
                # keep that fragment, showing an empty form as if the text were lost.
                return redirect(f"{afspraak.get_absolute_url()}#update-{update.pk}")
    elif can_report:
        form = VoortgangsupdateForm(afspraak=afspraak, user=request.user)
    return render(
        request,
        "afspraken/verbeterafspraak_detail.html",
        {
            "afspraak": afspraak,
            "form": form,
            "timeline": afspraak.timeline(),
            "current_update": afspraak.status_update(),
        },
        status=status,
    )


def _conflict_message(conflict: UpdateConflict, user) -> str:
    descriptions = []
    for update in conflict.newer_updates:
        who = "uzelf" if update.auteur_id == user.pk else _display_name(update.auteur)
        descriptions.append(f"‘{update.get_status_display()}’ door {who}")
    return (
        "Terwijl u dit formulier invulde, is er een voortgangsupdate vastgelegd ("
        + "; ".join(descriptions)
        + "). Bekijk die in de tijdlijn hieronder, pas zo nodig uw status of tekst aan en "
        "verstuur opnieuw."
    )


def _display_name(user) -> str:
    if user is None:
        return "een onbekende gebruiker"
    return user.get_full_name() or user.username
