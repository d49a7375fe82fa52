from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin without its bare select_related() on models without foreign keys.

    django-simple-history 3.13 calls select_related() with no arguments when a model tracks
    no foreign key, which Django 6.1 deprecates (and the tests turn warnings into errors).
    """

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        related = ["history_user"] + [
            field.name
            for field in history_manager.model.tracked_fields
            if isinstance(field, models.ForeignKey)
        ]
        return history_manager.filter(**{pk_name: object_id}).select_related(*related)


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
