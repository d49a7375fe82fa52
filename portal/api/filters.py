"""Filters of the lists: cheap ones, on indexed or small columns."""

from django import forms
from django_filters import rest_framework as filters

from afspraken.models import STATUS_CHOICES, Indicator
from rapportages.models import Editie, GepubliceerdeStand, Rapportage


class IdFilter(filters.NumberFilter):
    """A whole number (NumberFilter takes decimals); a number beyond any id finds nothing."""

    field_class = forms.IntegerField


class VerbeterafspraakFilter(filters.FilterSet):
    traject = filters.CharFilter(field_name="traject__slug", help_text="De slug van een traject.")
    status = filters.ChoiceFilter(choices=STATUS_CHOICES, help_text="De gepubliceerde status.")
    regiehouder = filters.CharFilter(help_text="De afkorting van de regiehouder.")

    class Meta:
        model = GepubliceerdeStand
        fields = ["traject", "status", "regiehouder"]


class IndicatorFilter(filters.FilterSet):
    traject = filters.CharFilter(field_name="traject__slug", help_text="De slug van een traject.")
    verbeterafspraak = IdFilter(
        field_name="verbeterafspraak__pk", help_text="Het nummer van een verbeterafspraak."
    )

    class Meta:
        model = Indicator
        fields = ["traject", "verbeterafspraak"]


class RapportageFilter(filters.FilterSet):
    soort = filters.ChoiceFilter(choices=Rapportage.Soort.choices, help_text="De soort rapportage.")
    jaar = IdFilter(help_text="Het verslagjaar.")
    traject = filters.CharFilter(field_name="traject__slug", help_text="De slug van een traject.")

    class Meta:
        model = Rapportage
        fields = ["soort", "jaar", "traject"]


class EditieFilter(filters.FilterSet):
    rapportage = IdFilter(field_name="rapportage__pk", help_text="Het nummer van een rapportage.")

    class Meta:
        model = Editie
        fields = ["rapportage"]
