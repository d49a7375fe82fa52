from decimal import Decimal

from django import forms
from django.utils import timezone

from .cijfers import getal, lees_getal
from .models import (
    NO_STATUS,
    Indicator,
    Meting,
    Status,
    Verbeterafspraak,
    Voortgangsupdate,
    is_redacteur,
)


class VoortgangsupdateForm(forms.ModelForm):
    """A new update on an agreement, on behalf of one of the user's involved parties.

    The rules of a new update are the model's (`Voortgangsupdate.clean()`), which the form runs
    as any model form does, so the user sees them next to the fields before the service
    checks them again under its lock.
    """

    laatst_gezien = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Voortgangsupdate
        fields = ["status", "peildatum", "tekst", "toelichting", "verwachte_datum", "partij"]
        widgets = {
            "status": forms.RadioSelect,
            "peildatum": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "verwachte_datum": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "tekst": forms.Textarea(attrs={"rows": 6}),
            "toelichting": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "peildatum": "De datum waarop deze stand van zaken geldt.",
            "tekst": "Wat is er bereikt, wat gebeurt er nu? U kunt eenvoudige opmaak gebruiken: "
            "**vet**, *cursief*, een lijst met - aan het begin van de regel.",
            "toelichting": "Verplicht bij ‘loopt met vertraging’ en ‘gestopt’: waarom?",
            "verwachte_datum": "Verplicht bij ‘loopt met vertraging’: wanneer is de afspraak nu "
            "naar verwachting gerealiseerd?",
        }

    def __init__(self, *args, afspraak: Verbeterafspraak, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.afspraak = afspraak
        self.instance.verbeterafspraak = afspraak
        self.fields["status"].choices = Status.choices
        if afspraak.status_code != NO_STATUS:  # most updates keep the status
            self.fields["status"].initial = afspraak.status_code
        self.fields["peildatum"].initial = timezone.localdate
        own_partijen = afspraak.partijen_for(user)
        partij = self.fields["partij"]
        if is_redacteur(user) and not own_partijen:
            # Staff may record what a party reported to them, or report as Zorginstituut.
            partij.queryset = partij.queryset.filter(pk__in=[p.pk for p in afspraak.partijen()])
            partij.empty_label = "Zorginstituut Nederland (geen partij)"
            partij.label = "Namens partij"
        else:
            partij.queryset = partij.queryset.filter(pk__in=[p.pk for p in own_partijen])
            partij.required = True
            partij.empty_label = None
            partij.label = "Namens partij"
            if len(own_partijen) == 1:
                partij.initial = own_partijen[0].pk
                partij.widget = forms.HiddenInput()
        if not self.is_bound:
            newest = max((u.pk for u in afspraak.voortgangsupdates.all()), default=None)
            self.fields["laatst_gezien"].initial = newest


class DutchDecimalField(forms.DecimalField):
    """A figure read as `afspraken.cijfers.lees_getal` reads it (61,5; 27.000; 1.234,5), and
    shown in Dutch notation. Django's localized field would read 27.000 as 27.
    """

    def __init__(self, **kwargs):
        kwargs["localize"] = True
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                value = str(lees_getal(value))
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
        return super().to_python(value)

    def prepare_value(self, value):
        # 41 and 61,5 rather than the stored 41,0000; no thousands point, so that what is
        # shown reads back the same.
        return getal(value, grouping=False) if isinstance(value, Decimal) else value


class MetingForm(forms.ModelForm):
    """A year's figure of one indicator, in Dutch notation (61,5).

    The model's rules (`Meting.clean()`: a value the unit allows, a year from the baseline on,
    no future date) run as in any model form, so the user sees them next to the fields;
    `meld_meting()` checks them again under its lock.
    """

    class Meta:
        model = Meting
        fields = ["jaar", "waarde", "peildatum", "bron", "toelichting"]
        field_classes = {"waarde": DutchDecimalField}
        widgets = {
            "peildatum": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "toelichting": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, indicator: Indicator, **kwargs):
        kwargs.setdefault("prefix", f"meting-{indicator.pk}")
        super().__init__(*args, **kwargs)
        self.instance.indicator = indicator
        today = timezone.localdate()
        jaar = self.fields["jaar"]
        jaar.initial = max(today.year - 1, indicator.basisjaar + 1)
        jaar.widget.attrs.update(min=indicator.basisjaar, max=today.year)
        waarde = self.fields["waarde"]
        waarde.widget.attrs.update(inputmode="decimal", autocomplete="off")
        waarde.help_text = WAARDE_HELP.get(indicator.eenheid, "")
        self.fields["peildatum"].initial = timezone.localdate
        self.fields["bron"].help_text = f"Alleen als die afwijkt van: {indicator.bron}."


WAARDE_HELP = {
    Indicator.Eenheid.PERCENTAGE: "Een percentage tussen 0 en 100, bijvoorbeeld 61,5.",
    Indicator.Eenheid.AANTAL: "Een aantal, bijvoorbeeld 27.000.",
    Indicator.Eenheid.PER_1000: "Per 1.000, bijvoorbeeld 4,2.",
    Indicator.Eenheid.EURO: "Een bedrag in euro, bijvoorbeeld 1.250,50.",
    Indicator.Eenheid.WEKEN: "Een aantal weken, bijvoorbeeld 6,5.",
    Indicator.Eenheid.DAGEN: "Een aantal dagen, bijvoorbeeld 12.",
}
