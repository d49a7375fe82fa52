import datetime

from django import forms
from django.utils import timezone

from afspraken.forms import MetingForm, VoortgangsupdateForm
from portal.core.history import ModelMultipleChoiceField
from trajecten.models import Traject

from .models import OPMERKING_MAX_LENGTH, Reactie, Uitvraag, Werkitem
from .services import standaard_trajecten

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UitvraagForm(forms.ModelForm):
    """A new round. Without a choice of trajectories it covers those in the
    implementatiefase at its peildatum (`standaard_trajecten()`), which start ticked."""

    trajecten = ModelMultipleChoiceField(
        queryset=Traject.objects.order_by("naam"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Trajecten",
        help_text="Niets aangevinkt: alle trajecten die op de peildatum in de "
        "implementatiefase zijn.",
    )

    class Meta:
        model = Uitvraag
        fields = ["jaar", "peildatum", "deadline", "bericht"]
        widgets = {
            "peildatum": DATE,
            "deadline": DATE,
            "bericht": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["jaar"].initial = today.year
        self.fields["jaar"].widget.attrs.update(min=2000, max=2100)
        self.fields["peildatum"].initial = today
        self.fields["deadline"].initial = today + datetime.timedelta(weeks=6)
        self.fields["trajecten"].initial = list(
            standaard_trajecten(today).values_list("pk", flat=True)
        )

    def clean(self):
        data = super().clean()
        if not data.get("trajecten") and data.get("peildatum"):
            data["trajecten"] = list(standaard_trajecten(data["peildatum"]))
            if not data["trajecten"]:
                self.add_error(
                    "trajecten",
                    "Op deze peildatum is geen traject in de implementatiefase; kies de "
                    "trajecten zelf.",
                )
        return data


class TerugsturenForm(forms.Form):
    opmerking = forms.CharField(
        label="Wat moet er beter?",
        max_length=OPMERKING_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="De partij ziet deze opmerking bij het werkitem in haar werklijst.",
    )


def antwoord_form(werkitem: Werkitem, user, data=None):
    """The form that answers an item: the agreement's update form for its party, or the
    indicator's figure form for the item's year."""
    if werkitem.soort == Werkitem.Soort.METING:
        form = MetingForm(data, indicator=werkitem.indicator, prefix="antwoord")
        del form.fields["jaar"]  # the item asks for one year
        form.instance.jaar = werkitem.jaar
        return form
    form = VoortgangsupdateForm(data, afspraak=werkitem.verbeterafspraak, user=user)
    partij = form.fields["partij"]
    partij.queryset = partij.queryset.filter(pk=werkitem.partij_id)
    partij.initial = werkitem.partij_id
    partij.widget = forms.HiddenInput()
    return form


# Hoor en wederhoor.


class WederhoorForm(forms.Form):
    """Staff open the review window of a round, or move its last day."""

    wederhoor_tot = forms.DateField(
        label="Reageren kan tot en met",
        widget=DATE,
        help_text="De partijen krijgen een mail met een link naar de concepttekst over hun "
        "afspraken.",
    )

    def __init__(self, *args, uitvraag: Uitvraag, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wederhoor_tot"].initial = uitvraag.wederhoor_tot or (
            timezone.localdate() + datetime.timedelta(weeks=2)
        )


class ReactieForm(forms.Form):
    """A party's reaction on the concept text about one agreement. The page holds one per
    agreement and party, each with its own prefix; the hidden fields say which one is posted."""

    soort = forms.ChoiceField(
        label="Uw reactie",
        choices=Reactie.Soort.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Kies Akkoord of Opmerking."},
    )
    opmerking = forms.CharField(
        label="Uw opmerking",
        required=False,
        max_length=OPMERKING_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Wat moet er anders in de tekst? Alleen bij Opmerking.",
    )

    def clean(self):
        data = super().clean()
        soort, opmerking = data.get("soort"), data.get("opmerking", "").strip()
        if soort == Reactie.Soort.OPMERKING and not opmerking:
            self.add_error("opmerking", "Schrijf bij een opmerking wat er anders moet.")
        if soort == Reactie.Soort.AKKOORD and opmerking:
            self.add_error(
                "opmerking",
                "Bij akkoord hoort geen opmerking; kies Opmerking als u iets wilt meegeven.",
            )
        return data
