from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils import timezone

from portal.history import HistoryAdmin
from trajecten.admin import VersieForm, register_audit_trail
from trajecten.models import Faseperiode, Thema

from .models import Lidmaatschap, Partij, Status, Verbeterafspraak, Voortgangsupdate


class LidmaatschapInline(admin.TabularInline):
    """A party's members. A membership is added or removed, never changed to another user,
    so existing rows are read-only, which also spares a user lookup per row."""

    model = Lidmaatschap
    fields = ["user", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partij", "user")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Partij)
class PartijAdmin(HistoryAdmin):
    list_display = ["afkorting", "naam", "soort", "leden_count"]
    list_filter = ["soort"]
    search_fields = ["afkorting", "naam"]
    ordering = ["afkorting"]  # Meta.ordering does not apply to an aggregated queryset
    inlines = [LidmaatschapInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(leden_count=Count("lidmaatschappen"))

    @admin.display(description="leden", ordering="leden_count")
    def leden_count(self, obj):
        return obj.leden_count


class ThemaChoiceField(forms.ModelChoiceField):
    """Theme names repeat across trajectories, so the label names the trajectory too."""

    def label_from_instance(self, obj):
        return f"{obj.traject.naam}: {obj.naam}"


class VoortgangsupdateInline(admin.StackedInline):
    """The agreement's timeline. Existing updates are read-only: a correction is a new update."""

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
    readonly_fields = ["auteur", "created_at"]
    extra = 0
    can_delete = False
    ordering = ["-peildatum", "-created_at", "-pk"]

    def get_queryset(self, request):
        # The agreement too: each row's title (its __str__) names it.
        return super().get_queryset(request).select_related("verbeterafspraak", "partij", "auteur")

    def has_change_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "partij" and request.resolver_match.kwargs.get("object_id"):
            # Offer only the parties involved in this agreement.
            afspraak_id = request.resolver_match.kwargs["object_id"]
            kwargs["queryset"] = Partij.objects.filter(
                pk__in=Verbeterafspraak.objects.filter(pk=afspraak_id).values("regiehouder")
            ) | Partij.objects.filter(betrokken_afspraken__pk=afspraak_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StatusFilter(admin.SimpleListFilter):
    title = "huidige status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("geen", "Nog geen voortgang"), *Status.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "geen":
            return queryset.filter(status_code__isnull=True)
        if value in Status.values:
            return queryset.filter(status_code=value)
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
        if self.value():
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
        ("Herkomst", {"fields": ["bron", "bron_url"]}),
    ]
    inlines = [VoortgangsupdateInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_status_op()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "thema":
            kwargs["queryset"] = Thema.objects.select_related("traject").order_by(
                "traject__naam", "volgorde"
            )
            kwargs["form_class"] = ThemaChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="huidige status", ordering="status_code")
    def current_status(self, obj):
        return Status(obj.status_code).label if obj.status_code else "Nog geen voortgang"

    def save_formset(self, request, form, formset, change):
        for update in formset.save(commit=False):
            if isinstance(update, Voortgangsupdate) and update.auteur_id is None:
                update.auteur = request.user
            update.save()
        formset.save_m2m()


@admin.register(Voortgangsupdate)
class VoortgangsupdateAdmin(HistoryAdmin):
    """All progress updates, to look up; they are added on the agreement's page."""

    list_display = ["verbeterafspraak", "peildatum", "status", "partij", "auteur", "created_at"]
    list_select_related = ["verbeterafspraak", "partij", "auteur"]
    list_filter = ["status", "partij", "verbeterafspraak__traject"]
    date_hierarchy = "peildatum"
    search_fields = ["tekst", "verbeterafspraak__titel"]
    ordering = ["-peildatum", "-created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
