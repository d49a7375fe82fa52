import base64
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from markupsafe import escape

from afspraken.evaluatie import Oordeel, beoordeel_alle
from afspraken.models import Indicator, Meting, Partij, Status, Voortgangsupdate
from portal.demo import DEMO_TOTP_SECRETS, load_demo
from rapportages.models import Editie
from tests.factories import TrajectFactory
from trajecten.models import Faseperiode, Traject

pytestmark = pytest.mark.django_db


def counts():
    """Rows per table, every table of every installed app: audit records and m2m tables too."""
    tables = {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}
    return {table: model._base_manager.count() for table, model in sorted(tables.items())}


def test_loaddemo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("loaddemo")
    first = counts()
    versions = dict(Traject.objects.values_list("slug", "versie"))
    call_command("loaddemo")
    assert counts() == first
    assert dict(Traject.objects.values_list("slug", "versie")) == versions
    # No record without a change: a trajectory's records are its creation and its freezes.
    for traject in Traject.objects.all():
        records = list(traject.history.all())
        freezes = {record.bevroren_tot for record in records if record.bevroren_tot}
        assert len(records) == 1 + len(freezes), traject.slug
    assert first["trajecten_traject"] == 9
    assert first["afspraken_partij"] == 27
    assert first["afspraken_verbeterafspraak"] == 29
    # The Artrose end evaluation, DVT 2022 and 2023, and the implementation-wide 2022 and 2023.
    assert first["rapportages_editie"] == 5
    assert_artrose_is_told_completely()


def assert_artrose_is_told_completely():
    """The finished knee/hip trajectory in its end evaluation: published on its real date with
    its letter, every indicator with its whole series, every agreement's course."""
    editie = Editie.objects.get(rapportage__soort="eindevaluatie")
    assert editie.rapportage.traject.slug == "artrose-knie-en-heup"
    assert timezone.localdate(editie.published_at) == datetime.date(2021, 3, 16)
    html = editie.html
    assert "kenmerk 2021004321" in html
    assert html.count('<section class="indicator"') == 4
    for indicator in Indicator.objects.filter(traject=editie.rapportage.traject):
        assert escape(indicator.naam) in html
        for meting in indicator.metingen.all():
            assert f'<th scope="row">{meting.jaar}</th>' in html, (indicator.naam, meting.jaar)
    # Reported on the day the trajectory ended, so that the end evaluation has it.
    assert html.count("overgedragen</p>") == 1
    assert "De verwijscriteria zijn nog niet bekrachtigd" in html
    assert "1 doel bereikt, 2 niet op koers, 1 geen doel" in html


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
    vertraagd = dvt.verbeterafspraken.with_status_op().get(nummer=4)
    assert vertraagd.status_code == Status.VERTRAAGD
    update = Voortgangsupdate.objects.get(pk=vertraagd.status_update_id)
    assert update.verwachte_datum is not None
    # Progress goes through the service, which records who reported it.
    assert update.auteur.username == "redactie"  # NVDV leads, and has no demo member
    eerste_update = dvt.verbeterafspraken.get(nummer=1).voortgangsupdates.first()
    assert (eerste_update.auteur.username, eerste_update.partij.afkorting) == ("nhg", "NHG")
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


def test_the_demo_loader_adds_progress_under_the_same_rules():
    """loaddemo goes through rapporteer_voortgang: a frozen trajectory refuses its history,
    and the whole load is rolled back."""
    traject = TrajectFactory(
        naam="Diepe veneuze trombose en longembolie", slug="diepe-veneuze-trombose-en-longembolie"
    )
    traject.bevries_tot(datetime.date(2023, 1, 1))

    with pytest.raises(ValidationError, match="is vastgelegd tot en met 1 januari 2023"):
        load_demo(publish=False)

    assert Traject.objects.count() == 1
    assert not Voortgangsupdate.objects.exists()


