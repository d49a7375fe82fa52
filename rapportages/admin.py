from django.contrib import admin
from django.utils.html import format_html

from portal.history import HistoryAdmin

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
        return format_html(
            '<a href="{}">HTML</a> · <a href="{}">PDF</a>',
            editie.get_absolute_url(),
            editie.get_pdf_url(),
        )


@admin.register(Rapportage)
class RapportageAdmin(HistoryAdmin):
    list_display = ["titel", "soort", "traject", "jaar", "peildatum", "status", "concept_link"]
    list_select_related = ["traject"]
    list_filter = ["soort", "jaar", "status", "traject"]
    search_fields = ["titel", "traject__naam"]
    autocomplete_fields = ["traject"]
    readonly_fields = ["status", "concept_link"]
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
                    "status",
                    "concept_link",
                ]
            },
        ),
        ("Teksten", {"fields": ["inleiding", "vervolg"]}),
    ]
    inlines = [EditieInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="concept en publiceren")
    def concept_link(self, rapportage):
        if rapportage.pk is None:
            return "Na opslaan te bekijken en te publiceren."
        return format_html('<a href="{}">Concept bekijken</a>', rapportage.get_concept_url())
