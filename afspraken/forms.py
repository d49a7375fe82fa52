from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from rapportages.models import Rapportage

from .models import Status, Verbeterafspraak, Voortgangsupdate


class VoortgangsupdateForm(forms.ModelForm):
    """A new update on an agreement, on behalf of one of the user's involved parties."""

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
        self.fields["status"].initial = afspraak.status_op()  # most updates keep the status
        self.fields["peildatum"].initial = timezone.localdate
        own_partijen = afspraak.partijen_for(user)
        partij = self.fields["partij"]
        if user.is_staff and not own_partijen:
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

    def clean_peildatum(self):
        peildatum = self.cleaned_data["peildatum"]
        if peildatum > timezone.localdate():
            raise forms.ValidationError("De peildatum kan niet in de toekomst liggen.")
        # A report dated before the newest one would slip into the middle of the timeline and
        # change what a later entry means; a correction is a new report at today's date.
        newest = max((u.peildatum for u in self.afspraak.voortgangsupdates.all()), default=None)
        if newest and peildatum < newest:
            raise forms.ValidationError(
                f"De peildatum ligt vóór de laatste melding ({_long(newest)}). Een nieuwe "
                "melding kan niet terug in de tijd; klopt een eerdere melding niet, meld dan de "
                "juiste stand met de datum van vandaag."
            )
        published = (
            Rapportage.objects.published()
            .filter(Q(traject=self.afspraak.traject_id) | Q(soort=Rapportage.Soort.IMPLEMENTATIE))
            .order_by("-peildatum")
            .first()
        )
        if published and peildatum <= published.peildatum:
            raise forms.ValidationError(
                f"‘{published.titel}’ is al gepubliceerd met de stand per "
                f"{_long(published.peildatum)}. Kies een latere peildatum, zodat een "
                "gepubliceerde rapportage klopt met de tijdlijn."
            )
        return peildatum

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status in (Status.VERTRAAGD, Status.GESTOPT) and not cleaned.get("toelichting"):
            self.add_error(
                "toelichting",
                "Licht toe waarom de afspraak "
                + ("vertraagd is." if status == Status.VERTRAAGD else "gestopt is."),
            )
        if status == Status.VERTRAAGD:
            expected = cleaned.get("verwachte_datum")
            peildatum = cleaned.get("peildatum")
            if not expected and "verwachte_datum" not in self.errors:
                self.add_error(
                    "verwachte_datum", "Geef bij een vertraging de nieuwe verwachte datum op."
                )
            elif expected and peildatum and expected <= peildatum:
                self.add_error(
                    "verwachte_datum", "De nieuwe verwachte datum moet na de peildatum liggen."
                )
        elif "verwachte_datum" in cleaned:
            # Only a delay has a new expected date; drop one left over from a changed choice.
            cleaned["verwachte_datum"] = None
        return cleaned


def _long(date) -> str:
    return date_format(date, "j F Y")