def test_the_demo_staff_have_an_authenticator_app_with_a_known_secret(settings):
    settings.DEBUG = True
    output = io.StringIO()
    call_command("loaddemo", stdout=output)
    User = get_user_model()
    beheerder = User.objects.get(username="beheerder")
    assert beheerder.check_password("demo")
    assert beheerder.is_staff and not beheerder.is_superuser
    assert beheerder.has_perm("auth.change_user")
    assert not beheerder.has_perm("afspraken.change_verbeterafspraak")
    assert not User.objects.get(username="redactie").has_perm("auth.change_user")
    for username, secret in DEMO_TOTP_SECRETS.items():
        device = TOTPDevice.objects.get(user__username=username)
        assert device.confirmed
        assert base64.b32encode(device.bin_key).decode() == secret
        assert f"  {username}: {secret}" in output.getvalue()
        assert device.config_url in output.getvalue()
        assert f"secret={secret}" in device.config_url


def test_totp_code_prints_a_code_that_the_app_would_show(settings):
    settings.DEBUG = True
    load_demo(publish=False)
    device = TOTPDevice.objects.get(user__username="redactie")
    output = io.StringIO()
    call_command("totp_code", "redactie", stdout=output, stderr=io.StringIO())
    code = output.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert device.verify_token(code)
    # The code of this period is used up now; the command gives the next, which is accepted.
    output = io.StringIO()
    call_command("totp_code", "redactie", stdout=output, stderr=io.StringIO())
    assert output.getvalue().strip() != code
    assert device.verify_token(output.getvalue().strip())


def test_totp_code_refuses_when_debug_is_off(settings):
    load_demo(publish=False)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="alleen als DEBUG aan staat"):
        call_command("totp_code", "redactie")


def test_demo_indicators_carry_their_figures_and_verdicts():
    load_demo(publish=False)
    assert Indicator.objects.count() == 10
    artrose = Traject.objects.get(slug="artrose-knie-en-heup")
    verdicts = {
        beoordeling.indicator.naam: (beoordeling.laatste, beoordeling.oordeel)
        for beoordeling in beoordeel_alle(artrose.indicatoren.all(), datetime.date(2021, 11, 1))
    }
    # Lower is better: 6.1 in 2014, target 4.0 in 2019, 4.2 in 2020.
    assert verdicts["MRI's van de knie aangevraagd door de huisarts bij 50-plussers"] == (
        (2020, Decimal("4.2")),
        Oordeel.NIET_OP_KOERS,
    )
    assert verdicts["Geplaatste knieprothesen"][1] == Oordeel.GEEN_DOEL
    mri = Meting.objects.filter(indicator__naam__startswith="MRI's van de knie", jaar=2020).get()
    assert mri.toelichting.startswith("Het jaar 2020 is door de coronapandemie")
    assert (mri.partij.afkorting, mri.auteur.username) == ("NHG", "nhg")


def test_the_demo_has_an_open_round_and_a_closed_one():
    from uitvragen.models import Uitvraag, Werkitem

    load_demo(publish=False)
    jaar = timezone.localdate().year
    huidig = Uitvraag.objects.get(jaar=jaar)
    assert huidig.is_open
    statuses = list(huidig.werkitems.values_list("status", flat=True))
    assert statuses.count(Werkitem.Status.GEACCEPTEERD) == 2
    assert statuses.count(Werkitem.Status.TERUGGESTUURD) == 1
    assert statuses.count(Werkitem.Status.INGEDIEND) == 1
    assert statuses.count(Werkitem.Status.OPEN) > 10
    vorig = Uitvraag.objects.get(jaar=jaar - 1)
    assert not vorig.is_open
    assert vorig.werkitems.filter(status=Werkitem.Status.GEACCEPTEERD).count() > 5
    # Last year's parties reviewed the concept text; this year's window is not open yet.
    assert huidig.wederhoor_tot is None
    assert sorted(vorig.reacties.values_list("partij__afkorting", "soort")) == [
        ("NHG", "akkoord"),
        ("NIV", "opmerking"),
    ]
