from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet

from portal.core.history import HistoryAdmin, register_audit_trail
from portal.core.versie import VersieForm

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
        "afsluiting",
    ]
    list_filter = [CurrentFaseFilter, "domein", "afsluiting"]
    search_fields = ["naam", "domein", "icd10_codes", "slug"]
    ordering = ["naam"]
    prepopulated_fields = {"slug": ["naam"]}
    fieldsets = [
        (None, {"fields": ["naam", "slug", "domein", "icd10_codes", "omschrijving", "versie"]}),
        ("Verbetersignalement", {"fields": ["signalementdatum", "publicatie_url"]}),
        ("Afsluiting", {"fields": ["afsluiting", "overgedragen_aan"]}),
        ("Rapportages", {"fields": ["bevroren_tot"]}),
    ]
    readonly_fields = ["bevroren_tot"]
    inlines = [FaseperiodeInline, ThemaInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_huidige_fase()

    @admin.display(description="huidige fase", ordering="huidige_fase_code")
    def current_fase_display(self, obj):
        if obj.afsluiting:
            return obj.get_afsluiting_display()
        return Faseperiode.Fase(obj.huidige_fase_code).label if obj.huidige_fase_code else "–"


@admin.register(Thema)
class ThemaAdmin(HistoryAdmin):
    list_display = ["naam", "traject", "volgorde"]
    list_select_related = ["traject"]
    list_filter = ["traject"]
    search_fields = ["naam", "traject__naam"]
    autocomplete_fields = ["traject"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            # A theme stays with its trajectory: the agreements under it belong to that
            # trajectory too (on PostgreSQL a composite foreign key insists). Disabled rather
            # than read-only, so that the form still checks the name within the trajectory.
            traject = form.base_fields["traject"]
            traject.disabled = True
            traject.widget.can_add_related = False
        return form


register_audit_trail(Traject, ["naam", "afsluiting", "versie"])
register_audit_trail(
    Faseperiode, ["traject", "fase", "startdatum", "einddatum"], select_related=["traject"]
)
register_audit_trail(Thema, ["traject", "naam"], select_related=["traject"])
