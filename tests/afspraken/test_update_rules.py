"""The rules of a progress update hold for every way one is added: the party page, the admin
and the service that both of them (and the demo loader) call.

Each rule is tried through each entry point: a refusal shows its Dutch message and stores
nothing; a report of another trajectory does not refuse anything.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from afspraken.models import (
    TEKST_MAX_LENGTH,
    TOELICHTING_MAX_LENGTH,
    Status,
    Verbeterafspraak,
    Voortgangsupdate,
)
from afspraken.services import rapporteer_voortgang
from rapportages.services import publiceer_rapportage
from tests.adminforms import post_data
from tests.factories import (
    FaseperiodeFactory,
    RapportageFactory,
    ThemaFactory,
    TrajectFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)
from trajecten.models import Faseperiode

D = datetime.date
ENTRY_POINTS = ["page", "admin", "service"]


def add_via_page(client, user, afspraak, **fields) -> str:
    """Post the party page's form; return the errors shown, '' when the update was added."""
    client.force_login(user)
    latest = afspraak.voortgangsupdates.order_by("-pk").first()
    data = {
        "status": Status.OP_SCHEMA,
        "tekst": "Stand van zaken.",
        "toelichting": "",
        "verwachte_datum": "",
        "partij": afspraak.regiehouder_id,
        "laatst_gezien": latest.pk if latest else "",
        **fields,
    }
    response = client.post(reverse("afspraken:detail", args=[afspraak.pk]), data)
    if response.status_code == 302:
        return ""
    assert response.status_code == 200
    return " ".join(str(e) for e in response.context["form"].errors.values())


def add_via_admin(client, staff, afspraak, **fields) -> str:
    """Add a row to the agreement's timeline inline in the admin, as staff would."""
    client.force_login(staff)
    url = reverse("admin:afspraken_verbeterafspraak_change", args=[afspraak.pk])
    data = post_data(client.get(url))
    total = int(data["voortgangsupdates-TOTAL_FORMS"])
    row = {
        "status": Status.OP_SCHEMA,
        "tekst": "Stand van zaken.",
        "toelichting": "",
        "verwachte_datum": "",
        "partij": "",
        **fields,
    }
    for name, value in row.items():
        data[f"voortgangsupdates-{total}-{name}"] = str(value)
    data["voortgangsupdates-TOTAL_FORMS"] = str(total + 1)
    response = client.post(url, data)
    if response.status_code == 302:
        return ""
    assert response.status_code == 200
    errors = [str(response.context["adminform"].form.errors)]
    for inline in response.context["inline_admin_formsets"]:
        errors.extend(str(form.errors) for form in inline.formset.forms)
        errors.append(str(inline.formset.non_form_errors()))
    return " ".join(errors)


def add_via_service(client, staff, afspraak, **fields) -> str:
    latest = afspraak.voortgangsupdates.order_by("-pk").first()
    values = {"status": Status.OP_SCHEMA, "tekst": "Stand van zaken.", **fields}
    values["peildatum"] = datetime.date.fromisoformat(values["peildatum"])
    try:
        rapporteer_voortgang(
            afspraak=afspraak, user=staff, last_seen=latest.pk if latest else None, **values
        )
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


@pytest.fixture(params=ENTRY_POINTS)
def add_update(request, client, alice, staff):
    """add_update(afspraak, peildatum=..., ...) -> the errors shown, '' when added."""
    if request.param == "page":
        return lambda afspraak, **fields: add_via_page(client, alice, afspraak, **fields)
    if request.param == "admin":
        return lambda afspraak, **fields: add_via_admin(client, staff, afspraak, **fields)
    return lambda afspraak, **fields: add_via_service(client, staff, afspraak, **fields)


def test_an_update_is_added(add_update, afspraak):
    assert add_update(afspraak, peildatum="2022-10-01") == ""
    assert afspraak.voortgangsupdates.get().peildatum == D(2022, 10, 1)


def test_a_peildatum_in_the_future_is_refused(add_update, afspraak):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    errors = add_update(afspraak, peildatum=tomorrow.isoformat())
    assert "De peildatum kan niet in de toekomst liggen." in errors
    assert not afspraak.voortgangsupdates.exists()


