import datetime

from django import forms
from django.utils import timezone

from afspraken.forms import MetingForm, VoortgangsupdateForm
from portal.core.history import ModelMultipleChoiceField
from trajecten.models import Traject

from .models import OPMERKING_MAX_LENGTH, Uitvraag, Werkitem
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
