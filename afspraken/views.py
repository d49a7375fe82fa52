from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.core import tabellen
from portal.core.datacache import cached_html
from portal.core.tabellen import FORMATEN

from .cijfers import getal
from .evaluatie import beoordeel_alle
from .filters import VerbeterafspraakFilter
from .forms import MetingForm, VoortgangsupdateForm
from .models import (
    STATUS_CHOICES,
    Indicator,
    Meting,
    Verbeterafspraak,
    is_redacteur,
    partij_ids_for,
    status_label,
)
from .services import UpdateConflict, meld_meting, rapporteer_voortgang

PER_PAGE = 25


def get_afspraak_for_user(user, pk: int, *, for_update: bool = False) -> Verbeterafspraak:
    """The agreement with its parties and timeline if the user may see it, else a 404.

    With `for_update` the user must also be allowed to report progress on it, else a 403.
    """
    afspraak = get_object_or_404(
        Verbeterafspraak.objects.for_user(user)
        .with_timeline()
        .with_status()
        # Most agreements have no indicators; knowing that saves them the query for them.
        .annotate(
            has_indicatoren=Exists(Indicator.objects.filter(verbeterafspraak=OuterRef("pk")))
        ),
        pk=pk,
    )
    if for_update and not user.has_perm("afspraken.add_voortgangsupdate", afspraak):
        raise PermissionDenied
    return afspraak


@require_safe
@login_required
def afspraak_list(request):
    """Mijn afspraken (all agreements for an editor): the filters, the counts per status and a
    page of the list. What it shows is rendered once per party, query and data version and
    then kept (`cached_html`), since it is read far more often than anything changes."""
    if request.GET.get("formaat") in FORMATEN:
        filterset = _list_filterset(request)
        if filterset.is_valid():
            download = _download(request, filterset.qs, request.GET["formaat"])
            if download is not None:
                return download
    redacteur = is_redacteur(request.user)
    if set(request.GET) - LIST_PARAMETERS - {"formaat"}:
        # Parameters of no use to the list: rendered, but not kept under a key of their own.
        inhoud = _render_list(request, redacteur=redacteur)
    else:
        inhoud = cached_html(
            "afspraken:list",
            (redacteur, sorted(partij_ids_for(request.user)), sorted(request.GET.lists())),
            lambda: _render_list(request, redacteur=redacteur),
        )
    return render(
        request,
        "afspraken/verbeterafspraak_list.html",
        {"redacteur": redacteur, "inhoud": inhoud},
    )


def _list_filterset(request):
    afspraken = (
        Verbeterafspraak.objects.for_user(request.user)
        .for_list()
        .order_by("traject__naam", "nummer")
    )
    return VerbeterafspraakFilter(request.GET, queryset=afspraken, request=request)


def _render_list(request, *, redacteur: bool) -> str:
    """The list's own part of the page: depends on the user only through their parties and
    whether they are an editor, which is what its cache key holds."""
    filterset = _list_filterset(request)
    paginator = Paginator(filterset.qs, PER_PAGE)  # filters, and keeps the query before status
    status_counts = _status_counts(filterset, request.GET)
    if status_counts:
        # The counts per status add up to the number of agreements found: no COUNT query.
        chosen = [count["count"] for count in status_counts if count["chosen"]]
        paginator.count = chosen[0] if chosen else sum(c["count"] for c in status_counts)
    page = paginator.get_page(request.GET.get("pagina"))
    _present_rows(page, request.user, terug=list_query(request.GET))
    return render_to_string(
        "afspraken/verbeterafspraak_list_inhoud.html",
        {
            "redacteur": redacteur,
            "filter": filterset,
            "page": page,
            "status_counts": status_counts,
            "query": _without_page(request.GET),
            "filters_active": any(value for key, value in request.GET.items() if key != "pagina"),
        },
    )


