"""Two editors at once in the admin, and the audit history of every change."""

import pytest
from django.urls import reverse

from afspraken.models import Lidmaatschap, Verbeterafspraak
from portal.groups import ensure_redactiegroep
from tests.adminforms import post_data
from tests.factories import UserFactory
from trajecten.models import Traject


@pytest.fixture
def eva(db):
    """A second Zorginstituut editor."""
    user = UserFactory(username="eva", first_name="Eva", last_name="Editor", is_staff=True)
    user.groups.add(ensure_redactiegroep())
    return user


def change_url(obj):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


@pytest.mark.parametrize("model", ["afspraak", "traject"])
def test_second_of_two_editors_is_stopped_and_keeps_their_changes(
    client, staff, eva, afspraak, model
):
    obj = afspraak if model == "afspraak" else afspraak.traject
    client.force_login(staff)
    mine = post_data(client.get(change_url(obj)))
    client.force_login(eva)
    hers = post_data(client.get(change_url(obj)))

    hers["omschrijving"] = "Eva's omschrijving"
    response = client.post(change_url(obj), hers)
    assert response.status_code == 302, response.context["adminform"].form.errors

    client.force_login(staff)
    mine["omschrijving"] = "Mijn omschrijving"
    response = client.post(change_url(obj), mine)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Eva Editor heeft dit intussen gewijzigd" in text
    assert "Mijn omschrijving" in text  # still in the form
    obj.refresh_from_db()
    assert obj.omschrijving == "Eva's omschrijving"

    # Saving again, having been told, is a deliberate choice and goes through.
    again = post_data(response)
    response = client.post(change_url(obj), again)
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.omschrijving == "Mijn omschrijving"


def test_each_save_raises_the_version(afspraak):
    versie = afspraak.versie
    afspraak.titel = "Nieuwe titel"
    afspraak.save()
    afspraak.save(update_fields=["titel"])
    assert Verbeterafspraak.objects.get().versie == versie + 2


def test_admin_change_is_kept_in_the_history_with_who_and_what(client, staff, afspraak):
    client.force_login(staff)
    data = post_data(client.get(change_url(afspraak)))
    data["titel"] = "Voorkom onnodige verwijzing naar het ziekenhuis"
    assert client.post(change_url(afspraak), data).status_code == 302

    latest = afspraak.history.latest()
    assert latest.history_user == staff
    assert latest.history_type == "~"
    delta = latest.diff_against(latest.prev_record)
    assert "titel" in delta.changed_fields

    response = client.get(reverse("admin:afspraken_verbeterafspraak_history", args=[afspraak.pk]))
    assert response.status_code == 200
    assert "redactie" in response.content.decode()


def test_changes_to_trajectories_phases_parties_and_memberships_are_recorded(
    dvt, nhg, alice, staff
):
    assert dvt.history.count() == 1
    assert dvt.faseperiodes.first().history.count() == 1
    assert nhg.history.count() == 1
    lidmaatschap = Lidmaatschap.objects.get(user=alice)
    assert lidmaatschap.history.count() == 1
    pk = lidmaatschap.pk
    lidmaatschap.delete()
    assert Lidmaatschap.history.filter(id=pk, history_type="-").exists()
    dvt.naam = "DVT"
    dvt.save()
    assert Traject.history.filter(id=dvt.pk).count() == 2


def test_betrokken_partijen_changes_are_recorded(afspraak, zn):
    afspraak.betrokken_partijen.add(zn)
    latest = afspraak.history.latest()
    assert {p.partij_id for p in latest.betrokken_partijen.all()} >= {zn.pk}


def test_update_in_the_portal_records_its_author(client, alice, afspraak):
    client.force_login(alice)
    client.post(
        afspraak.get_absolute_url(),
        {
            "status": "op_schema",
            "peildatum": "2024-01-15",
            "tekst": "Gestart.",
            "partij": afspraak.regiehouder_id,
            "laatst_gezien": "",
        },
    )
    update = afspraak.voortgangsupdates.get()
    assert update.history.get().history_user == alice


def test_party_members_cannot_open_the_history(client, alice, afspraak):
    client.force_login(alice)
    response = client.get(reverse("admin:afspraken_verbeterafspraak_history", args=[afspraak.pk]))
    assert response.status_code == 302


def test_staff_find_a_deleted_membership_in_the_audit_trail(client, staff, alice):
    lidmaatschap = Lidmaatschap.objects.get(user=alice)
    client.force_login(staff)
    url = reverse("admin:afspraken_partij_change", args=[lidmaatschap.partij_id])
    data = post_data(client.get(url))
    data["lidmaatschappen-0-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert not Lidmaatschap.objects.exists()

    response = client.get(
        reverse("admin:afspraken_historicallidmaatschap_changelist"), {"soort": "-"}
    )
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [(r.history_user, r.user_id, r.history_type) for r in rows] == [(staff, alice.pk, "-")]
    assert "verwijderd" in response.content.decode()


def test_audit_trail_is_read_only(client, staff, afspraak):
    client.force_login(staff)
    record = afspraak.history.latest()
    url = reverse("admin:afspraken_historicalverbeterafspraak_change", args=[record.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 403


def test_a_change_without_a_version_is_refused(client, staff, afspraak):
    # Otherwise a script, or a form from before versions existed, would overwrite unchecked.
    client.force_login(staff)
    data = post_data(client.get(change_url(afspraak)))
    del data["versie"]
    data["titel"] = "Zonder versie"
    response = client.post(change_url(afspraak), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["versie"]
    afspraak.refresh_from_db()
    assert afspraak.titel == "Voorkom onnodige verwijzing"


def test_adding_a_trajectory_in_the_admin_starts_at_version_1(client, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:trajecten_traject_add"))
    data = post_data(response)
    data.update(naam="Nieuw traject", slug="nieuw-traject", domein="Huid")
    del data["versie"]
    assert client.post(reverse("admin:trajecten_traject_add"), data).status_code == 302
    assert Traject.objects.get(slug="nieuw-traject").versie == 1
