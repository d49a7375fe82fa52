from django import forms
from django.contrib import admin
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils import timezone

from afspraken.models import Verbeterafspraak
from portal.history import HistoryAdmin

from .models import Faseperiode, Thema, Traject, check_sequence


class VersieForm(forms.ModelForm):
    """Refuses to save over a change that someone else saved after this form was opened.

    The form carries the `versie` it was opened with; the model raises it on every save. The
    row is locked while the version is compared, so two saves at the same moment are
    checked one after the other (the admin runs each save in a transaction).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "versie" in self.fields:
            self.fields["versie"].widget = forms.HiddenInput()
            # A new row starts at the model's default; a change must say what it changes.
            self.fields["versie"].required = self.instance.pk is not None

    def clean(self):
        cleaned = super().clean()
        if "versie" not in self.fields:
            return cleaned
        if self.instance.pk is None or cleaned.get("versie") is None:
            # A new row keeps the model's default; a missing version is a field error.
            cleaned["versie"] = self.instance.versie
            return cleaned
        model = type(self.instance)
        current = (
            model.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("versie", flat=True)
            .first()
        )
        if current is not None and current != cleaned["versie"]:
            # Show the newest version in the form, so that saving again is a deliberate choice.
            self.data = self.data.copy()
            self.data[self.add_prefix("versie")] = current
            raise forms.ValidationError(
                f"{self._who_changed(model)} Uw wijzigingen zijn nog niet opgeslagen en staan "
                "hieronder. Open de pagina in een nieuw tabblad om de andere wijziging te "
                "zien. Klikt u nogmaals op Opslaan, dan overschrijft u die wijziging.",
                code="versie",
            )
        return cleaned

    def _who_changed(self, model) -> str:
        latest = model.history.filter(id=self.instance.pk).order_by("-history_date").first()
        if latest is None or latest.history_user is None:
            return "Iemand anders heeft dit intussen gewijzigd."
        user = latest.history_user
        name = user.get_full_name() or user.get_username()
        moment = timezone.localtime(latest.history_date)
        return f"{name} heeft dit intussen gewijzigd (om {moment:%H:%M} op {moment:%d-%m-%Y})."


class ChangeTypeFilter(admin.SimpleListFilter):
    title = "soort wijziging"
    parameter_name = "soort"
    LABELS = {"+": "aangemaakt", "~": "gewijzigd", "-": "verwijderd"}

    def lookups(self, request, model_admin):
        return list(self.LABELS.items())

    def queryset(self, request, queryset):
        if self.value() in self.LABELS:
            return queryset.filter(history_type=self.value())
        return queryset


class AuditTrailAdmin(admin.ModelAdmin):
    """The audit trail of one model: every change, deletions included, newest first.

    Read-only. The object's own history page (Geschiedenis) shows what changed per save;
    this list also finds rows that have since been deleted, such as a membership.
    """

    object_fields: list[str] = []
    date_hierarchy = "history_date"
    list_filter = [ChangeTypeFilter]
    ordering = ["-history_date", "-history_id"]

    def get_list_display(self, request):
        return ["moment", "changed_by", "change_type", *self.object_fields]

    @admin.display(description="moment", ordering="history_date")
    def moment(self, obj):
        return obj.history_date

    @admin.display(description="door", ordering="history_user")
    def changed_by(self, obj):
        return obj.history_user or "–"

    @admin.display(description="wijziging", ordering="history_type")
    def change_type(self, obj):
        return ChangeTypeFilter.LABELS.get(obj.history_type, obj.history_type)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def register_audit_trail(model, fields: list[str], select_related: list[str] = ()) -> None:
    admin.site.register(
        model.history.model,
        type(
            f"{model.__name__}AuditTrailAdmin",
            (AuditTrailAdmin,),
            {"object_fields": fields, "list_select_related": ["history_user", *select_related]},
        ),
    )


class FaseperiodeForm(forms.ModelForm):
    class Meta:
        model = Faseperiode
        fields = ["fase", "startdatum", "einddatum"]

    def clean(self):
        # The formset checks the order of all rows together, as they are about to be saved,
        # rather than each row against the rows still in the database.
        self.instance.skip_sequence_check = True
        return super().clean()


class FaseperiodeFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        periodes = [
            form.instance
            for form in self.forms
            if form.cleaned_data.get("fase") and not self._should_delete_form(form)
        ]
        check_sequence(periodes)


class FaseperiodeInline(admin.TabularInline):
    model = Faseperiode
    form = FaseperiodeForm
    formset = FaseperiodeFormSet
    extra = 0
    min_num = 0
    max_num = len(Faseperiode.Fase)


class ThemaInline(admin.TabularInline):
    model = Thema
    fields = ["volgorde", "naam"]
    extra = 0


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


class CurrentFaseFilter(admin.SimpleListFilter):
    title = "huidige fase"
    parameter_name = "fase"

    def lookups(self, request, model_admin):
        return [*Faseperiode.Fase.choices, ("afgerond", "Afgerond")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "afgerond":
            return queryset.exclude(afsluiting="")
        if value in Faseperiode.Fase.values:
            return queryset.in_fase(value)
        return queryset


@admin.register(Traject)
class TrajectAdmin(HistoryAdmin):
    form = VersieForm
    list_display = [
        "naam",
        "domein",
        "current_fase_display",
        "signalementdatum",
        "afspraken_count",
        "afsluiting",
    ]
    list_filter = [CurrentFaseFilter, "domein", "afsluiting"]
    search_fields = ["naam", "domein", "icd10_codes", "slug"]
    ordering = ["naam"]  # Meta.ordering does not apply to an aggregated queryset
    prepopulated_fields = {"slug": ["naam"]}
    fieldsets = [
        (None, {"fields": ["naam", "slug", "domein", "icd10_codes", "omschrijving", "versie"]}),
        ("Verbetersignalement", {"fields": ["signalementdatum", "publicatie_url"]}),
        ("Afsluiting", {"fields": ["afsluiting", "overgedragen_aan"]}),
    ]
    inlines = [FaseperiodeInline, ThemaInline, VerbeterafspraakInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_huidige_fase()
            .annotate(afspraken_count=Count("verbeterafspraken", distinct=True))
        )

    @admin.display(description="huidige fase", ordering="huidige_fase_code")
    def current_fase_display(self, obj):
        if obj.afsluiting:
            return obj.get_afsluiting_display()
        return Faseperiode.Fase(obj.huidige_fase_code).label if obj.huidige_fase_code else "–"

    @admin.display(description="afspraken", ordering="afspraken_count")
    def afspraken_count(self, obj):
        return obj.afspraken_count


@admin.register(Thema)
class ThemaAdmin(HistoryAdmin):
    list_display = ["naam", "traject", "volgorde"]
    list_select_related = ["traject"]
    list_filter = ["traject"]
    search_fields = ["naam", "traject__naam"]
    autocomplete_fields = ["traject"]


register_audit_trail(Traject, ["naam", "afsluiting", "versie"])
register_audit_trail(
    Faseperiode, ["traject", "fase", "startdatum", "einddatum"], select_related=["traject"]
)
register_audit_trail(Thema, ["traject", "naam"], select_related=["traject"])
