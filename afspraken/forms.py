from django import forms
from django.utils import timezone

from .models import NO_STATUS, Status, Verbeterafspraak, Voortgangsupdate, is_redacteur


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
