from itertools import groupby
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.forms.models import BaseInlineFormSet, ModelChoiceIterator, ModelChoiceIteratorValue
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from portal.core.history import (
    BadInputMixin,
    HistoryAdmin,
    is_valid_lookup_value,
    register_audit_trail,
)
from portal.core.versie import VersieForm
from trajecten.admin import TrajectAdmin
from trajecten.models import Faseperiode, Thema, Traject

from . import bulk
from .forms import DutchDecimalField
from .models import (
    STATUS_CHOICES,
    Indicator,
    Lidmaatschap,
    Meting,
    Partij,
    Verbeterafspraak,
    Voortgangsupdate,
    is_redacteur,
    status_label,
)
from .services import meld_meting, rapporteer_voortgang


class LidmaatschapFormSet(BaseInlineFormSet):
    def get_unique_error_message(self, unique_check):
        # Django's own message names the field as the code does: in English, `user`.
        return "Kies elke gebruiker maar één keer."


class LidmaatschapInline(BadInputMixin, admin.TabularInline):
    """A party's members. A membership is added or removed, never changed to another user,
    so existing rows are read-only, which also spares a user lookup per row."""

    model = Lidmaatschap
    formset = LidmaatschapFormSet
    fields = ["user", "email", "created_at"]
    readonly_fields = ["email", "created_at"]
    autocomplete_fields = ["user"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partij", "user")

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="e-mailadres")
    def email(self, obj):
        return obj.user.email or "Geen: kan geen wachtwoord instellen"


