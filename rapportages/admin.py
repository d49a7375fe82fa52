from django.contrib import admin

from portal.history import HistoryAdmin

from .models import Rapportage


@admin.register(Rapportage)
class RapportageAdmin(HistoryAdmin):
    list_display = ["titel", "soort", "traject", "jaar", "peildatum", "status"]
    list_select_related = ["traject"]
    list_filter = ["soort", "jaar", "status", "traject"]
    search_fields = ["titel", "traject__naam"]
    autocomplete_fields = ["traject"]
    fieldsets = [
        (None, {"fields": ["soort", "traject", "jaar", "titel", "peildatum", "status"]}),
        ("Teksten", {"fields": ["inleiding", "vervolg"]}),
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
