from django import forms
from django.contrib import admin
from django.db.models import Count
from django.forms.models import BaseInlineFormSet

from afspraken.models import Verbeterafspraak
from portal.history import HistoryAdmin

from .models import Faseperiode, Thema, Traject, check_sequence


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


class HuidigeFaseFilter(admin.SimpleListFilter):
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
    list_display = [
        "naam",
        "domein",
        "huidige_fase_display",
        "signalementdatum",
        "aantal_afspraken",
        "afsluiting",
    ]
    list_filter = [HuidigeFaseFilter, "domein", "afsluiting"]
    search_fields = ["naam", "domein", "icd10_codes", "slug"]
    ordering = ["naam"]  # Meta.ordering does not apply to an aggregated queryset
    prepopulated_fields = {"slug": ["naam"]}
    fieldsets = [
        (None, {"fields": ["naam", "slug", "domein", "icd10_codes", "omschrijving"]}),
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
    def huidige_fase_display(self, obj):
        if obj.afsluiting:
            return obj.get_afsluiting_display()
        return Faseperiode.Fase(obj.huidige_fase_code).label if obj.huidige_fase_code else "–"

    @admin.display(description="afspraken", ordering="afspraken_count")
    def aantal_afspraken(self, obj):
        return obj.afspraken_count


@admin.register(Thema)
class ThemaAdmin(HistoryAdmin):
    list_display = ["naam", "traject", "volgorde"]
    list_select_related = ["traject"]
    list_filter = ["traject"]
    search_fields = ["naam", "traject__naam"]
    autocomplete_fields = ["traject"]