@admin.register(Partij)
class PartijAdmin(HistoryAdmin):
    list_display = ["afkorting", "naam", "soort", "leden_count"]
    list_filter = ["soort"]
    search_fields = ["afkorting", "naam"]
    ordering = ["afkorting"]  # Meta.ordering does not apply to an aggregated queryset
    inlines = [LidmaatschapInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(leden_count=Count("lidmaatschappen"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        partij = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and partij is not None:
            warn_members_without_email(request, Lidmaatschap.objects.filter(partij=partij))
        return response

    @admin.display(description="leden", ordering="leden_count")
    def leden_count(self, obj):
        return obj.leden_count


def warn_members_without_email(request, lidmaatschappen) -> None:
    """Say on the page which of these members cannot set a password (a new membership of
    such a user is refused by `Lidmaatschap.clean()`; this is for those from before, or whose
    address was removed since)."""
    leden = lidmaatschappen.without_email().select_related("user", "partij")
    names = sorted({f"{lid.user} ({lid.partij})" for lid in leden})
    if names:
        messages.warning(
            request,
            f"Geen e-mailadres: {', '.join(names)}. Zonder adres kan een lid geen wachtwoord "
            "instellen of opnieuw instellen en krijgt het geen mail van het portaal. Laat een "
            "e-mailadres invullen bij de gebruiker.",
        )


class ThemaChoiceIterator(ModelChoiceIterator):
    """The themes grouped under their trajectory's name: theme names repeat across
    trajectories, and without a script the list holds every trajectory's themes."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for traject, themas in groupby(self.queryset, key=lambda thema: thema.traject):
            yield (traject.naam, [self.choice(thema) for thema in themas])


class ThemaSelect(forms.Select):
    """Each theme names its trajectory in `data-traject`, so that `js/thema-per-traject.js`
    offers only the themes of the trajectory chosen above it."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if isinstance(value, ModelChoiceIteratorValue):
            option["attrs"]["data-traject"] = value.instance.traject_id
        return option


class ThemaChoiceField(forms.ModelChoiceField):
    iterator = ThemaChoiceIterator
    widget = ThemaSelect

    def label_from_instance(self, obj):
        return obj.naam


class AppendOnlyInline:
    """Rows that are only ever added (progress updates, measurements): stored ones are shown
    read-only and never deleted; new ones go through the app's service in the admin's
    `save_formset`. `parties(obj)` are the parties a new row may name."""

    readonly_fields = ["auteur", "created_at"]
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def parties(self, obj):
        raise NotImplementedError

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        partij = formset.form.base_fields["partij"]
        partij.queryset = self.parties(obj) if obj else Partij.objects.none()
        partij.empty_label = "Zorginstituut Nederland (geen partij)"
        # A party is chosen here, not added or edited from a row.
        for action in ("add", "change", "delete", "view"):
            setattr(partij.widget, f"can_{action}_related", False)
        return formset


class VoortgangsupdateInline(AppendOnlyInline, admin.StackedInline):
    """The agreement's timeline. Stored updates are read-only and cannot be deleted: a
    correction is a new update, which `VerbeterafspraakAdmin.save_formset` adds through the
    same service as the party pages."""

    model = Voortgangsupdate
    fields = [
        "peildatum",
        "status",
        "tekst",
        "toelichting",
        "verwachte_datum",
        "partij",
        "auteur",
        "created_at",
    ]

    def get_queryset(self, request):
        # The agreement too: each row's title (its __str__) names it.
        return super().get_queryset(request).select_related("verbeterafspraak", "partij", "auteur")

    def parties(self, afspraak):
        return Partij.objects.of_afspraak(afspraak.pk)


# Figures read and shown as everywhere in the portal: 61,5 and 27.000.
DUTCH_NUMBERS = {models.DecimalField: {"form_class": DutchDecimalField}}


class IndicatorInline(BadInputMixin, admin.StackedInline):
    """An agreement's indicators; their measurements are added on the indicator's own page."""

    model = Indicator
    formfield_overrides = DUTCH_NUMBERS
    fields = [
        "naam",
        "definitie",
        ("eenheid", "richting"),
        ("basisjaar", "basiswaarde"),
        ("streefjaar", "streefwaarde"),
        ("bron", "leverancier"),
    ]
    autocomplete_fields = ["leverancier"]
    show_change_link = True
    extra = 0
    can_delete = False  # an indicator with measurements stays; PROTECT says so elsewhere

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("leverancier", "traject")


class TrajectIndicatorInline(IndicatorInline):
    """The indicators of the trajectory as a whole (those of an agreement are on its page)."""

    fk_name = "traject"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(verbeterafspraak__isnull=True)


class StatusFilter(admin.SimpleListFilter):
    title = "huidige status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return STATUS_CHOICES

    def queryset(self, request, queryset):
        if self.value() in dict(STATUS_CHOICES):
            return queryset.filter(status_code=self.value())
        return queryset


class TrajectFaseFilter(admin.SimpleListFilter):
    title = "fase van het traject"
    parameter_name = "fase"

    def lookups(self, request, model_admin):
        return Faseperiode.Fase.choices

    def queryset(self, request, queryset):
        if self.value() in Faseperiode.Fase.values:
            return queryset.filter(
                traject__in=Faseperiode.objects.filter(fase=self.value())
                .containing(timezone.localdate())
                .values("traject")
            )
        return queryset


class PartijFilter(admin.SimpleListFilter):
    title = "partij (regiehouder of betrokken)"
    parameter_name = "partij"

    def lookups(self, request, model_admin):
        return [(str(p.pk), p.afkorting) for p in Partij.objects.only("pk", "afkorting")]

    def queryset(self, request, queryset):
        # Only a party on offer: anything else (`abc`, a number beyond the database's integers)
        # would fail in the query, so it leaves the list unfiltered like the other filters.
        if self.value() in {value for value, _ in self.lookup_choices}:
            return queryset.filter(
                pk__in=Verbeterafspraak.objects.filter(regiehouder=self.value())
                .values("pk")
                .union(
                    Verbeterafspraak.betrokken_partijen.through.objects.filter(
                        partij=self.value()
                    ).values("verbeterafspraak")
                )
            )
        return queryset


class VerbeterafspraakForm(VersieForm):
    def clean(self):
        cleaned = super().clean()
        regiehouder = cleaned.get("regiehouder")
        if regiehouder and regiehouder in (cleaned.get("betrokken_partijen") or []):
            self.add_error(
                "betrokken_partijen",
                f"{regiehouder} is al regiehouder; kies hier alleen de andere betrokken partijen.",
            )
        return cleaned


@admin.register(Verbeterafspraak)
class VerbeterafspraakAdmin(HistoryAdmin):
    form = VerbeterafspraakForm
    list_display = [
        "nummer",
        "titel",
        "traject",
        "thema",
        "regiehouder",
        "streefjaar",
        "current_status",
    ]
    list_display_links = ["nummer", "titel"]
    list_select_related = ["traject", "thema", "regiehouder"]
    list_filter = [
        TrajectFaseFilter,
        "traject",
        StatusFilter,
        PartijFilter,
        "traject__domein",
        "streefjaar",
    ]
    search_fields = ["titel", "omschrijving", "traject__naam", "regiehouder__afkorting"]
    ordering = ["traject__naam", "nummer"]
    autocomplete_fields = ["traject", "regiehouder", "betrokken_partijen"]
    fieldsets = [
        (None, {"fields": ["traject", "thema", "nummer", "titel", "omschrijving", "versie"]}),
        ("Partijen", {"fields": ["regiehouder", "betrokken_partijen"]}),
        ("Doel", {"fields": ["streefjaar", "streefwaarde"]}),
        ("Waar de afspraak is gemaakt", {"fields": ["bron", "bron_url"]}),
    ]
    inlines = [VoortgangsupdateInline, IndicatorInline]
    # Titles run to a hundred characters and more; Django's text box shows twenty.
    wide_fields = {"titel", "streefwaarde", "bron", "bron_url"}

    class Media:
        js = ["js/thema-per-traject.js", "js/admin-autocomplete-labels.js"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_status()

    def get_inlines(self, request, obj):
        # Progress is reported on an agreement that exists: its trajectory and parties decide
        # which dates and parties are allowed.
        return self.inlines if obj is not None else []

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in self.wide_fields:
            formfield.widget.attrs["class"] = "vLargeTextField"
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "thema":
            kwargs["queryset"] = Thema.objects.select_related("traject").order_by(
                "traject__naam", "traject", "volgorde", "naam"
            )
            kwargs["form_class"] = ThemaChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        """A trajectory given in the address (from its page, or after "Opslaan en nieuwe
        toevoegen") proposes the trajectory's next number."""
        initial = super().get_changeform_initial_data(request)
        traject = initial.get("traject")
        if traject and "nummer" not in initial and is_valid_lookup_value(Traject._meta.pk, traject):
            initial["nummer"] = Verbeterafspraak.objects.next_nummer(traject)
        return initial

    def response_add(self, request, obj, post_url_continue=None):
        return self._keep_traject(
            request, obj, super().response_add(request, obj, post_url_continue)
        )

    def response_change(self, request, obj):
        return self._keep_traject(request, obj, super().response_change(request, obj))

    def _keep_traject(self, request, obj, response):
        """After "Opslaan en nieuwe toevoegen" the next agreement is most often one of the same
        trajectory, under the same theme: the new form starts with both."""
        if "_addanother" in request.POST and IS_POPUP_VAR not in request.POST:
            query = urlencode({"traject": obj.traject_id, "thema": obj.thema_id})
            location = response["Location"]
            response["Location"] = f"{location}{'&' if '?' in location else '?'}{query}"
        return response

    @admin.display(description="huidige status", ordering="status_code")
    def current_status(self, obj):
        return status_label(obj.status_code)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Voortgangsupdate:
            return super().save_formset(request, form, formset, change)
        # Oldest first, so that two new rows go in the timeline's order. The rows have passed
        # the model's rules already; the service checks them again under its lock.
        new = sorted(formset.save(commit=False), key=lambda update: update.peildatum)
        for update in new:
            rapporteer_voortgang(
                afspraak=form.instance,
                user=request.user,
                status=update.status,
                peildatum=update.peildatum,
                tekst=update.tekst,
                toelichting=update.toelichting,
                verwachte_datum=update.verwachte_datum,
                partij=update.partij,
                last_seen=form.instance.voortgangsupdates.values_list("pk", flat=True)
                .order_by("-pk")
                .first(),
            )


@admin.register(Voortgangsupdate)
class VoortgangsupdateAdmin(HistoryAdmin):
    """All progress updates, to look up; they are added on the agreement's page."""

    list_display = ["verbeterafspraak", "peildatum", "status", "partij", "auteur", "created_at"]
    list_select_related = ["verbeterafspraak", "partij", "auteur"]
    list_filter = ["status", "partij", "verbeterafspraak__traject"]
    date_hierarchy = "peildatum"
    search_fields = ["tekst", "verbeterafspraak__titel"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VerbeterafspraakInline(admin.TabularInline):
    """The trajectory's agreements at a glance; each is edited on its own page."""

    model = Verbeterafspraak
    fields = ["nummer", "titel", "thema", "regiehouder", "streefjaar"]
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("thema", "regiehouder")

    def has_add_permission(self, request, obj=None):
        return False


class TrajectWithAfsprakenAdmin(TrajectAdmin):
    """The trajectory admin of `trajecten`, with the trajectory's agreements listed."""

    list_display = [*TrajectAdmin.list_display, "afspraken_count"]
    # With "Afspraak toevoegen" and "Indicator toevoegen" for this trajectory.
    change_form_template = "admin/afspraken/traject_change_form.html"
    inlines = [*TrajectAdmin.inlines, TrajectIndicatorInline, VerbeterafspraakInline]

    def get_inlines(self, request, obj):
        # Indicators are added to a trajectory that exists, as its agreements are.
        if obj is None:
            return [inline for inline in self.inlines if inline is not TrajectIndicatorInline]
        return self.inlines

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(afspraken_count=Count("verbeterafspraken", distinct=True))
        )

    @admin.display(description="afspraken", ordering="afspraken_count")
    def afspraken_count(self, obj):
        return obj.afspraken_count


class MetingInline(AppendOnlyInline, admin.TabularInline):
    """The indicator's measurements: stored ones read-only, new ones added through the service,
    like progress updates. A correction is a new measurement of the same year."""

    model = Meting
    formfield_overrides = DUTCH_NUMBERS
    fields = [
        "jaar",
        "waarde",
        "peildatum",
        "bron",
        "toelichting",
        "partij",
        "auteur",
        "created_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator", "partij", "auteur")

    def parties(self, indicator):
        return Partij.objects.filter(pk=indicator.leverancier_id) | Partij.objects.of_afspraak(
            indicator.verbeterafspraak_id
        )


@admin.register(Indicator)
class IndicatorAdmin(HistoryAdmin):
    formfield_overrides = DUTCH_NUMBERS
    list_display = ["naam", "traject", "verbeterafspraak", "eenheid", "leverancier"]
    list_select_related = ["traject", "verbeterafspraak", "leverancier"]
    list_filter = ["traject", "eenheid"]
    search_fields = ["naam", "definitie", "traject__naam"]
    autocomplete_fields = ["traject", "verbeterafspraak", "leverancier"]
    fields = [
        "traject",
        "verbeterafspraak",
        "naam",
        "definitie",
        ("eenheid", "richting"),
        ("basisjaar", "basiswaarde"),
        ("streefjaar", "streefwaarde"),
        ("bron", "leverancier"),
        "volgorde",
    ]
    inlines = [MetingInline]
    actions = ["export_metingen_csv", "export_metingen_xlsx"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "metingen/uploaden/",
                self.admin_site.admin_view(self.metingen_upload_view),
                name="{}_{}_metingen_upload".format(*info),
            ),
            path(
                "<path:object_id>/metingen/export/",
                self.admin_site.admin_view(self.metingen_export_view),
                name="{}_{}_metingen_export".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_upload_metingen": is_redacteur(request.user)}
        return super().changelist_view(request, extra_context)

    @admin.action(description="Metingen exporteren (CSV)")
    def export_metingen_csv(self, request, queryset):
        return metingen_response(queryset, "csv")

    @admin.action(description="Metingen exporteren (Excel)")
    def export_metingen_xlsx(self, request, queryset):
        return metingen_response(queryset, "xlsx")

    def metingen_export_view(self, request, object_id):
        indicator = self.get_object(request, object_id)
        if indicator is None:
            raise Http404
        if not self.has_view_or_change_permission(request, indicator):
            raise PermissionDenied
        formaat = "xlsx" if request.GET.get("formaat") == "xlsx" else "csv"
        return metingen_response([indicator], formaat, f"indicator-{indicator.pk}")

    def metingen_upload_view(self, request):
        """Upload a spreadsheet of figures, see what it changes, and confirm: all or nothing.
        Nothing is kept between the two steps but the signed rows in the preview page."""
        if not is_redacteur(request.user):
            raise PermissionDenied
        upload_form, errors, preview, payload = bulk.UploadForm(), [], None, ""
        if request.method == "POST" and "payload" in request.POST:
            confirm_form = bulk.ConfirmForm(request.POST)
            try:
                if not confirm_form.is_valid():
                    raise bulk.BulkError(
                        "De gegevens van de voorbeeldweergave zijn onleesbaar. Upload het bestand "
                        "opnieuw."
                    )
                rijen = bulk.unsign(confirm_form.cleaned_data["payload"], request.user)
                result = bulk.store(rijen, request.user)
            except bulk.BulkError as error:
                errors = [str(error)]
            except bulk.Refused as error:
                errors = error.errors
            else:
                stored = len(result.to_store)
                text = f"{stored} {'meting' if stored == 1 else 'metingen'} vastgelegd."
                if result.unchanged_count:
                    text += f" {result.unchanged_count} ongewijzigd, overgeslagen."
                self.message_user(request, text, messages.SUCCESS)
                return redirect("admin:afspraken_indicator_changelist")
        elif request.method == "POST":
            upload_form = bulk.UploadForm(request.POST, request.FILES)
            if upload_form.is_valid():
                try:
                    rijen, errors = bulk.parse_rows(
                        bulk.read_table(upload_form.cleaned_data["bestand"])
                    )
                    preview = bulk.plan(rijen, request.user)
                    errors = bulk.by_row(errors + preview.errors)
                    if not errors and preview.to_store:
                        payload = bulk.sign(rijen, request.user)
                        if len(payload) > bulk.MAX_PAYLOAD_SIZE:
                            raise bulk.BulkError(
                                "Het bestand is te groot om in één keer te verwerken. Splits het "
                                "in kleinere bestanden."
                            )
                except bulk.BulkError as error:
                    errors, preview, payload = [str(error)], None, ""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Metingen uploaden",
            "subtitle": None,
            "upload_form": upload_form,
            "errors": errors,
            "preview": preview,
            "payload": payload,
            "columns": ";".join(bulk.COLUMNS),
            "max_rows": bulk.dutch_count(bulk.MAX_ROWS),
            "changelist_url": reverse("admin:afspraken_indicator_changelist"),
        }
        return TemplateResponse(request, "admin/afspraken/indicator/metingen_upload.html", context)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Meting:
            return super().save_formset(request, form, formset, change)
        for meting in sorted(formset.save(commit=False), key=lambda m: (m.peildatum, m.jaar)):
            meld_meting(
                indicator=form.instance,
                user=request.user,
                jaar=meting.jaar,
                waarde=meting.waarde,
                peildatum=meting.peildatum,
                bron=meting.bron,
                toelichting=meting.toelichting,
                partij=meting.partij,
            )


def metingen_response(indicators, formaat: str, name: str = "metingen") -> HttpResponse:
    if formaat == "xlsx":
        response = HttpResponse(bulk.export_xlsx(indicators), content_type=bulk.XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(bulk.export_csv(indicators), content_type=bulk.CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.{formaat}"'
    return response


admin.site.unregister(Traject)
admin.site.register(Traject, TrajectWithAfsprakenAdmin)


register_audit_trail(Partij, ["afkorting", "naam"])
register_audit_trail(Lidmaatschap, ["partij", "user"], select_related=["partij", "user"])
register_audit_trail(
    Verbeterafspraak,
    ["traject", "nummer", "titel", "regiehouder", "versie"],
    select_related=["traject", "regiehouder"],
)
register_audit_trail(
    Voortgangsupdate,
    ["verbeterafspraak", "peildatum", "status", "partij"],
    select_related=["verbeterafspraak", "partij"],
)
register_audit_trail(
    Indicator,
    ["traject", "verbeterafspraak", "naam"],
    select_related=["traject", "verbeterafspraak"],
)
register_audit_trail(
    Meting, ["indicator", "jaar", "waarde", "partij"], select_related=["indicator", "partij"]
)