DOWNLOAD_KOLOMMEN = [
    "Traject",
    "Thema",
    "Nummer",
    "Titel",
    "Streefjaar",
    "Regiehouder",
    "Betrokken partijen",
    "Status",
    "Stand per",
    "Adres",
]


def _download(request, afspraken, formaat):
    """The filtered list, all its pages, as a table; None (and a message) when it is too long."""
    rows = list(afspraken[: tabellen.MAX_RIJEN + 1])
    if len(rows) > tabellen.MAX_RIJEN:
        messages.error(request, tabellen.te_veel())
        return None
    url_of = detail_url_maker()
    base = request.build_absolute_uri("/").rstrip("/")
    table = (
        [
            afspraak.traject.naam,
            afspraak.thema.naam,
            afspraak.nummer,
            afspraak.titel,
            afspraak.streefjaar,
            regiehouder.afkorting,
            ", ".join(partij.afkorting for partij in others),
            status_label(afspraak.status_code),
            afspraak.status_peildatum,
            base + url_of(afspraak.pk),
        ]
        for afspraak in rows
        for regiehouder, *others in [afspraak.partijen()]
    )
    naam = "afspraken" if is_redacteur(request.user) else "mijn-afspraken"
    return tabellen.download(
        f"{naam}-{timezone.localdate():%Y-%m-%d}", formaat, DOWNLOAD_KOLOMMEN, table
    )


def _present_rows(page, user, *, terug: str = "") -> None:
    """What a row of the list shows beyond the agreement's own fields: its address (with the
    list's filters as `terug`, for the way back), its parties, the user's role, the status
    badge and the date of the status, each badge and date text made once per page."""
    own_partij_ids = partij_ids_for(user)
    url_of, badges, dates = detail_url_maker(), StatusBadges(), DateTexts()
    back = f"?{urlencode({'terug': terug})}" if terug else ""
    for afspraak in page:
        regiehouder, *others = afspraak.partijen()
        afspraak.url = url_of(afspraak.pk) + back
        afspraak.partijen_html = format_html(
            '<strong>{}</strong> <span class="zacht">(regie)</span>{}',
            regiehouder.afkorting,
            format_html_join("", ", {}", ((partij.afkorting,) for partij in others)),
        )
        afspraak.rol = afspraak.rol_for(own_partij_ids)
        afspraak.status_badge = badges[afspraak.status_code]
        afspraak.status_peildatum_tekst = dates[afspraak.status_peildatum]


def detail_url_maker():
    """`url_of(pk)`: an agreement's address (its `get_absolute_url()`), with the URL resolver
    asked once per page instead of once per row."""
    marker = 2_147_483_647
    head, tail = reverse("afspraken:detail", kwargs={"pk": marker}).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


class StatusBadges(dict):
    """`badges[code]`: includes/status_badge.html for a status, rendered once per page (a page
    lists many agreements in a handful of statuses). Lives as long as the page's request."""

    def __missing__(self, code):
        self[code] = html = render_to_string("includes/status_badge.html", {"code": code})
        return html


class DateTexts(dict):
    """`dates[date]`: the date as the pages write it ("3 maart 2024"), made once per date per
    page; "" for None."""

    def __missing__(self, date):
        self[date] = text = "" if date is None else date_format(date, "j F Y")
        return text


LIST_PARAMETERS = frozenset(VerbeterafspraakFilter.base_filters) | {"pagina"}


def list_query(params) -> str:
    """The query string of the list of agreements with only its own parameters (filters and
    page), from the list's request or from an agreement's `terug`: whatever else it held is
    dropped, and it only ever goes after the list's own address, so it leads nowhere else."""
    query = QueryDict(mutable=True)
    for key, values in params.lists():
        if key in LIST_PARAMETERS:
            query.setlist(key, [value for value in values if value][:1])
    return query.urlencode()


def list_url(terug: str | None) -> str:
    """The list of agreements as the user left it, from an agreement's `terug` parameter."""
    query = list_query(QueryDict(terug or "")) if len(terug or "") <= 2000 else ""
    return reverse("afspraken:list") + (f"?{query}" if query else "")


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
    return _render_detail(request, afspraak, form=form, status=status)


