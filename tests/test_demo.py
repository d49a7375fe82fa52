import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from afspraken.models import Lidmaatschap, Partij, Status, Verbeterafspraak, Voortgangsupdate
from rapportages.models import Editie, Rapportage
from trajecten.demo import load_demo
from trajecten.models import Faseperiode, Thema, Traject

pytestmark = pytest.mark.django_db
MODELS = [
    Traject,
    Faseperiode,
    Thema,
    Partij,
    Lidmaatschap,
    Verbeterafspraak,
    Verbeterafspraak.betrokken_partijen.through,
    Voortgangsupdate,
    Rapportage,
    Editie,
    get_user_model(),
]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_loaddemo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("loaddemo")
    first = counts()
    call_command("loaddemo")
    assert counts() == first
    assert first["Traject"] == 9
    assert first["Partij"] == 27
    assert first["Verbeterafspraak"] == 29
    assert first["Editie"] == 3  # DVT 2022 and the implementation-wide 2022 and 2023


def test_demo_loads_real_looking_data():
    load_demo(publish=False)
    dvt = Traject.objects.get(slug="diepe-veneuze-trombose-en-longembolie")
    assert dvt.huidige_fase() == Faseperiode.Fase.IMPLEMENTATIE
    assert [t.naam for t in dvt.themas.all()] == [
        "Diagnostiek",
        "Initiële behandeling",
        "Zorg na de initiële behandeling",
    ]
    eerste = dvt.verbeterafspraken.get(nummer=1)
    assert eerste.titel == "Voorkom onnodige verwijzing"
    assert eerste.regiehouder.afkorting == "NHG"
    assert {p.afkorting for p in eerste.betrokken_partijen.all()} == {"NIV", "PFNL", "ZN"}
    vertraagd = dvt.verbeterafspraken.get(nummer=4)
    assert vertraagd.status_op() == Status.VERTRAAGD
    assert vertraagd.update_op().verwachte_datum is not None
    artrose = Traject.objects.get(slug="artrose-knie-en-heup")
    assert artrose.afsluiting == Traject.Afsluiting.OVERGEDRAGEN


def test_demo_creates_the_demo_accounts():
    load_demo(publish=False)
    User = get_user_model()
    redactie = User.objects.get(username="redactie")
    assert redactie.check_password("demo")
    assert redactie.is_staff and not redactie.is_superuser
    assert redactie.has_perm("afspraken.change_verbeterafspraak")
    nhg = User.objects.get(username="nhg")
    assert nhg.check_password("demo") and not nhg.is_staff
    assert [p.afkorting for p in Partij.objects.for_user(nhg)] == ["NHG"]
    for username in ["niv", "nvvh", "patientenfederatie", "zn", "nvalt", "kngf"]:
        assert User.objects.get(username=username).partijen.count() == 1


def test_loaddemo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="alleen als DEBUG aan staat"):
        call_command("loaddemo")
    assert Traject.objects.count() == 0
