import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from trajecten.models import Thema, Traject

from .models import (
    STATUS_CHOICES,
    Partij,
    Verbeterafspraak,
    Voortgangsupdate,
    is_redacteur,
    partij_ids_for,
)

# Each word of a search is one more condition over four columns and two joins; a thousand words
# took seconds, while a few find what anyone looks for.
MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 10


def _visible(request):
    return Verbeterafspraak.objects.for_user(request.user)


def trajecten(request):
    return Traject.objects.filter(pk__in=_visible(request).values("traject"))


def partijen(request):
    visible = _visible(request)
    return Partij.objects.filter(
        Q(pk__in=visible.values("regiehouder"))
        | Q(
            pk__in=Verbeterafspraak.betrokken_partijen.through.objects.filter(
                verbeterafspraak__in=visible
            ).values("partij")
        )
    )


def thema_choices(request) -> list[tuple[str, str]]:
    # Theme names repeat across trajectories ("Diagnostiek"); one choice per name.
    names = (
        Thema.objects.filter(pk__in=_visible(request).values("thema"))
        .order_by("naam")
        .values_list("naam", flat=True)
        .distinct()
    )
    return [(name, name) for name in names]


class VerbeterafspraakFilter(django_filters.FilterSet):
    """Filters of the agreements list. Expects a queryset with `with_status_op()`."""

    q = django_filters.CharFilter(
        label="Zoeken",
        method="filter_q",
        max_length=MAX_SEARCH_LENGTH,
        error_messages={
            "max_length": "Zoek met hoogstens %(limit_value)d tekens (u gebruikte er "
            "%(show_value)d)."
        },
    )
    traject = django_filters.ModelChoiceFilter(
        label="Traject", queryset=trajecten, empty_label="Alle trajecten"
    )
    thema = django_filters.ChoiceFilter(
        label="Thema", method="filter_thema", empty_label="Alle thema's"
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=STATUS_CHOICES,
        method="filter_status",
        empty_label="Alle statussen",
    )
    partij = django_filters.ModelChoiceFilter(
        label="Partij", queryset=partijen, method="filter_partij", empty_label="Alle partijen"
    )
    rol = django_filters.ChoiceFilter(
        label="Rol",
        choices=[("regiehouder", "Regiehouder"), ("betrokken", "Betrokken partij")],
        method="filter_partij",
        empty_label="Regiehouder of betrokken",
    )
    zonder_update = django_filters.BooleanFilter(
        label="",  # set in __init__, with the year
        method="filter_without_update",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Verbeterafspraak
        fields = ["q", "traject", "thema", "status", "partij", "rol", "zonder_update"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = timezone.localdate().year
        self.filters["zonder_update"].label = f"Nog geen update in {self.year}"
        self.filters["thema"].extra["choices"] = lambda: thema_choices(self.request)
        self.filters["q"].extra["help_text"] = (
            f"Titel, omschrijving, traject of thema; hoogstens {MAX_SEARCH_WORDS} woorden."
        )
        if not is_redacteur(self.request.user):
            self.filters["rol"].extra["help_text"] = "Rol van uw partij, of van de gekozen."
        else:
            self.filters["rol"].extra["help_text"] = "Rol van de gekozen partij."

    def filter_queryset(self, queryset):
        # Remember the result before the status filter, for the counts per status.
        data = self.form.cleaned_data
        for name, value in data.items():
            if name not in ("status", "rol"):
                queryset = self.filters[name].filter(queryset, value)
        if data.get("rol") and not data.get("partij"):
            queryset = self.filter_partij(queryset, "rol", None)
        self.qs_without_status = queryset
        return self.filters["status"].filter(queryset, data.get("status"))

    def filter_q(self, queryset, name, value):
        """Agreements with every word somewhere; only the first MAX_SEARCH_WORDS words count."""
        words = list(dict.fromkeys(value.split()))  # each word once, in order
        for word in words[:MAX_SEARCH_WORDS]:
            queryset = queryset.filter(
                Q(titel__icontains=word)
                | Q(omschrijving__icontains=word)
                | Q(traject__naam__icontains=word)
                | Q(thema__naam__icontains=word)
            )
        return queryset

    def filter_thema(self, queryset, name, value):
        return queryset.filter(thema__naam=value)

    def filter_status(self, queryset, name, value):
        return queryset.filter(status_code=value)

    def filter_partij(self, queryset, name, value):
        """Party and role together: the role of the chosen party, else of the user's own."""
        partij = self.form.cleaned_data.get("partij")
        rol = self.form.cleaned_data.get("rol") or ""
        if partij:
            return queryset.involving([partij], rol=rol)
        own_partij_ids = partij_ids_for(self.request.user)
        if rol and own_partij_ids:
            return queryset.involving(own_partij_ids, rol=rol)
        return queryset  # a role means nothing without a party: staff must choose one

    def filter_without_update(self, queryset, name, value):
        if not value:
            return queryset
        this_year = Voortgangsupdate.objects.filter(peildatum__year=self.year)
        return queryset.exclude(pk__in=this_year.values("verbeterafspraak"))
