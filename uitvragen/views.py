from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from afspraken.cijfers import getal
from afspraken.models import Partij, Verbeterafspraak, is_redacteur, partij_ids_for
from afspraken.services import UpdateConflict

from . import services, voortgang, wederhoor
from .forms import TerugsturenForm, UitvraagForm, WederhoorForm, antwoord_form
from .models import Uitvraag, Werkitem

PER_PAGE = 25

# The worklist shows first what needs the party, then what waits for review, then what is done.
WERKLIJST_VOLGORDE = Case(
    When(status=Werkitem.Status.TERUGGESTUURD, then=Value(0)),
    When(status=Werkitem.Status.OPEN, then=Value(1)),
    When(status=Werkitem.Status.INGEDIEND, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def redacteur_required(view):
    """Zorginstituut's editors only (who have passed their second factor: the middleware sees
    to that); anyone else logged in gets a 403."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_redacteur(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def get_werkitem_for_user(user, pk: int) -> Werkitem:
    """The item if the user may see it (an editor, or a member of the item's party), else
    a 404."""
    return get_object_or_404(
        Werkitem.objects.for_user(user).with_details().select_related("indicator__leverancier"),
        pk=pk,
    )


def _without_page(params) -> str:
    query = params.copy()
    query.pop("pagina", None)
    return query.urlencode()


# The party's pages.


@require_safe
@login_required
def werklijst(request):
    """What the newest open round asks of the user's parties, what needs doing first."""
    if is_redacteur(request.user):
        return redirect("uitvragen:list")
    partij_ids = sorted(partij_ids_for(request.user))
    uitvraag = (
        Uitvraag.objects.open()
        .filter(pk__in=Werkitem.objects.filter(partij__in=partij_ids).values("uitvraag"))
        .order_by("-jaar")
        .first()
    )
    context = {"uitvraag": uitvraag, "wederhoor": _wederhoor_for(partij_ids)}
    if uitvraag is not None:
        items = Werkitem.objects.filter(uitvraag=uitvraag, partij__in=partij_ids)
        counts = items.aggregate(**Werkitem.objects.tellingen())
        paginator = Paginator(
            items.select_related("partij", "traject", "verbeterafspraak", "indicator").order_by(
                WERKLIJST_VOLGORDE, "traject__naam", "verbeterafspraak__nummer", "soort", "pk"
            ),
            PER_PAGE,
        )
        paginator.count = counts["totaal"]
        context |= {
            "counts": counts,
            "te_doen": counts["open"] + counts["teruggestuurd"],
            "page": paginator.get_page(request.GET.get("pagina")),
            "meer_partijen": len(partij_ids) > 1,
            "verlopen": uitvraag.is_verlopen(),
        }
    return render(request, "uitvragen/werklijst.html", context)


def _wederhoor_for(partij_ids: list[int]) -> Uitvraag | None:
    """The newest open round whose review window is open and that has an agreement of one of
    these parties, as regiehouder or betrokken (one query)."""
    afspraken = Verbeterafspraak.objects.involving(partij_ids)
    return (
        Uitvraag.objects.open()
        .filter(
            wederhoor_tot__gte=timezone.localdate(),
            pk__in=Uitvraag.trajecten.through.objects.filter(
                traject__in=afspraken.values("traject")
            ).values("uitvraag"),
        )
        .order_by("-jaar")
        .first()
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def werkitem_detail(request, pk):
    """An item: the question, the answer and the exchange on it; for the party the form that
    answers it, for an editor the review."""
    werkitem = get_werkitem_for_user(request.user, pk)
    redacteur = is_redacteur(request.user)
    may_answer = (
        not redacteur
        and werkitem.uitvraag.is_open
        and werkitem.is_te_doen
        and werkitem.partij_id in partij_ids_for(request.user)
    )
    form = None
    status = 200
    if may_answer:
        _load_question(werkitem)
        form = antwoord_form(werkitem, request.user, request.POST or None)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                _answer(werkitem, request.user, form.cleaned_data)
            except UpdateConflict as conflict:
                form.add_error(
                    None,
                    "Terwijl u dit formulier invulde, is er voortgang op deze afspraak "
                    "vastgelegd. Bekijk die op de pagina van de afspraak, pas zo nodig uw "
                    "antwoord aan en verstuur opnieuw.",
                )
                form.data = form.data.copy()
                form.data["laatst_gezien"] = conflict.latest_pk
                status = 409
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request, "Uw antwoord is verstuurd. Het Zorginstituut beoordeelt het."
                )
                return redirect("uitvragen:werklijst")
    return _render_item(request, werkitem, form=form, status=status)


def _load_question(werkitem: Werkitem) -> None:
    """What the answer form needs of the agreement (its status, parties and timeline) or of
    the indicator (its trajectory, for the rules of a new figure)."""
    if werkitem.soort == Werkitem.Soort.VOORTGANG:
        werkitem.verbeterafspraak = (
            Verbeterafspraak.objects.with_details()
            .with_status()
            .prefetch_related("voortgangsupdates")
            .get(pk=werkitem.verbeterafspraak_id)
        )
    else:
        werkitem.indicator.traject = werkitem.traject


def _answer(werkitem: Werkitem, user, data: dict) -> None:
    if werkitem.soort == Werkitem.Soort.METING:
        services.beantwoord_meting(
            werkitem=werkitem,
            user=user,
            waarde=data["waarde"],
            peildatum=data["peildatum"],
            bron=data["bron"],
            toelichting=data["toelichting"],
        )
    else:
        services.beantwoord_voortgang(
            werkitem=werkitem,
            user=user,
            status=data["status"],
            peildatum=data["peildatum"],
            tekst=data["tekst"],
            toelichting=data["toelichting"],
            verwachte_datum=data["verwachte_datum"],
            last_seen=data["laatst_gezien"],
        )


def _add_errors(form, error: ValidationError) -> None:
    errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, field_errors in errors.items():
        form.add_error(field if field in form.fields else None, field_errors)


def _render_item(request, werkitem, *, form=None, terugsturen=None, status=200):
    stappen = list(werkitem.beoordelingen.select_related("door", "voortgangsupdate", "meting"))
    for stap in stappen:
        stap.waarde_tekst = getal(stap.meting.waarde) if stap.meting else ""
    may_review = (
        is_redacteur(request.user)
        and werkitem.uitvraag.is_open
        and werkitem.status == Werkitem.Status.INGEDIEND
    )
    return render(
        request,
        "uitvragen/werkitem_detail.html",
        {
            "werkitem": werkitem,
            "uitvraag": werkitem.uitvraag,
            "stappen": stappen,
            "form": form,
            "terugsturen": terugsturen or (TerugsturenForm() if may_review else None),
            "may_review": may_review,
            "redacteur": is_redacteur(request.user),
        },
        status=status,
    )


# The editors' pages.


@require_POST
@redacteur_required
def werkitem_accepteren(request, pk):
    werkitem = get_werkitem_for_user(request.user, pk)
    try:
        services.accepteer(werkitem=werkitem, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(werkitem)
    messages.success(request, f"Geaccepteerd: {werkitem.vraag} ({werkitem.partij}).")
    return redirect(_review_next(werkitem))


@require_POST
@redacteur_required
def werkitem_terugsturen(request, pk):
    werkitem = get_werkitem_for_user(request.user, pk)
    form = TerugsturenForm(request.POST)
    if form.is_valid():
        try:
            services.stuur_terug(
                werkitem=werkitem, user=request.user, opmerking=form.cleaned_data["opmerking"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Teruggestuurd naar {werkitem.partij}: {werkitem.vraag}.")
            return redirect(_review_next(werkitem))
    return _render_item(request, werkitem, terugsturen=form, status=200)


def _review_next(werkitem: Werkitem) -> str:
    """Back to what still waits for review in the round."""
    return f"{werkitem.uitvraag.get_absolute_url()}?status={Werkitem.Status.INGEDIEND}"


@require_safe
@redacteur_required
def uitvraag_list(request):
    page = Paginator(Uitvraag.objects.order_by("-jaar"), PER_PAGE).get_page(
        request.GET.get("pagina")
    )
    return render(request, "uitvragen/uitvraag_list.html", {"page": page})


@require_http_methods(["GET", "HEAD", "POST"])
@redacteur_required
def uitvraag_create(request):
    form = UitvraagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            uitvraag = services.open_uitvraag(
                jaar=data["jaar"],
                peildatum=data["peildatum"],
                deadline=data["deadline"],
                bericht=data["bericht"],
                trajecten=data["trajecten"],
                user=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                f"De uitvraag {uitvraag.jaar} is geopend. De partijen krijgen een mail.",
            )
            return redirect(uitvraag)
    return render(request, "uitvragen/uitvraag_form.html", {"form": form})


class ItemFilter(forms.Form):
    traject = forms.TypedChoiceField(label="Traject", required=False, coerce=int, empty_value=None)
    partij = forms.TypedChoiceField(label="Partij", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Alle"), *Werkitem.Status.choices]
    )

    def __init__(self, *args, uitvraag: Uitvraag, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["traject"].choices = [("", "Alle trajecten")] + [
            (t.pk, t.naam) for t in uitvraag.trajecten.order_by("naam").only("pk", "naam")
        ]
        partijen = Partij.objects.filter(
            pk__in=Werkitem.objects.filter(uitvraag=uitvraag).values("partij")
        ).only("pk", "afkorting")
        self.fields["partij"].choices = [("", "Alle partijen")] + [
            (p.pk, p.afkorting) for p in partijen
        ]


@require_safe
@redacteur_required
def uitvraag_detail(request, pk):
    """What came in, per item, to review; filtered by trajectory, party and state."""
    return _render_round(request, get_object_or_404(Uitvraag, pk=pk))


def _render_round(request, uitvraag: Uitvraag, *, wederhoor_form=None, status=200):
    filters = ItemFilter(request.GET or None, uitvraag=uitvraag)
    counts = Werkitem.objects.filter(uitvraag=uitvraag).aggregate(**Werkitem.objects.tellingen())
    items = Werkitem.objects.filter(uitvraag=uitvraag)
    known_count = counts["totaal"]
    if filters.is_valid():
        data = filters.cleaned_data
        if data["traject"] or data["partij"]:
            known_count = None
        if data["traject"]:
            items = items.filter(traject=data["traject"])
        if data["partij"]:
            items = items.filter(partij=data["partij"])
        if data["status"]:
            items = items.filter(status=data["status"])
            known_count = None if known_count is None else counts[data["status"]]
    elif request.GET:
        items, known_count = items.none(), 0
    paginator = Paginator(
        items.select_related("partij", "traject", "verbeterafspraak", "indicator").order_by(
            "traject__naam", "verbeterafspraak__nummer", "soort", "partij__afkorting", "pk"
        ),
        PER_PAGE,
    )
    if known_count is not None:
        paginator.count = known_count  # from the counts above: no COUNT query
    page = paginator.get_page(request.GET.get("pagina"))
    return render(
        request,
        "uitvragen/uitvraag_detail.html",
        {
            "uitvraag": uitvraag,
            "filters": filters,
            "page": page,
            "counts": counts,
            "query": _without_page(request.GET),
            "verlopen": uitvraag.is_verlopen(),
            "wederhoor_form": wederhoor_form
            or (WederhoorForm(uitvraag=uitvraag) if uitvraag.is_open else None),
        },
        status=status,
    )


@require_safe
@redacteur_required
def uitvraag_voortgang(request, pk):
    uitvraag = get_object_or_404(Uitvraag, pk=pk)
    verlopen = uitvraag.is_verlopen()
    per_partij = voortgang.per(uitvraag, "partij")
    per_traject = voortgang.per(uitvraag, "traject")
    return render(
        request,
        "uitvragen/uitvraag_voortgang.html",
        {
            "uitvraag": uitvraag,
            "tabellen": [
                ("partij", "Per partij", per_partij, voortgang.totaal(per_partij, verlopen)),
                ("traject", "Per traject", per_traject, voortgang.totaal(per_traject, verlopen)),
            ],
            "chart": voortgang.chart_data_uri(per_partij) if per_partij else "",
            "chart_alt": voortgang.chart_alt(per_partij),
            "verlopen": verlopen,
        },
    )


@require_safe
@redacteur_required
def uitvraag_export(request, pk):
    uitvraag = get_object_or_404(Uitvraag, pk=pk)
    response = HttpResponse(
        voortgang.export_xlsx(uitvraag),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="uitvraag-{uitvraag.jaar}-respons-'
        f'{timezone.localdate():%Y-%m-%d}.xlsx"'
    )
    return response


@require_POST
@redacteur_required
def uitvraag_herinneren(request, pk):
    uitvraag = get_object_or_404(Uitvraag, pk=pk)
    sent = services.verstuur_herinneringen(uitvraag=uitvraag, handmatig_door=request.user)
    if sent:
        messages.success(
            request, f"Er gaat een herinnering naar {sent} persoon{'' if sent == 1 else 'en'}."
        )
    else:
        messages.success(
            request,
            "Niemand om te herinneren: wie nog iets open heeft, kreeg vandaag al een "
            "herinnering, of er staat niets meer open.",
        )
    return redirect(uitvraag)


@require_POST
@redacteur_required
def uitvraag_sluiten(request, pk):
    uitvraag = get_object_or_404(Uitvraag, pk=pk)
    services.sluit_uitvraag(uitvraag=uitvraag, user=request.user)
    messages.success(request, f"De uitvraag {uitvraag.jaar} is gesloten.")
    return redirect(reverse("uitvragen:detail", kwargs={"pk": uitvraag.pk}))


@require_POST
@redacteur_required
def wederhoor_openen(request, pk):
    """Open the round's review window, or move its last day; the parties get a mail."""
    uitvraag = get_object_or_404(Uitvraag, pk=pk)
    form = WederhoorForm(request.POST, uitvraag=uitvraag)
    if form.is_valid():
        try:
            wederhoor.open_wederhoor(
                uitvraag=uitvraag, tot=form.cleaned_data["wederhoor_tot"], user=request.user
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                "Hoor en wederhoor is open tot en met "
                f"{date_format(uitvraag.wederhoor_tot, 'j F Y')}. De partijen krijgen een mail.",
            )
            return redirect(uitvraag)
    return _render_round(request, uitvraag, wederhoor_form=form)
