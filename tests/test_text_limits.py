"""Every text a person writes has a length limit, which the model enforces, not only the form.

Django checks `max_length` of a TextField only in forms, so a TextField needs a
MaxLengthValidator too; a CharField has one of its own. The limit bounds what storing,
rendering and showing a text can cost.
"""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models

from afspraken.models import OMSCHRIJVING_MAX_LENGTH as AFSPRAAK_OMSCHRIJVING_MAX_LENGTH
from rapportages.models import INLEIDING_MAX_LENGTH, VERVOLG_MAX_LENGTH
from tests.factories import RapportageFactory, TrajectFactory, VerbeterafspraakFactory
from trajecten.models import OMSCHRIJVING_MAX_LENGTH as TRAJECT_OMSCHRIJVING_MAX_LENGTH

# Written by the portal, not by a person: the exact HTML of a published edition.
GENERATED = {"rapportages.Editie.html"}


def text_fields():
    for app in ("trajecten", "afspraken", "rapportages"):
        for model in apps.get_app_config(app).get_models():
            if model._meta.model_name.startswith("historical"):
                continue  # the audit trail copies the fields, and nobody types into it
            for field in model._meta.get_fields():
                name = f"{app}.{model.__name__}.{field.name}"
                if (
                    isinstance(field, models.CharField | models.TextField)
                    and field.editable
                    and not field.choices  # not free text
                    and name not in GENERATED
                ):
                    yield pytest.param(field, id=name)


@pytest.mark.parametrize("field", list(text_fields()))
def test_every_text_field_has_a_limit_that_the_model_checks(field):
    assert field.max_length
    assert any(
        isinstance(validator, MaxLengthValidator) and validator.limit_value == field.max_length
        for validator in field.validators
    )
    assert field.formfield().widget.attrs.get("maxlength") == str(field.max_length)


@pytest.mark.parametrize(
    ("make", "field", "limit"),
    [
        (TrajectFactory, "omschrijving", TRAJECT_OMSCHRIJVING_MAX_LENGTH),
        (VerbeterafspraakFactory, "omschrijving", AFSPRAAK_OMSCHRIJVING_MAX_LENGTH),
        (RapportageFactory, "inleiding", INLEIDING_MAX_LENGTH),
        (RapportageFactory, "vervolg", VERVOLG_MAX_LENGTH),
    ],
)
def test_a_description_or_report_text_over_its_limit_is_refused(db, make, field, limit):
    instance = make()
    setattr(instance, field, "a" * limit)
    instance.full_clean()
    setattr(instance, field, "a" * (limit + 1))
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    assert excinfo.value.message_dict[field] == [
        f"Zorg dat deze waarde niet meer dan {limit} tekens bevat (het zijn er nu {limit + 1})."
    ]
