import pytest
from django.db import IntegrityError, transaction

from tests.factories import EditieFactory, VoortgangsupdateFactory
from volgen.models import Volg, Volgbericht


def test_a_follow_is_of_a_trajectory_or_an_agreement_not_both_nor_neither(alice, afspraak, dvt):
    for fields in ({}, {"traject": dvt, "verbeterafspraak": afspraak}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Volg.objects.create(user=alice, **fields)
    Volg.objects.create(user=alice, traject=dvt)
    Volg.objects.create(user=alice, verbeterafspraak=afspraak)
    assert Volg.objects.count() == 2


@pytest.mark.parametrize("field", ["traject", "verbeterafspraak"])
def test_a_user_follows_a_thing_once(alice, bob, afspraak, dvt, field):
    target = {"traject": dvt, "verbeterafspraak": afspraak}[field]
    Volg.objects.create(user=alice, **{field: target})
    Volg.objects.create(user=bob, **{field: target})
    with pytest.raises(IntegrityError), transaction.atomic():
        Volg.objects.create(user=alice, **{field: target})


def test_the_constraints_speak_dutch_to_forms(alice, afspraak):
    from django.core.exceptions import ValidationError

    Volg.objects.create(user=alice, verbeterafspraak=afspraak)
    with pytest.raises(ValidationError, match="U volgt deze verbeterafspraak al."):
        Volg(user=alice, verbeterafspraak=afspraak).validate_constraints()


def test_one_mail_per_person_per_change(alice, afspraak, staff):
    update = VoortgangsupdateFactory(verbeterafspraak=afspraak)
    editie = EditieFactory(published_by=staff)
    Volgbericht.objects.create(user=alice, voortgangsupdate=update)
    Volgbericht.objects.create(user=alice, editie=editie)
    for fields in (
        {"voortgangsupdate": update},
        {"editie": editie},
        {},
        {"voortgangsupdate": update, "editie": EditieFactory(nummer=2, published_by=staff)},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Volgbericht.objects.create(user=alice, **fields)


def test_a_follow_says_what_it_follows(alice, afspraak, dvt):
    assert Volg(user=alice, traject=dvt).beschrijving == (
        "het traject Diepe veneuze trombose en longembolie"
    )
    volg = Volg(user=alice, verbeterafspraak=afspraak)
    assert volg.beschrijving == (
        "verbeterafspraak 1. Voorkom onnodige verwijzing (Diepe veneuze trombose en longembolie)"
    )
    assert volg.get_absolute_url() == f"/afspraken/{afspraak.pk}/"
