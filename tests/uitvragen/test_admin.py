import pytest
from django.urls import reverse

from uitvragen import services
from uitvragen.models import Uitvraag


def test_staff_see_a_round_and_its_items_in_the_admin(client, uitvraag, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:uitvragen_uitvraag_changelist"))
    assert response.status_code == 200
    response = client.get(reverse("admin:uitvragen_uitvraag_change", args=[uitvraag.pk]))
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.queryset.count() == 3


def test_opening_a_round_in_the_admin_goes_to_its_page(client, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:uitvragen_uitvraag_add"))
    assert response.url == reverse("uitvragen:create")


def test_the_admin_changes_the_deadline_under_the_same_rules(client, uitvraag, staff):
    client.force_login(staff)
    url = reverse("admin:uitvragen_uitvraag_change", args=[uitvraag.pk])
    data = {
        "deadline": "2025-09-01",
        "bericht": "Nieuw bericht",
        "werkitems-TOTAL_FORMS": "0",
        "werkitems-INITIAL_FORMS": "3",
        "werkitems-MIN_NUM_FORMS": "0",
        "werkitems-MAX_NUM_FORMS": "1000",
        "reacties-TOTAL_FORMS": "0",
        "reacties-INITIAL_FORMS": "0",
        "reacties-MIN_NUM_FORMS": "0",
        "reacties-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "De deadline moet na de peildatum liggen." in response.text
    response = client.post(url, {**data, "deadline": "2025-12-01"})
    assert response.status_code == 302
    assert str(Uitvraag.objects.get().deadline) == "2025-12-01"


@pytest.mark.parametrize("name", ["uitvraag", "herinnering", "reactie"])
def test_nothing_is_deleted_in_the_admin(client, uitvraag, staff, name):
    client.force_login(staff)
    response = client.get(reverse(f"admin:uitvragen_{name}_changelist"))
    assert response.status_code == 200
    assert "delete_selected" not in response.text


def test_a_closed_round_is_only_shown_in_the_admin(client, uitvraag, staff):
    services.sluit_uitvraag(uitvraag=uitvraag, user=staff)
    client.force_login(staff)
    url = reverse("admin:uitvragen_uitvraag_change", args=[uitvraag.pk])

    response = client.get(url)
    assert response.status_code == 200
    assert 'name="deadline"' not in response.text
    assert 'name="_save"' not in response.text
    response = client.post(url, {"deadline": "2025-12-01", "bericht": "Toch nog"})
    assert response.status_code == 403
    uitvraag.refresh_from_db()
    assert (str(uitvraag.deadline), uitvraag.bericht) == ("2025-11-15", "Graag uw stand van zaken.")


def test_reactions_are_read_only_in_the_admin(client, uitvraag, staff, alice, afspraak, nhg):
    import datetime

    from django.utils import timezone

    from uitvragen.models import Reactie
    from uitvragen.wederhoor import open_wederhoor, reageer

    open_wederhoor(
        uitvraag=uitvraag, tot=timezone.localdate() + datetime.timedelta(days=7), user=staff
    )
    reactie = reageer(
        uitvraag=uitvraag,
        verbeterafspraak=afspraak,
        partij=nhg,
        user=alice,
        soort=Reactie.Soort.OPMERKING,
        opmerking="Noem de regio's.",
    )
    client.force_login(staff)
    response = client.get(reverse("admin:uitvragen_uitvraag_change", args=[uitvraag.pk]))
    assert "Noem de regio&#x27;s." in response.text
    response = client.get(reverse("admin:uitvragen_reactie_change", args=[reactie.pk]))
    assert response.status_code == 200
    assert 'name="opmerking"' not in response.text
    assert client.get(reverse("admin:uitvragen_reactie_add")).status_code == 403
    response = client.post(reverse("admin:uitvragen_reactie_delete", args=[reactie.pk]))
    assert response.status_code == 403
    assert Reactie.objects.count() == 1
