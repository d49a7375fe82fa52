from django import forms


class PublishForm(forms.Form):
    bevestig = forms.BooleanField(
        label="Ik heb dit concept gecontroleerd en wil het nu publiceren.",
        help_text="Publiceren legt deze versie vast als nieuwe editie; bezoekers zien die "
        "meteen. Een eerdere editie blijft opvraagbaar.",
    )