def test_a_peildatum_before_the_newest_update_is_refused(add_update, afspraak):
    VoortgangsupdateFactory(verbeterafspraak=afspraak, peildatum=D(2023, 10, 1))
    errors = add_update(afspraak, peildatum="2023-09-30")
    assert "De peildatum ligt vóór de laatste melding (1 oktober 2023)." in errors
    assert afspraak.voortgangsupdates.count() == 1
    # The same day is fine: a correction of that day's report.
    assert add_update(afspraak, peildatum="2023-10-01") == ""


def test_a_peildatum_inside_the_frozen_period_is_refused(add_update, afspraak, staff):
    rapportage = RapportageFactory(traject=afspraak.traject, jaar=2022, peildatum=D(2022, 11, 1))
    publiceer_rapportage(rapportage=rapportage, user=staff)
    afspraak.traject.refresh_from_db()
    assert afspraak.traject.bevroren_tot == D(2022, 11, 1)

    errors = add_update(afspraak, peildatum="2022-11-01")
    assert "is vastgelegd tot en met 1 november 2022" in errors
    assert not afspraak.voortgangsupdates.exists()
    assert add_update(afspraak, peildatum="2022-11-02") == ""


def test_a_text_over_the_limit_is_refused(add_update, afspraak):
    errors = add_update(afspraak, peildatum="2022-10-01", tekst="a" * (TEKST_MAX_LENGTH + 1))
    assert "Zorg dat deze waarde niet meer dan 20000 tekens bevat (het zijn er nu 20001)." in errors
    errors = add_update(
        afspraak,
        peildatum="2022-10-01",
        status=Status.VERTRAAGD,
        toelichting="b" * (TOELICHTING_MAX_LENGTH + 1),
        verwachte_datum="2023-12-31",
    )
    assert "Zorg dat deze waarde niet meer dan 5000 tekens bevat (het zijn er nu 5001)." in errors
    assert not afspraak.voortgangsupdates.exists()
    assert add_update(afspraak, peildatum="2022-10-01", tekst="a" * TEKST_MAX_LENGTH) == ""


def test_an_expected_date_more_than_25_years_on_is_refused(add_update, afspraak):
    delay = {"status": Status.VERTRAAGD, "toelichting": "Geen geld.", "peildatum": "2022-10-01"}
    for far in ("9999-12-31", "2047-10-02"):
        errors = add_update(afspraak, verwachte_datum=far, **delay)
        assert "De nieuwe verwachte datum kan hoogstens 25 jaar na de peildatum liggen." in errors
    assert not afspraak.voortgangsupdates.exists()
    assert add_update(afspraak, verwachte_datum="2047-10-01", **delay) == ""


@pytest.fixture
def finished(db, nhg):
    """A trajectory that ended in 2021, with an agreement of NHG and no report of its own."""
    traject = TrajectFactory(naam="Artrose", slug="artrose")
    FaseperiodeFactory(
        traject=traject,
        fase=Faseperiode.Fase.IMPLEMENTATIE,
        startdatum=D(2016, 1, 1),
        einddatum=D(2021, 12, 31),
    )
    thema = ThemaFactory(traject=traject, naam="Behandeling")
    return VerbeterafspraakFactory(traject=traject, thema=thema, nummer=1, regiehouder=nhg)


def test_a_report_of_another_trajectory_does_not_freeze_this_one(
    add_update, afspraak, finished, staff
):
    """The 2023 implementation-wide report covers DVT, not a trajectory that ended in 2021."""
    implementatie = RapportageFactory(
        soort="implementatie", traject=None, jaar=2023, peildatum=D(2023, 11, 1)
    )
    publiceer_rapportage(rapportage=implementatie, user=staff)
    afspraak.traject.refresh_from_db()
    finished.traject.refresh_from_db()
    assert afspraak.traject.bevroren_tot == D(2023, 11, 1)
    assert finished.traject.bevroren_tot is None

    for year in (2017, 2018, 2021):
        assert add_update(finished, peildatum=f"{year}-10-01") == ""
    assert [u.peildatum.year for u in finished.voortgangsupdates.all()] == [2021, 2018, 2017]


def test_publishing_moves_the_freeze_forward_only(afspraak, staff):
    traject = afspraak.traject
    traject.bevries_tot(D(2023, 11, 1))
    traject.bevries_tot(D(2022, 11, 1))
    traject.refresh_from_db()
    assert traject.bevroren_tot == D(2023, 11, 1)
    assert traject.history.first().bevroren_tot == D(2023, 11, 1)  # in the audit trail


# Never edited, never deleted, by anyone.


