"""Optimistic version check: two editors do not silently overwrite each other's change.

A model with a `versie` field calls `bump_versie` in `save()`; its admin form is a
`VersieForm`, which carries the version it was opened with and refuses a save when the row has
moved on since.
"""

from django import forms
from django.db import models
from django.utils import timezone


def bump_versie(instance: models.Model, save_kwargs: dict) -> None:
    """Count a save of an existing row as a new version (see `versie` on the models).

    The admin form checks the version it was opened with before saving; see
    `VersieForm` below.
    """
    if instance._state.adding:
        return
    instance.versie += 1
    update_fields = save_kwargs.get("update_fields")
    if update_fields is not None:
        save_kwargs["update_fields"] = {*update_fields, "versie"}


class VersieForm(forms.ModelForm):
    """Refuses to save over a change that someone else saved after this form was opened.

    The form carries the `versie` it was opened with; the model raises it on every save. The
    row is locked while the version is compared, so two saves at the same moment are
    checked one after the other (the admin runs each save in a transaction).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "versie" in self.fields:
            self.fields["versie"].widget = forms.HiddenInput()
            # A new row starts at the model's default; a change must say what it changes.
            self.fields["versie"].required = self.instance.pk is not None

    def clean(self):
        cleaned = super().clean()
        if "versie" not in self.fields:
            return cleaned
        if self.instance.pk is None or cleaned.get("versie") is None:
            # A new row keeps the model's default; a missing version is a field error.
            cleaned["versie"] = self.instance.versie
            return cleaned
        model = type(self.instance)
        current = (
            model.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("versie", flat=True)
            .first()
        )
        if current is not None and current != cleaned["versie"]:
            # Show the newest version in the form, so that saving again is a deliberate choice.
            self.data = self.data.copy()
            self.data[self.add_prefix("versie")] = current
            raise forms.ValidationError(
                f"{self._who_changed(model)} Uw wijzigingen zijn nog niet opgeslagen en staan "
                "hieronder. Open de pagina in een nieuw tabblad om de andere wijziging te "
                "zien. Klikt u nogmaals op Opslaan, dan overschrijft u die wijziging.",
                code="versie",
            )
        return cleaned

    def _who_changed(self, model) -> str:
        latest = model.history.filter(id=self.instance.pk).order_by("-history_date").first()
        if latest is None or latest.history_user is None:
            return "Iemand anders heeft dit intussen gewijzigd."
        user = latest.history_user
        name = user.get_full_name() or user.get_username()
        moment = timezone.localtime(latest.history_date)
        return f"{name} heeft dit intussen gewijzigd (om {moment:%H:%M} op {moment:%d-%m-%Y})."
