import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from afspraken.models import Status, Voortgangsupdate
from uitvragen import services
from uitvragen.models import Uitvraag, Werkitem

from .conftest import DEADLINE, PEILDATUM

WERKLIJST = reverse("uitvragen:werklijst")
TODAY = datetime.date.today()


def item(uitvraag, partij, soort=Werkitem.Soort.VOORTGANG):
    return Werkitem.objects.get(uitvraag=uitvraag, partij=partij, soort=soort)


def update_data(partij, **overrides):
    return {
        "partij": partij.pk,
        "status": Status.OP_SCHEMA,
        "peildatum": TODAY.isoformat(),
        "tekst": "De werkgroep is gestart.",
        "toelichting": "",
        "verwachte_datum": "",
        "laatst_gezien": "",
        **overrides,
    }


def staff_urls(uitvraag):
    return [
        reverse("uitvragen:list"),
        reverse("uitvragen:create"),
        uitvraag.get_absolute_url(),
        reverse("uitvragen:voortgang", kwargs={"pk": uitvraag.pk}),
        reverse("uitvragen:export", kwargs={"pk": uitvraag.pk}),
    ]


def test_anonymous_is_sent_to_login(client, uitvraag, nhg):
    for url in [WERKLIJST, item(uitvraag, nhg).get_absolute_url(), *staff_urls(uitvraag)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_a_member_sees_only_their_own_partys_items(client, uitvraag, alice, charlie, nhg):
    url = item(uitvraag, nhg).get_absolute_url()
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    assert client.post(url, update_data(nhg)).status_code == 404
    client.force_login(alice)
    assert client.get(url).status_code == 200


def test_members_may_not_use_the_staff_pages(client, uitvraag, alice, nhg, beheerder):
    werkitem = item(uitvraag, nhg)
    for user in [alice, beheerder]:
        client.force_login(user)
        for url in staff_urls(uitvraag):
            assert client.get(url).status_code == 403, url
        for name in ["accepteren", "terugsturen"]:
            url = reverse(f"uitvragen:{name}", kwargs={"pk": werkitem.pk})
            assert client.post(url, {"opmerking": "x"}).status_code == 403
        for name in ["herinneren", "sluiten"]:
            url = reverse(f"uitvragen:{name}", kwargs={"pk": uitvraag.pk})
            assert client.post(url).status_code == 403
    assert Uitvraag.objects.get().is_open


def test_staff_see_every_page(client, uitvraag, staff, nhg):
    client.force_login(staff)
    for url in [*staff_urls(uitvraag), item(uitvraag, nhg).get_absolute_url()]:
        assert client.get(url).status_code == 200, url
    assert client.get(WERKLIJST).url == reverse("uitvragen:list")


def test_login_leads_a_member_with_an_open_round_to_the_worklist(client, uitvraag, alice):
    client.force_login(alice)
    assert client.get(reverse("start")).url == WERKLIJST


def test_login_leads_elsewhere_without_an_open_round(client, uitvraag, staff, alice):
    services.sluit_uitvraag(uitvraag=uitvraag, user=staff)
    client.force_login(alice)
    assert client.get(reverse("start")).url == reverse("afspraken:list")
    client.force_login(staff)
    assert client.get(reverse("start")).url == reverse("afspraken:list")


def test_the_worklist_without_a_round(client, alice):
    client.force_login(alice)
    response = client.get(WERKLIJST)
    assert "Er loopt nu geen uitvraag voor uw organisatie." in response.text


def test_staff_open_a_round_on_its_page(client, staff, afspraak, alice, mailoutbox):
    client.force_login(staff)
    response = client.post(
        reverse("uitvragen:create"),
        {
            "jaar": 2025,
            "peildatum": PEILDATUM.isoformat(),
            "deadline": DEADLINE.isoformat(),
            "bericht": "Graag.",
        },
    )
    uitvraag = Uitvraag.objects.get()
    assert response.url == uitvraag.get_absolute_url()
    assert uitvraag.werkitems.count() == 1  # the default trajectories: dvt
    assert [m.to for m in mailoutbox] == [["alice@example.org"]]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"jaar": "abc"}, "Voer een geheel getal in."),
        ({"deadline": "2025-09-01"}, "De deadline moet na de peildatum liggen."),
        ({"bericht": "x" * 2_001}, "niet meer dan 2000 tekens"),
        ({"peildatum": "2017-01-01"}, "geen traject in de implementatiefase"),
    ],
)
def test_a_bad_round_is_refused_in_dutch(client, staff, afspraak, data, error):
    client.force_login(staff)
    form = {"jaar": 2025, "peildatum": "2025-10-01", "deadline": "2025-11-15", **data}
    response = client.post(reverse("uitvragen:create"), form)
    assert response.status_code == 200
    assert error in response.text
    assert not Uitvraag.objects.exists()