def test_a_stored_update_cannot_be_saved_again_or_deleted(update):
    update.tekst = "Anders."
    with pytest.raises(PermissionDenied):
        update.save()
    with pytest.raises(PermissionDenied):
        update.delete()
    with pytest.raises(PermissionDenied):
        Voortgangsupdate.objects.filter(pk=update.pk).update(tekst="Anders.")
    with pytest.raises(PermissionDenied):
        Voortgangsupdate.objects.filter(pk=update.pk).delete()
    assert Voortgangsupdate.objects.get(pk=update.pk).tekst == "De werkgroep is gestart."


def test_an_agreement_with_progress_cannot_be_deleted(update):
    with pytest.raises(ProtectedError):
        update.verbeterafspraak.delete()
    assert Voortgangsupdate.objects.filter(pk=update.pk).exists()


def test_the_admin_offers_no_way_to_change_or_delete_an_update(client, staff, update):
    client.force_login(staff)
    change_url = reverse("admin:afspraken_voortgangsupdate_change", args=[update.pk])
    delete_url = reverse("admin:afspraken_voortgangsupdate_delete", args=[update.pk])
    changelist = reverse("admin:afspraken_voortgangsupdate_changelist")

    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    response = client.get(changelist)
    assert "delete_selected" not in response.text
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [update.pk], "post": "yes"}
    )
    assert Voortgangsupdate.objects.filter(pk=update.pk).exists()
    # Shown, not editable: the change page has no form field for the text.
    response = client.get(change_url)
    assert response.status_code == 200
    assert 'name="tekst"' not in response.text

    # On the agreement's page the stored row is read-only and has no delete box.
    url = reverse("admin:afspraken_verbeterafspraak_change", args=[update.verbeterafspraak_id])
    response = client.get(url)
    assert 'name="voortgangsupdates-0-tekst"' not in response.text
    assert 'name="voortgangsupdates-0-DELETE"' not in response.text
    data = post_data(response)
    data["voortgangsupdates-0-DELETE"] = "on"
    data["voortgangsupdates-0-tekst"] = "Overschreven."
    assert client.post(url, data).status_code == 302
    update.refresh_from_db()
    assert update.tekst == "De werkgroep is gestart."


def test_the_editors_group_holds_no_right_to_change_or_delete_updates_or_editions(staff):
    for codename in [
        "afspraken.change_voortgangsupdate",
        "afspraken.delete_voortgangsupdate",
        "rapportages.change_editie",
        "rapportages.delete_editie",
    ]:
        assert not staff.has_perm(codename), codename
    assert staff.has_perm("afspraken.add_voortgangsupdate")


def test_the_admin_records_the_editor_as_author(client, staff, afspraak):
    assert add_via_admin(client, staff, afspraak, peildatum="2022-10-01") == ""
    update = afspraak.voortgangsupdates.get()
    assert update.auteur == staff
    assert update.partij is None  # reported as Zorginstituut


# The admin's list of parties for an update offers each party of the agreement once.


def test_the_admin_offers_each_party_of_the_agreement_once(client, staff, afspraak, nhg, niv):
    afspraak.betrokken_partijen.add(nhg)  # regiehouder and also ticked as betrokken
    for nummer in range(2, 6):  # NHG leads other agreements too
        VerbeterafspraakFactory(
            traject=afspraak.traject, thema=afspraak.thema, nummer=nummer, regiehouder=nhg
        )
    client.force_login(staff)
    url = reverse("admin:afspraken_verbeterafspraak_change", args=[afspraak.pk])
    response = client.get(url)
    formset = response.context["inline_admin_formsets"][0].formset
    choices = [label for _, label in formset.empty_form.fields["partij"].choices]
    assert choices == ["Zorginstituut Nederland (geen partij)", "NHG", "NIV"]
    assert 'id="add_id_voortgangsupdates-__prefix__-partij"' not in response.text

    afspraak.betrokken_partijen.remove(nhg)  # the agreement form refuses that double role
    assert add_via_admin(client, staff, afspraak, peildatum="2022-10-01", partij=nhg.pk) == ""
    assert afspraak.voortgangsupdates.get().partij == nhg


def test_the_admin_refuses_a_party_of_another_agreement(client, staff, afspraak, zn):
    errors = add_via_admin(client, staff, afspraak, peildatum="2022-10-01", partij=zn.pk)
    assert "Selecteer een geldige keuze" in errors
    assert not Verbeterafspraak.objects.get(pk=afspraak.pk).voortgangsupdates.exists()
