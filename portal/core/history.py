from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils.text import smart_split
from simple_history.admin import SimpleHistoryAdmin

# An admin search looks for every word in every search field, each word a condition of its own
# with its own joins: a thousand words made a query that ran for seconds (and that SQLite
# refuses as too deep). Nobody searches with more words than these.
MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 10


def is_valid_lookup_value(field, value) -> bool:
    """Whether a value from a request can be looked up in `field`: of the field's type, in its
    range (not a number beyond the database's integers) and without a NUL byte, which
    PostgreSQL refuses. Django's admin passes some such values to the database unchecked."""
    if "\x00" in str(value):
        return False
    try:
        field.run_validators(field.to_python(value))
    except ValidationError:
        return False
    return True


class ValidSelectedMixin:
    """An autocomplete widget that shows again only the submitted values that can be keys.

    When a form with an invalid value comes back, Django's widget looks the submitted value up
    to show it as selected, and `abc` or a twenty-digit number fails in the database.
    """

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        opts = remote.model._meta
        target = opts.get_field(getattr(remote, "field_name", None) or opts.pk.name)
        valid = [v for v in value if is_valid_lookup_value(target, v)]
        return super().optgroups(name, valid, attr)


class AutocompleteSelect(ValidSelectedMixin, widgets.AutocompleteSelect):
    pass


class AutocompleteSelectMultiple(ValidSelectedMixin, widgets.AutocompleteSelectMultiple):
    pass


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses a value that cannot be a key before it reaches the database: Django checks each
    value's type but not its range, and a number beyond the database's integers fails there."""

    def _check_values(self, value):
        opts = self.queryset.model._meta
        field = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        for pk in value:
            if not is_valid_lookup_value(field, pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class BadInputChangeList(ChangeList):
    def get_filters(self, request):
        # Django answers a bad date in the date hierarchy with its "?e=1" page, but a year
        # beyond what a date holds raises OverflowError.
        try:
            return super().get_filters(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error


class BadInputMixin:
    """For every admin and inline of the portal: bad input in a request is refused (a 404,
    Django's "?e=1" page, a form error) or ignored, never a server error."""

    def get_changelist(self, request, **kwargs):
        return BadInputChangeList

    def get_search_results(self, request, queryset, search_term):
        words = list(smart_split(search_term[:MAX_SEARCH_LENGTH]))[:MAX_SEARCH_WORDS]
        return super().get_search_results(request, queryset, " ".join(words))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class HistoryAdmin(BadInputMixin, SimpleHistoryAdmin):
    """SimpleHistoryAdmin without its bare select_related() on models without foreign keys,
    and with its history pages answering a 404 to an id that is not one.

    django-simple-history 3.13 calls select_related() with no arguments when a model tracks
    no foreign key, which Django 6.1 deprecates (and the tests turn warnings into errors).
    """

    def history_view(self, request, object_id, extra_context=None):
        if not is_valid_lookup_value(self.model._meta.pk, unquote(object_id)):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        history_model = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        if not (
            is_valid_lookup_value(self.model._meta.pk, unquote(object_id))
            and is_valid_lookup_value(history_model._meta.pk, version_id)
        ):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

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


class AuditTrailAdmin(BadInputMixin, admin.ModelAdmin):
    """The audit trail of one model: every change, deletions included, newest first.

    Read-only. The object's own history page (Geschiedenis) shows what changed per save;
    this list also finds rows that have since been deleted, such as a membership.
    """

    object_fields: list[str] = []
    date_hierarchy = "history_date"
    list_filter = [ChangeTypeFilter]
    ordering = ["-history_date", "-history_id"]

    # simple_history's own columns have English names ("History date"); its change reason is
    # never set here.
    HISTORY_FIELDS = {
        "history_date": "moment",
        "history_user": "changed_by",
        "history_type": "change_type",
        "history_change_reason": None,
    }

    def get_list_display(self, request):
        return ["moment", "changed_by", "change_type", *self.object_fields]

    def get_fields(self, request, obj=None):
        fields = [
            self.HISTORY_FIELDS.get(name, name)
            for name in super().get_fields(request, obj)
            if self.HISTORY_FIELDS.get(name, name)
        ]
        return sorted(fields, key=lambda name: name not in self.HISTORY_FIELDS.values())

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
