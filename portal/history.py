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
