"""The account administrators are staff, but keep no content: they see agreements and reports as
anyone outside the parties would, and report on none."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from afspraken.models import Status, Verbeterafspraak, is_redacteur
from afspraken.services import rapporteer_voortgang
from rapportages.models import Rapportage
from tests.factories import RapportageFactory


def test_only_editors_keep_the_agreements(staff, beheerder, alice, superuser):
    assert is_redacteur(staff)
    assert is_redacteur(superuser)
    assert not is_redacteur(beheerder)
    assert not is_redacteur(alice)


def test_an_account_administrator_sees_no_agreement(client, beheerder, afspraak):
    assert not Verbeterafspraak.objects.for_user(beheerder).exists()
    client.force_login(beheerder)
    response = client.get(reverse("afspraken:list"))
    assert response.status_code == 200
    assert "Voorkom onnodige verwijzing" not in response.text
    assert "Alle verbeterafspraken" not in response.text
    assert client.get(reverse("afspraken:detail", args=[afspraak.pk])).status_code == 404


def test_an_account_administrator_reports_on_no_agreement(client, beheerder, afspraak):
    client.force_login(beheerder)
    response = client.post(
        reverse("afspraken:detail", args=[afspraak.pk]),
        {"status": Status.OP_SCHEMA, "peildatum": "2022-10-01", "tekst": "Namens niemand."},
    )
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        rapporteer_voortgang(
            afspraak=afspraak,
            user=beheerder,
            status=Status.OP_SCHEMA,
            peildatum=datetime.date(2022, 10, 1),
            tekst="Namens niemand.",
            last_seen=None,
        )
    assert not afspraak.voortgangsupdates.exists()


def test_an_account_administrator_sees_no_concept_report(client, beheerder, staff, dvt):
    concept = RapportageFactory(traject=dvt, jaar=2024)
    assert not Rapportage.objects.for_user(beheerder).filter(pk=concept.pk).exists()
    client.force_login(beheerder)
    assert client.get(reverse("rapportages:concept", args=[concept.pk])).status_code == 404
    assert "Concept bekijken" not in client.get(reverse("rapportages:list")).text
    client.force_login(staff)
    assert client.get(reverse("rapportages:concept", args=[concept.pk])).status_code == 200