def _render_detail(request, afspraak, *, form=None, meting_form=None, status=200):
    if form is None and request.user.has_perm("afspraken.add_voortgangsupdate", afspraak):
        form = VoortgangsupdateForm(afspraak=afspraak, user=request.user)
    return render(
        request,
        "afspraken/verbeterafspraak_detail.html",
        {
            "afspraak": afspraak,
            "list_url": list_url(request.GET.get("terug")),
            "form": form,
            "timeline": afspraak.timeline(),
            "current_update": afspraak.status_update(),
            "indicatoren": present_indicatoren(
                _indicatoren_of(afspraak), request.user, bound=meting_form
            ),
        },
        status=status,
    )


def _indicatoren_of(afspraak: Verbeterafspraak) -> list[Indicator]:
    if not afspraak.has_indicatoren:
        return []
    indicatoren = list(afspraak.indicatoren.select_related("leverancier"))
    for indicator in indicatoren:  # for the rules of a new figure, without a query each
        indicator.verbeterafspraak = afspraak
        indicator.traject = afspraak.traject
    return indicatoren


@require_POST
@login_required
def meting_create(request, pk):
    """A figure for one of the agreement's indicators, from the form on the agreement page."""
    afspraak = get_afspraak_for_user(request.user, pk)
    indicator_pk = posted_indicator_pk(request)
    indicator = next((i for i in _indicatoren_of(afspraak) if i.pk == indicator_pk), None)
    if indicator is None:
        raise Http404
    form, meting = report_meting(request, indicator)
    if meting is None:
        return _render_detail(request, afspraak, meting_form=form)
    return redirect(f"{afspraak.get_absolute_url()}#indicator-{indicator.pk}")


# Indicators and their figures, shared with the trajectory page.


def posted_indicator_pk(request) -> int | None:
    """The indicator a figure's form is for: each indicator has its own form on a page."""
    value = request.POST.get("indicator", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def report_meting(request, indicator: Indicator) -> tuple[MetingForm, Meting | None]:
    """Add the posted figure through `meld_meting()`; on a refusal, the form with its errors.

    A member reports for the delivering party, an editor as Zorginstituut.
    """
    if not request.user.has_perm("afspraken.add_meting", indicator):
        raise PermissionDenied
    form = MetingForm(request.POST, indicator=indicator)
    if not form.is_valid():
        return form, None
    try:
        meting = meld_meting(indicator=indicator, user=request.user, **form.cleaned_data)
    except ValidationError as error:
        # Refused under the lock (say the period was frozen meanwhile): the errors are keyed
        # by the model's fields, which are the form's but for `partij`.
        errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for field, field_errors in errors.items():
            form.add_error(field if field in form.fields else None, field_errors)
        return form, None
    messages.success(
        request, f"Het cijfer over {meting.jaar} is vastgelegd bij ‘{indicator.naam}’."
    )
    return form, meting


def present_indicatoren(indicatoren, user, *, bound: MetingForm | None = None):
    """The indicators judged today (one query for all their figures), each with its figures
    in Dutch notation and, for a user who may report on it, a form (`bound`, if it was refused).
    """
    beoordelingen = beoordeel_alle(indicatoren, timezone.localdate())
    for beoordeling in beoordelingen:
        indicator = beoordeling.indicator
        beoordeling.rijen = [
            {"jaar": jaar, "waarde": getal(waarde), "is_basis": index == 0}
            for index, (jaar, waarde) in enumerate(beoordeling.reeks)
        ]
        beoordeling.streef_getal = getal(indicator.streefwaarde)
        if bound is not None and bound.instance.indicator.pk == indicator.pk:
            beoordeling.form = bound
        elif user.has_perm("afspraken.add_meting", indicator):
            beoordeling.form = MetingForm(indicator=indicator)
        else:
            beoordeling.form = None
    return beoordelingen


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
