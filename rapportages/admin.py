from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from portal.core.history import HistoryAdmin

from .leesbaarheid import leesbaarheid
from .models import Editie, Rapportage


class EditieInline(admin.TabularInline):
    """Published editions, read-only: they are made by publishing, never edited."""

    model = Editie
    extra = 0
    can_delete = False
    show_change_link = False
    fields = ["nummer", "titel", "published_at", "published_by", "pdf_sha256", "links"]
    readonly_fields = fields

    def get_queryset(self, request):
        # The stored documents can be megabytes each; the list needs none of them.
        return super().get_queryset(request).defer("html", "pdf").select_related("published_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="bekijken")
    def links(self, editie):
        if editie.pk is None:  # a posted row that is no edition of this report
            return "–"
        return format_html(
            '<a href="{}">HTML</a> · <a href="{}">PDF</a>',
            editie.get_absolute_url(),
            editie.get_pdf_url(),
        )


class PublishedFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("concept", "Concept"), ("gepubliceerd", "Gepubliceerd")]

    def queryset(self, request, queryset):
        published = Rapportage.objects.published()
        if self.value() == "gepubliceerd":
            return queryset.filter(pk__in=published.values("pk"))
        if self.value() == "concept":
            return queryset.exclude(pk__in=published.values("pk"))
        return queryset


@admin.register(Rapportage)
class RapportageAdmin(HistoryAdmin):
    list_display = [
        "titel",
        "soort",
        "traject",
        "jaar",
        "peildatum",
        "publication_status",
        "concept_link",
    ]
    list_select_related = ["traject"]
    list_filter = ["soort", "jaar", PublishedFilter, "traject"]
    search_fields = ["titel", "traject__naam"]
    autocomplete_fields = ["traject"]
    readonly_fields = [
        "publication_status",
        "concept_link",
        "leesbaarheid_samenvatting",
        "leesbaarheid_inleiding",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "soort",
                    "traject",
                    "jaar",
                    "titel",
                    "peildatum",
                    "publication_status",
                    "concept_link",
                ]
            },
        ),
        (
            "Teksten",
            {
                "fields": [
                    "samenvatting",
                    "leesbaarheid_samenvatting",
                    "inleiding",
                    "leesbaarheid_inleiding",
                    "conclusies",
                    "vervolg",
                ],
                "description": "De leesbaarheid is een hulpmiddel, geen eis: de Flesch–Douma-"
                "score van de opgeslagen tekst. Tekst op taalniveau B1 scoort ongeveer 60 of "
                "hoger.",
            },
        ),
        (
            "Verschijnen",
            {
                "fields": ["publicatiedatum", "brief_datum", "brief_kenmerk"],
                "description": "Vul de publicatiedatum alleen in voor een rapportage die al "
                "eerder buiten het portaal is verschenen; anders geldt de dag van publiceren.",
            },
        ),
    ]
    inlines = [EditieInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_latest_editie()

    @admin.display(description="leesbaarheid samenvatting")
    def leesbaarheid_samenvatting(self, obj):
        return leesbaarheid(obj.samenvatting) if obj else ""

    @admin.display(description="leesbaarheid inleiding")
    def leesbaarheid_inleiding(self, obj):
        return leesbaarheid(obj.inleiding) if obj else ""

    def get_readonly_fields(self, request, obj=None):
        # The model refuses the change too (`Rapportage.clean`); here it is not offered.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and getattr(obj, "latest_editie_nummer", None):
            fields.append("publicatiedatum")
        return fields

    @admin.display(description="status", ordering="latest_published_at")
    def publication_status(self, rapportage):
        published_at = getattr(rapportage, "latest_published_at", None)
        if published_at is None:
            return "Concept"
        nummer = rapportage.latest_editie_nummer
        return f"Gepubliceerd op {timezone.localtime(published_at):%d-%m-%Y}" + (
            f" (editie {nummer})" if nummer > 1 else ""
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="concept en publiceren")
    def concept_link(self, rapportage):
        if rapportage.pk is None:
            return "Na opslaan te bekijken en te publiceren."
        return format_html('<a href="{}">Concept bekijken</a>', rapportage.get_concept_url())
