import unicodedata

import django_filters
from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

from .models import (
    STATUS_CHOICES,
    Verbeterafspraak,
    Voortgangsupdate,
    is_redacteur,
    partij_ids_for,
)

# Each word of a search is one more condition over four columns and two joins; a thousand words
# took seconds, while a few find what anyone looks for.
MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 10


def filter_choices(user) -> dict[str, list[tuple]]:
    """The options of the trajectory, theme and party filters, from the agreements the user sees.

    Two plain queries of ids and names (the distinct trajectory, theme and regiehouder of the
    visible agreements, and their distinct betrokken parties): `{"traject": [(pk, naam), ...],
    "thema": [(naam, naam), ...], "partij": [(pk, afkorting), ...]}`, each sorted by its name.
    Theme names repeat across trajectories ("Diagnostiek"): one choice per name. (A union of
    three queries over the trajectory, theme and party tables cost twice the processor time,
    most of it building the SQL.)
    """
    visible = Verbeterafspraak.objects.for_user(user).order_by()
    betrokken = Verbeterafspraak.betrokken_partijen.through.objects.filter(
        verbeterafspraak__in=visible
    )
    trajecten, themas, partijen = {}, set(), {}
    rows = visible.values_list(
        "traject_id", "traject__naam", "thema__naam", "regiehouder_id", "regiehouder__afkorting"
    ).distinct()
    for traject_id, traject_naam, thema_naam, regiehouder_id, afkorting in rows:
        trajecten[traject_id] = traject_naam
        themas.add(thema_naam)
        partijen[regiehouder_id] = afkorting
    partijen.update(betrokken.order_by().values_list("partij_id", "partij__afkorting").distinct())
    return {
        "traject": sorted(trajecten.items(), key=_by_name),
        "thema": sorted(((naam, naam) for naam in themas), key=_by_name),
        "partij": sorted(partijen.items(), key=_by_name),
    }


def _by_name(choice: tuple) -> tuple:
    """Alphabetically by label, the same on every database: case and accents aside first."""
    label = choice[1]
    letters = "".join(
        c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c)
    )
    return letters.casefold(), label


class FilterChoices:
    """`filter_choices()` for one filter set, that is one request, fetched once when first
    needed: a choice field goes through its options more than once (to check the chosen value,
    to render them). Nothing is kept beyond the request."""

    def __init__(self, user):
        self.user = user
        self._choices = None

    def of(self, name) -> "FilterOptions":
        return FilterOptions(self, name)

    def __getitem__(self, name) -> list[tuple]:
        if self._choices is None:
            self._choices = filter_choices(self.user)
        return self._choices[name]


class FilterOptions(BaseChoiceIterator):
    """One filter's options out of its FilterChoices, for a choice field's `choices`."""

    def __init__(self, choices: FilterChoices, name: str):
        self.choices = choices
        self.name = name

    def __iter__(self):
        return iter(self.choices[self.name])

    def __len__(self):
        return len(self.choices[self.name])

    def __deepcopy__(self, memo):
        return self  # a form copies its fields; these options are the request's already


class FilterSelect(forms.Select):
    """A select whose options are written here rather than by a template each.

    Django's select template includes a template per option; with a hundred trajectories that
    was a third of the list page's time. Flat choices only, no option groups. The markup is the
    one Django's templates write, less their white space.
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = []
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            selected = option_value in chosen
            if selected:
                chosen = set()  # one selected option, as in Django's Select
            options.append(
                f'<option value="{escape(option_value)}"{" selected" if selected else ""}>'
                f"{conditional_escape(label)}</option>"
            )
        attrs = self.build_attrs(self.attrs, attrs)
        return mark_safe(
            f'<select name="{escape(name)}"{flatatt(attrs)}>{"".join(options)}</select>'
        )


class VerbeterafspraakFilter(django_filters.FilterSet):
    """Filters of the agreements list. Expects a queryset with `with_status()`."""

    q = django_filters.CharFilter(
        label="Zoeken",
        method="filter_q",
        max_length=MAX_SEARCH_LENGTH,
        error_messages={
            "max_length": "Zoek met hoogstens %(limit_value)d tekens (u gebruikte er "
            "%(show_value)d)."
        },
    )
    # The trajectories, themes and parties are plain choices from `filter_choices()`, not model
    # choices: a model choice field builds a model instance per option on every page.
    traject = django_filters.ChoiceFilter(
        label="Traject", empty_label="Alle trajecten", widget=FilterSelect
    )
    thema = django_filters.ChoiceFilter(
        label="Thema", method="filter_thema", empty_label="Alle thema's", widget=FilterSelect
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=STATUS_CHOICES,
        method="filter_status",
        empty_label="Alle statussen",
        widget=FilterSelect,
    )
    partij = django_filters.ChoiceFilter(
        label="Partij", method="filter_partij", empty_label="Alle partijen", widget=FilterSelect
    )
    rol = django_filters.ChoiceFilter(
        label="Rol",
        choices=[("regiehouder", "Regiehouder"), ("betrokken", "Betrokken partij")],
        method="filter_partij",
        empty_label="Regiehouder of betrokken",
        widget=FilterSelect,
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
        # The options of three filters, from one query, made when the form first needs them.
        choices = FilterChoices(self.request.user)
        for name in ["traject", "thema", "partij"]:
            self.filters[name].extra["choices"] = choices.of(name)
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
        partij = self.form.cleaned_data.get("partij")  # the pk of one of the party choices
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
