"""Rounds in the admin: to look up and correct an open round's deadline and message. A round
is opened on its page (`/uitvragen/nieuw/`), through `open_uitvraag()`, which makes its work
items and mails the parties; items change only by answering and reviewing, never here, and
the exchange on them (`Beoordeling`) is not in the admin at all. A closed round is frozen:
the admin only shows it."""

from django.contrib import admin
from django.shortcuts import redirect

from portal.core.history import BadInputMixin

from .models import Herinnering, Reactie, Uitvraag, Werkitem


class WerkitemInline(admin.TabularInline):
    model = Werkitem
    fields = ["partij", "traject", "soort", "verbeterafspraak", "indicator", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("partij", "traject", "verbeterafspraak", "indicator")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReactieInline(admin.TabularInline):
    """The parties' reactions in hoor en wederhoor: only ever added, on the parties' page."""

    model = Reactie
    fields = ["created_at", "partij", "verbeterafspraak", "soort", "opmerking", "door"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = "reacties in hoor en wederhoor"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("partij", "verbeterafspraak", "door")
            .order_by("verbeterafspraak__nummer", "partij__afkorting", "-created_at", "-pk")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Uitvraag)
class UitvraagAdmin(BadInputMixin, admin.ModelAdmin):
    list_display = ["jaar", "peildatum", "deadline", "status"]
    list_filter = ["status"]
    fields = [
        "jaar",
        "peildatum",
        "deadline",
        "bericht",
        "status",
        "gesloten_op",
        "gesloten_bij",
        "wederhoor_tot",
        "trajecten",
        "geopend_door",
    ]
    # The review window is opened on the round's page, through `open_wederhoor()`, which
    # mails the parties.
    readonly_fields = [
        "jaar",
        "peildatum",
        "status",
        "gesloten_op",
        "gesloten_bij",
        "wederhoor_tot",
        "trajecten",
        "geopend_door",
    ]
    inlines = [WerkitemInline, ReactieInline]

    def add_view(self, request, form_url="", extra_context=None):
        # Opening a round is more than a row: it has a page of its own.
        return redirect("uitvragen:create")

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_open:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Herinnering)
class HerinneringAdmin(BadInputMixin, admin.ModelAdmin):
    list_display = ["datum", "user", "uitvraag", "handmatig_door"]
    list_filter = ["uitvraag"]
    list_select_related = ["user", "uitvraag", "handmatig_door"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reactie)
class ReactieAdmin(BadInputMixin, admin.ModelAdmin):
    """Read only: a reaction is never edited or deleted."""

    list_display = ["created_at", "uitvraag", "partij", "verbeterafspraak", "soort", "door"]
    list_filter = ["uitvraag", "soort"]
    list_select_related = ["uitvraag", "partij", "verbeterafspraak", "door"]
    search_fields = ["opmerking", "partij__afkorting", "verbeterafspraak__titel"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