def test_a_member_answers_staff_send_back_and_the_member_answers_again(
    client, uitvraag, alice, staff, nhg
):
    werkitem = item(uitvraag, nhg)
    client.force_login(alice)
    response = client.post(werkitem.get_absolute_url(), update_data(nhg))
    assert response.url == WERKLIJST
    first = Voortgangsupdate.objects.get()

    client.force_login(staff)
    response = client.post(
        reverse("uitvragen:terugsturen", kwargs={"pk": werkitem.pk}),
        {"opmerking": "Welke regio's doen mee?"},
    )
    assert response.url == f"{uitvraag.get_absolute_url()}?status=ingediend"

    client.force_login(alice)
    worklist = client.get(WERKLIJST).text
    assert "Welke regio&#x27;s doen mee?" in worklist
    page = client.get(werkitem.get_absolute_url()).text
    assert "Opnieuw beantwoorden" in page
    response = client.post(
        werkitem.get_absolute_url(),
        update_data(nhg, tekst="Drie regio's.", laatst_gezien=first.pk),
    )
    assert response.status_code == 302

    client.force_login(staff)
    client.post(reverse("uitvragen:accepteren", kwargs={"pk": werkitem.pk}))
    werkitem.refresh_from_db()
    assert werkitem.status == Werkitem.Status.GEACCEPTEERD
    history = client.get(werkitem.get_absolute_url()).text
    for text in ["Beantwoord", "Teruggestuurd", "Welke regio", "Geaccepteerd", "Drie regio"]:
        assert text in history


def test_an_answer_refused_by_the_rules_shows_the_error(client, uitvraag, alice, nhg):
    client.force_login(alice)
    response = client.post(
        item(uitvraag, nhg).get_absolute_url(), update_data(nhg, peildatum="2099-01-01")
    )
    assert response.status_code == 200
    assert "De peildatum kan niet in de toekomst liggen." in response.text
    assert not Voortgangsupdate.objects.exists()


def test_an_answered_item_has_no_form_and_refuses_a_post(client, uitvraag, alice, bob, nhg):
    werkitem = item(uitvraag, nhg)
    client.force_login(alice)
    client.post(werkitem.get_absolute_url(), update_data(nhg))
    client.force_login(bob)
    assert "Antwoord versturen" not in client.get(werkitem.get_absolute_url()).text
    assert client.post(werkitem.get_absolute_url(), update_data(nhg)).status_code == 403
    assert Voortgangsupdate.objects.count() == 1


def test_a_member_answers_a_figure(client, uitvraag, alice, nhg):
    werkitem = item(uitvraag, nhg, Werkitem.Soort.METING)
    client.force_login(alice)
    response = client.post(
        werkitem.get_absolute_url(),
        {"antwoord-waarde": "33,5", "antwoord-peildatum": TODAY.isoformat()},
    )
    assert response.status_code == 302
    werkitem.refresh_from_db()
    assert (werkitem.meting.jaar, str(werkitem.meting.waarde)) == (2024, "33.5000")


def test_sending_back_with_too_long_a_comment_is_refused(client, uitvraag, alice, staff, nhg):
    werkitem = item(uitvraag, nhg)
    client.force_login(alice)
    client.post(werkitem.get_absolute_url(), update_data(nhg))
    client.force_login(staff)
    url = reverse("uitvragen:terugsturen", kwargs={"pk": werkitem.pk})
    response = client.post(url, {"opmerking": "x" * 2_001})
    assert response.status_code == 200
    assert "niet meer dan 2000 tekens" in response.text
    assert 'maxlength="2000"' in response.text
    werkitem.refresh_from_db()
    assert werkitem.status == Werkitem.Status.INGEDIEND


def test_staff_send_a_reminder_by_hand_once_a_day(client, uitvraag, staff, mailoutbox):
    client.force_login(staff)
    url = reverse("uitvragen:herinneren", kwargs={"pk": uitvraag.pk})
    client.post(url)
    client.post(url)
    assert len(mailoutbox) == 3  # alice, bob, charlie; once each


def test_the_progress_page_and_its_spreadsheet(client, uitvraag, alice, staff, nhg):
    client.force_login(alice)
    client.post(item(uitvraag, nhg).get_absolute_url(), update_data(nhg))
    client.force_login(staff)
    response = client.get(reverse("uitvragen:voortgang", kwargs={"pk": uitvraag.pk}))
    per_partij = response.context["tabellen"][0][2]
    assert [(r.naam, r.totaal, r.beantwoord, r.open) for r in per_partij] == [
        ("NHG", 2, 1, 1),
        ("ZN", 1, 0, 1),
    ]
    assert 'alt="Staafdiagram van de werkitems per partij. NHG: 0 geaccepteerd, 1 wacht' in (
        response.text
    )
    response = client.get(reverse("uitvragen:export", kwargs={"pk": uitvraag.pk}))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(workbook["Per partij"].iter_rows(values_only=True))
    assert rows[0][:3] == ("partij", "totaal", "beantwoord")
    assert rows[1][:3] == ("NHG", 2, 1)
    assert rows[-1][:3] == ("Totaal", 3, 1)
    assert list(workbook["Per traject"].iter_rows(values_only=True))[1][:2] == (
        "Diepe veneuze trombose en longembolie",
        3,
    )


@pytest.mark.parametrize(
    "url",
    [
        "/uitvragen/werkitem/99999999999999999999/",
        "/uitvragen/?pagina=abc",
        "/uitvragen/1/?traject=abc&partij=%00&status=nee",
    ],
)
def test_bad_input_is_no_server_error(client, uitvraag, staff, url):
    client.force_login(staff)
    assert client.get(url).status_code in {200, 400, 404}


def test_the_round_page_lists_and_filters_the_items(client, uitvraag, staff, nhg, zn):
    client.force_login(staff)
    response = client.get(uitvraag.get_absolute_url())
    assert response.context["page"].paginator.count == 3
    response = client.get(uitvraag.get_absolute_url(), {"partij": zn.pk, "status": "open"})
    assert [i.partij for i in response.context["page"]] == [zn]
    response = client.get(uitvraag.get_absolute_url(), {"status": "geaccepteerd"})
    assert "Geen werkitems met deze filters." in response.text
