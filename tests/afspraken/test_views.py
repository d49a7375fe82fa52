import datetime
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from markdown_it import MarkdownIt

from afspraken.filters import MAX_SEARCH_LENGTH, MAX_SEARCH_WORDS
from afspraken.management.commands.markdown_benchmark import nasty_texts
from afspraken.models import (
    TEKST_MAX_LENGTH,
    TOELICHTING_MAX_LENGTH,
    Status,
    Verbeterafspraak,
    Voortgangsupdate,
)
from rapportages.services import publiceer_rapportage
from tests.bounds import SAFETY_BOUND_SECONDS
from tests.factories import (
    PartijFactory,
    RapportageFactory,
    ThemaFactory,
    TrajectFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)

LIST_URL = reverse("afspraken:list")


def detail_url(afspraak):
    return reverse("afspraken:detail", kwargs={"pk": afspraak.pk})


def update_data(afspraak, **overrides):
    """A valid POST for a new update, as the form sends it after showing `afspraak`."""
    latest = afspraak.voortgangsupdates.order_by("-pk").first()
    data = {
        "status": Status.OP_SCHEMA,
        "peildatum": timezone.localdate().isoformat(),
        "tekst": "De nascholing is gestart.",
        "toelichting": "",
        "verwachte_datum": "",
        "partij": afspraak.regiehouder_id,
        "laatst_gezien": latest.pk if latest else "",
    }
    data.update(overrides)
    return data


# The list: anonymous, outsider, member, staff.


def test_list_shows_anonymous_only_what_was_published(client, afspraak):
    """A visitor gets the public list (tests/rapportages/test_openbaar.py); nothing is
    published here, so it is empty."""
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert afspraak.titel not in response.text
    assert "Er is nog geen rapportage gepubliceerd die afspraken beschrijft." in response.text


def test_list_shows_a_member_the_agreements_of_their_party(client, alice, afspraak):
    other = VerbeterafspraakFactory(titel="Afspraak van een ander")
    client.force_login(alice)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert list(response.context["page"]) == [afspraak]
    assert afspraak.titel in response.text
    assert other.titel not in response.text
    assert "Uw rol: regiehouder" in response.text


def test_list_shows_an_involved_party_its_role(client, dana, afspraak):
    client.force_login(dana)
    response = client.get(LIST_URL)
    assert list(response.context["page"]) == [afspraak]
    assert "Uw rol: betrokken" in response.text


def test_list_shows_an_outsider_an_empty_state(client, charlie, afspraak):
    client.force_login(charlie)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert afspraak.titel not in response.text
    assert "Uw organisatie heeft (nog) geen verbeterafspraken" in response.text


def test_list_shows_staff_every_agreement(client, staff, afspraak):
    other = VerbeterafspraakFactory()
    client.force_login(staff)
    response = client.get(LIST_URL)
    assert set(response.context["page"]) == {afspraak, other}
    assert "Alle verbeterafspraken" in response.text


# Filters.


@pytest.fixture
def several(afspraak, nhg, niv, zn, dvt, diagnostiek):
    """Besides `afspraak` (NHG leads, NIV involved, on schedule): three more for NHG."""
    VoortgangsupdateFactory(verbeterafspraak=afspraak, status=Status.OP_SCHEMA)
    behandeling = ThemaFactory(traject=dvt, naam="Behandeling", volgorde=2)
    delayed = VerbeterafspraakFactory(
        traject=dvt,
        thema=behandeling,
        nummer=2,
        titel="Behandel thuis",
        regiehouder=niv,
        betrokken_partijen=[nhg],
    )
    VoortgangsupdateFactory(
        verbeterafspraak=delayed,
        status=Status.VERTRAAGD,
        toelichting="Later begonnen.",
        verwachte_datum=datetime.date(2025, 12, 31),
        peildatum=timezone.localdate(),
    )
    osa = TrajectFactory(naam="Obstructieve slaapapneu", slug="osa")
    unreported = VerbeterafspraakFactory(
        traject=osa,
        thema=ThemaFactory(traject=osa, naam="Diagnostiek"),
        nummer=1,
        titel="Herken klachten eerder",
        regiehouder=nhg,
        betrokken_partijen=[zn],
    )
    return {"afspraak": afspraak, "delayed": delayed, "unreported": unreported}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["afspraak", "delayed", "unreported"]),
        ({"status": "vertraagd"}, ["delayed"]),
        ({"status": "geen"}, ["unreported"]),
        ({"thema": "Diagnostiek"}, ["afspraak", "unreported"]),
        ({"rol": "regiehouder"}, ["afspraak", "unreported"]),
        ({"rol": "betrokken"}, ["delayed"]),
        ({"partij": "ZN"}, ["unreported"]),
        ({"partij": "NIV", "rol": "regiehouder"}, ["delayed"]),
        ({"q": "slaapapneu"}, ["unreported"]),
        ({"q": "behandel thuis"}, ["delayed"]),
        ({"zonder_update": "on"}, ["afspraak", "unreported"]),
    ],
)
def test_list_filters(client, alice, several, query, expected):
    if "partij" in query:
        from afspraken.models import Partij

        query = {**query, "partij": Partij.objects.get(afkorting=query["partij"]).pk}
    client.force_login(alice)
    response = client.get(LIST_URL, query)
    assert response.status_code == 200
    assert [a.titel for a in response.context["page"]] == [several[name].titel for name in expected]


def test_role_without_a_party_is_ignored_for_staff(client, staff, several):
    client.force_login(staff)
    response = client.get(LIST_URL, {"rol": "regiehouder"})
    assert len(response.context["page"]) == 3


def test_list_filter_by_trajectory(client, alice, several):
    client.force_login(alice)
    response = client.get(LIST_URL, {"traject": several["unreported"].traject_id})
    assert list(response.context["page"]) == [several["unreported"]]


def test_list_counts_per_status_ignore_the_status_filter(client, alice, several):
    client.force_login(alice)
    response = client.get(LIST_URL, {"status": "vertraagd"})
    counts = {t["code"]: t["count"] for t in response.context["status_counts"]}
    assert counts == {
        "niet_gestart": 0,
        "op_schema": 1,
        "vertraagd": 1,
        "afgerond": 0,
        "gestopt": 0,
        "overgedragen": 0,
        "geen": 1,
    }
    chosen = [t for t in response.context["status_counts"] if t["chosen"]]
    assert [t["code"] for t in chosen] == ["vertraagd"]


def test_list_with_no_match_says_so_and_offers_to_clear(client, alice, several):
    client.force_login(alice)
    response = client.get(LIST_URL, {"q": "bestaat-niet"})
    assert "Geen afspraken gevonden met deze filters." in response.text
    assert "Alle filters wissen" in response.text


def test_list_shows_a_theme_name_once_for_several_trajectories(client, alice, several):
    client.force_login(alice)
    response = client.get(LIST_URL)
    choices = [value for value, _ in response.context["filter"].form.fields["thema"].choices]
    assert choices == ["", "Behandeling", "Diagnostiek"]


def test_list_offers_only_trajectories_with_the_members_agreements(client, charlie, several):
    other = TrajectFactory(naam="Ander traject")
    client.force_login(charlie)
    response = client.get(LIST_URL)
    choices = list(response.context["filter"].form.fields["traject"].choices)
    traject = several["unreported"].traject
    assert choices == [("", "Alle trajecten"), (traject.pk, traject.naam)]
    assert other.pk not in [value for value, _ in choices]


def make_agreements(count, partij, traject):
    thema = ThemaFactory(traject=traject, naam="Thema")
    other = PartijFactory(afkorting="ANDER")
    for nummer in range(1, count + 1):
        afspraak = VerbeterafspraakFactory(
            traject=traject,
            thema=thema,
            nummer=nummer,
            regiehouder=partij,
            betrokken_partijen=[other],
        )
        VoortgangsupdateFactory(verbeterafspraak=afspraak)


@pytest.mark.parametrize("count", [3, 300])
def test_list_runs_the_same_queries_for_3_or_300_agreements(
    client, alice, nhg, dvt, count, django_assert_num_queries
):
    make_agreements(count, nhg, dvt)
    client.force_login(alice)
    # Session, user, the user's parties, the data version, the kept lists (none yet), counts
    # per status (which give the paginator its count too), the page, its betrokken parties,
    # the choices of the trajectory, theme and party filters (two queries), and keeping the
    # list (five: tests/afspraken/test_list_performance.py). No session write
    # (tests/test_sessions_refresh.py).
    with django_assert_num_queries(15):
        response = client.get(LIST_URL, {"rol": "regiehouder"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == count


def test_list_pages(client, alice, nhg, dvt):
    make_agreements(30, nhg, dvt)
    client.force_login(alice)
    response = client.get(LIST_URL, {"rol": "regiehouder", "pagina": 2})
    assert len(response.context["page"]) == 5
    assert "Pagina 2 van 2" in response.text
    assert "?rol=regiehouder&amp;pagina=1" in response.text


# The agreement page.


def test_detail_sends_anonymous_to_login_while_nothing_is_published(client, afspraak):
    response = client.get(detail_url(afspraak))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_detail_is_not_found_for_an_outsider(client, charlie, afspraak):
    client.force_login(charlie)
    assert client.get(detail_url(afspraak)).status_code == 404


def test_detail_shows_a_member_everything_and_the_form(client, alice, afspraak, update):
    client.force_login(alice)
    response = client.get(detail_url(afspraak))
    assert response.status_code == 200
    text = response.text
    for expected in [
        "1. Voorkom onnodige verwijzing",
        "Diepe veneuze trombose en longembolie",
        "Diagnostiek",
        "Nederlands Huisartsen Genootschap (NHG)",
        "Nederlandse Internisten Vereniging (NIV)",
        "2024",
        "De werkgroep is gestart.",
        "Voortgang melden",
    ]:
        assert expected in text
    assert response.context["form"] is not None
    # Alice speaks for one party, so the form does not ask which.
    assert 'type="hidden" name="partij"' in text


def test_detail_shows_staff_the_form_with_a_choice_of_party(client, staff, afspraak):
    client.force_login(staff)
    response = client.get(detail_url(afspraak))
    assert response.status_code == 200
    partij = response.context["form"].fields["partij"]
    assert [p.afkorting for p in partij.queryset.order_by("afkorting")] == ["NHG", "NIV"]
    assert not partij.required


def test_timeline_is_newest_first_with_status_changes(client, alice, afspraak, update, nhg):
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2023, 10, 1),
        status=Status.VERTRAAGD,
        tekst="Het loopt uit.",
        toelichting="De richtlijn is later klaar.",
        verwachte_datum=datetime.date(2025, 6, 30),
        partij=nhg,
        auteur=alice,
    )
    client.force_login(alice)
    response = client.get(detail_url(afspraak))
    timeline = response.context["timeline"]
    assert [u.tekst for u in timeline] == ["Het loopt uit.", "De werkgroep is gestart."]
    text = response.text
    assert "Status gewijzigd van ‘loopt volgens planning’ naar ‘loopt met vertraging’" in text
    assert "Eerste melding." in text
    assert "Gemeld door Test Alice namens NHG" in text
    assert "30 juni 2025" in text
    assert "oorspronkelijk streefjaar 2024" in text


@pytest.mark.parametrize("count", [3, 300])
def test_detail_runs_the_same_queries_for_3_or_300_updates(
    client, alice, afspraak, count, django_assert_num_queries
):
    for day in range(count):
        VoortgangsupdateFactory(
            verbeterafspraak=afspraak,
            peildatum=datetime.date(2022, 1, 1) + datetime.timedelta(days=day),
        )
    client.force_login(alice)
    # Session, user, agreement, its betrokken parties, its updates (with party and author),
    # the user's parties (for the rules and the form), whether the user follows it (the
    # button). No session write.
    with django_assert_num_queries(7):
        response = client.get(detail_url(afspraak))
    assert len(response.context["timeline"]) == count


# Adding an update.


def test_member_adds_an_update(client, alice, afspraak, nhg):
    client.force_login(alice)
    response = client.post(detail_url(afspraak), update_data(afspraak))
    assert response.status_code == 302
    update = afspraak.voortgangsupdates.get()
    assert response.url == f"{detail_url(afspraak)}#update-{update.pk}"  # the new entry
    assert update.status == Status.OP_SCHEMA
    assert update.auteur == alice
    assert update.partij == nhg
    assert update.peildatum == timezone.localdate()
    response = client.get(response.url)
    assert "Uw voortgangsupdate is toegevoegd" in response.text
    assert "De nascholing is gestart." in response.text


def test_member_of_an_involved_party_adds_an_update_for_that_party(client, dana, afspraak, niv):
    client.force_login(dana)
    response = client.post(detail_url(afspraak), update_data(afspraak, partij=niv.pk))
    assert response.status_code == 302
    assert afspraak.voortgangsupdates.get().partij == niv


def test_member_cannot_report_for_another_party(client, dana, afspraak, nhg):
    client.force_login(dana)
    response = client.post(detail_url(afspraak), update_data(afspraak, partij=nhg.pk))
    assert response.status_code == 200
    assert "partij" in response.context["form"].errors
    assert not afspraak.voortgangsupdates.exists()


def test_staff_adds_an_update_without_a_party(client, staff, afspraak):
    client.force_login(staff)
    response = client.post(detail_url(afspraak), update_data(afspraak, partij=""))
    assert response.status_code == 302
    update = afspraak.voortgangsupdates.get()
    assert update.partij is None
    assert update.auteur == staff


def test_forged_post_by_an_outsider_changes_nothing(client, charlie, afspraak, zn):
    client.force_login(charlie)
    response = client.post(detail_url(afspraak), update_data(afspraak, partij=zn.pk))
    assert response.status_code == 404
    assert not Voortgangsupdate.objects.exists()


def test_post_by_anonymous_changes_nothing(client, afspraak):
    response = client.post(detail_url(afspraak), update_data(afspraak))
    assert response.status_code == 302
    assert not Voortgangsupdate.objects.exists()


def test_post_without_csrf_token_is_refused(alice, afspraak):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(detail_url(afspraak), update_data(afspraak))
    assert response.status_code == 403
    assert not Voortgangsupdate.objects.exists()


@pytest.mark.parametrize("status", [Status.VERTRAAGD, Status.GESTOPT])
def test_delay_or_stop_needs_an_explanation(client, alice, afspraak, status):
    client.force_login(alice)
    response = client.post(
        detail_url(afspraak),
        update_data(afspraak, status=status, verwachte_datum="2030-01-01"),
    )
    assert response.status_code == 200
    assert "toelichting" in response.context["form"].errors
    assert "De nascholing is gestart." in response.text  # the text is still in the form
    assert not Voortgangsupdate.objects.exists()


def test_delay_needs_a_new_expected_date_after_the_peildatum(client, alice, afspraak):
    client.force_login(alice)
    data = update_data(afspraak, status=Status.VERTRAAGD, toelichting="Geen geld.")
    response = client.post(detail_url(afspraak), data)
    assert response.context["form"].errors["verwachte_datum"] == [
        "Geef bij een vertraging de nieuwe verwachte datum op."
    ]
    data["verwachte_datum"] = "2020-01-01"
    response = client.post(detail_url(afspraak), data)
    assert response.context["form"].errors["verwachte_datum"] == [
        "De nieuwe verwachte datum moet na de peildatum liggen."
    ]
    data["verwachte_datum"] = "2030-06-30"
    response = client.post(detail_url(afspraak), data)
    assert response.status_code == 302
    update = afspraak.voortgangsupdates.get()
    assert update.verwachte_datum == datetime.date(2030, 6, 30)
    assert update.toelichting == "Geen geld."


def test_expected_date_is_dropped_when_not_delayed(client, alice, afspraak):
    client.force_login(alice)
    client.post(detail_url(afspraak), update_data(afspraak, verwachte_datum="2030-01-01"))
    assert afspraak.voortgangsupdates.get().verwachte_datum is None


def test_peildatum_cannot_be_in_the_future(client, alice, afspraak):
    client.force_login(alice)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(detail_url(afspraak), update_data(afspraak, peildatum=tomorrow))
    assert "peildatum" in response.context["form"].errors


def test_peildatum_cannot_go_back_before_the_newest_update(client, alice, afspraak):
    VoortgangsupdateFactory(verbeterafspraak=afspraak, peildatum=datetime.date(2023, 10, 1))
    client.force_login(alice)
    response = client.post(
        detail_url(afspraak), update_data(afspraak, peildatum="2022-10-15", status="afgerond")
    )
    assert response.status_code == 200
    assert (
        "vóór de laatste melding (1 oktober 2023)"
        in response.context["form"].errors["peildatum"][0]
    )
    assert afspraak.voortgangsupdates.count() == 1
    # The same peildatum is fine: that is a correction of the newest report.
    response = client.post(detail_url(afspraak), update_data(afspraak, peildatum="2023-10-01"))
    assert response.status_code == 302


def test_peildatum_must_follow_a_published_report(client, alice, staff, afspraak):
    rapportage = RapportageFactory(
        traject=afspraak.traject, jaar=2022, peildatum=datetime.date(2022, 11, 1)
    )
    client.force_login(alice)
    # A concept does not hold the timeline back.
    response = client.post(detail_url(afspraak), update_data(afspraak, peildatum="2022-11-01"))
    assert response.status_code == 302

    publiceer_rapportage(rapportage=rapportage, user=staff)
    client.force_login(alice)
    response = client.post(detail_url(afspraak), update_data(afspraak, peildatum="2022-11-01"))
    assert response.status_code == 200
    assert response.context["form"].errors["peildatum"] == [
        "De voortgang van Diepe veneuze trombose en longembolie is vastgelegd tot en met "
        "1 november 2022: een gepubliceerde rapportage toont de stand op die datum. Kies een "
        "latere peildatum; klopt een eerdere melding niet, meld dan de juiste stand met de "
        "datum van vandaag."
    ]
    assert afspraak.voortgangsupdates.count() == 1
    response = client.post(detail_url(afspraak), update_data(afspraak, peildatum="2022-11-02"))
    assert response.status_code == 302
    assert afspraak.voortgangsupdates.count() == 2


def test_typed_markup_cannot_run_in_the_timeline(client, alice, afspraak):
    client.force_login(alice)
    tekst = 'Klaar <script>alert("x")</script><img src=x onerror="alert(1)"> **echt**'
    client.post(detail_url(afspraak), update_data(afspraak, tekst=tekst))
    response = client.get(detail_url(afspraak))
    timeline = response.text.split('id="tijdlijn"')[1]
    assert "<script>alert" not in timeline
    assert "<img" not in timeline
    assert "&lt;img src=x onerror=" in timeline  # shown as typed, as text
    assert "<strong>echt</strong>" in timeline
    # Stored as typed, beside the cleaned HTML that pages show.
    stored = afspraak.voortgangsupdates.get()
    assert stored.tekst == tekst
    assert "<strong>echt</strong>" in stored.tekst_html


def test_second_of_two_simultaneous_reports_is_told_and_keeps_its_text(
    client, alice, bob, afspraak, update
):
    """Alice and Bob open the page at the same moment; Bob sends first."""
    client.force_login(alice)
    alice_form = client.get(detail_url(afspraak)).context["form"]
    seen = alice_form["laatst_gezien"].value()
    assert seen == update.pk

    client.force_login(bob)
    response = client.post(
        detail_url(afspraak),
        update_data(afspraak, tekst="Bob: de standaard is klaar.", laatst_gezien=seen),
    )
    assert response.status_code == 302

    client.force_login(alice)
    response = client.post(
        detail_url(afspraak),
        update_data(
            afspraak,
            status=Status.AFGEROND,
            tekst="Alice: alles is af.",
            laatst_gezien=seen,
        ),
    )
    assert response.status_code == 409
    assert "Terwijl u dit formulier invulde" in response.text
    assert "‘Loopt volgens planning’ door Test Bob" in response.text
    form = response.context["form"]
    assert form["tekst"].value() == "Alice: alles is af."
    assert form["status"].value() == Status.AFGEROND
    assert afspraak.voortgangsupdates.count() == 2  # Bob's is in, Alice's not yet
    assert "Bob: de standaard is klaar." in response.text  # shown in the timeline

    # Having seen Bob's update, Alice sends again, and both are in the timeline.
    response = client.post(
        detail_url(afspraak),
        {**form.data.dict()},
    )
    assert response.status_code == 302
    assert list(afspraak.voortgangsupdates.values_list("tekst", flat=True)) == [
        "Alice: alles is af.",
        "Bob: de standaard is klaar.",
        "De werkgroep is gestart.",
    ]


def test_sending_the_same_form_twice_adds_one_update(client, alice, afspraak):
    client.force_login(alice)
    data = update_data(afspraak)
    assert client.post(detail_url(afspraak), data).status_code == 302
    response = client.post(detail_url(afspraak), data)
    assert response.status_code == 409
    assert "door uzelf" in response.text
    assert afspraak.voortgangsupdates.count() == 1


def test_there_is_no_way_to_edit_or_delete_an_update(client, alice, afspraak, update):
    client.force_login(alice)
    for path in [f"{detail_url(afspraak)}{update.pk}/", f"{detail_url(afspraak)}bewerken/"]:
        assert client.get(path).status_code == 404
    # Not even through the admin, which party members cannot enter.
    response = client.get(reverse("admin:afspraken_voortgangsupdate_change", args=[update.pk]))
    assert response.status_code == 302
    assert Verbeterafspraak.objects.get().voortgangsupdates.get().tekst == update.tekst


def test_staff_find_the_admin_from_the_agreement_page(client, staff, alice, afspraak):
    admin_url = reverse("admin:afspraken_verbeterafspraak_change", args=[afspraak.pk])
    client.force_login(staff)
    assert admin_url in client.get(detail_url(afspraak)).text
    client.force_login(alice)
    assert admin_url not in client.get(detail_url(afspraak)).text


def test_other_methods_are_not_allowed(client, alice, afspraak):
    client.force_login(alice)
    assert client.put(detail_url(afspraak)).status_code == 405
    assert client.delete(detail_url(afspraak)).status_code == 405
    assert client.post(LIST_URL).status_code == 405


def test_list_survives_nonsense_in_the_query(client, alice, several):
    client.force_login(alice)
    response = client.get(
        LIST_URL, {"partij": "99999", "status": "onzin", "pagina": "x", "traject": "abc"}
    )
    assert response.status_code == 200
    assert "partij" in response.context["filter"].form.errors


# Bounded work: a text has a length limit, is rendered once when stored, never on a page.


def test_a_text_over_the_limit_is_refused_and_kept_in_the_form(client, alice, afspraak):
    client.force_login(alice)
    tekst = "a" * 60_000
    response = client.post(detail_url(afspraak), update_data(afspraak, tekst=tekst))
    assert response.status_code == 200
    assert response.context["form"].errors["tekst"] == [
        "Zorg dat deze waarde niet meer dan 20000 tekens bevat (het zijn er nu 60000)."
    ]
    assert response.context["form"]["tekst"].value() == tekst
    assert tekst in response.text
    assert not Voortgangsupdate.objects.exists()


def test_the_form_tells_the_browser_the_limits(client, alice, afspraak):
    client.force_login(alice)
    response = client.get(detail_url(afspraak))
    assert f'maxlength="{TEKST_MAX_LENGTH}"' in response.text
    assert f'maxlength="{TOELICHTING_MAX_LENGTH}"' in response.text


@pytest.mark.parametrize(
    "tekst",
    [
        "a" * TEKST_MAX_LENGTH,  # one line, which took the old list rule quadratic time
        nasty_texts(TEKST_MAX_LENGTH)["all of them"],
        nasty_texts(TEKST_MAX_LENGTH)["text and list items"],  # the slowest in the benchmark
    ],
    ids=["one line", "all nasty constructs", "text and list items"],
)
def test_the_longest_text_is_stored_and_shown_quickly(client, alice, afspraak, tekst):
    """Only a safety bound; `manage.py markdown_benchmark` prints the real times."""
    client.force_login(alice)
    started = time.perf_counter()
    response = client.post(detail_url(afspraak), update_data(afspraak, tekst=tekst))
    posted = time.perf_counter() - started
    assert response.status_code == 302
    started = time.perf_counter()
    response = client.get(detail_url(afspraak))
    shown = time.perf_counter() - started
    assert response.status_code == 200
    assert posted < SAFETY_BOUND_SECONDS, f"storing took {posted:.2f} s"
    assert shown < SAFETY_BOUND_SECONDS, f"showing took {shown:.2f} s"


@pytest.fixture
def never_render_an_update(monkeypatch):
    """Fail the test if an update's text reaches the Markdown renderer once it is stored."""
    render = MarkdownIt.render

    def render_unless_an_update(self, source, env=None):
        assert "Voortgangsmarker" not in source, "an update's text was rendered again"
        return render(self, source, env)

    monkeypatch.setattr(MarkdownIt, "render", render_unless_an_update)


def test_pages_and_reports_show_the_stored_html_of_an_update(client, staff, afspraak, request):
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2022, 10, 1),
        status=Status.VERTRAAGD,
        tekst="Voortgangsmarker: **vet**",
        toelichting="Voortgangsmarker: *reden*",
        verwachte_datum=datetime.date(2024, 6, 30),
    )
    rapportage = RapportageFactory(traject=afspraak.traject, jaar=2022)
    request.getfixturevalue("never_render_an_update")
    client.force_login(staff)
    for url in [
        detail_url(afspraak),
        reverse("trajecten:detail", kwargs={"slug": afspraak.traject.slug}),
        reverse("rapportages:concept", kwargs={"pk": rapportage.pk}),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Voortgangsmarker: <strong>vet</strong>" in response.text, url
    assert "Voortgangsmarker: <em>reden</em>" in response.text  # the report's delay box


def test_a_search_over_the_length_limit_is_refused(client, alice, several):
    client.force_login(alice)
    response = client.get(LIST_URL, {"q": "x" * (MAX_SEARCH_LENGTH + 1)})
    assert response.status_code == 200
    assert response.context["filter"].form.errors["q"] == [
        f"Zoek met hoogstens {MAX_SEARCH_LENGTH} tekens (u gebruikte er {MAX_SEARCH_LENGTH + 1})."
    ]


def test_a_search_uses_its_first_words_only(client, alice, several):
    """Each word adds a condition over four columns; after MAX_SEARCH_WORDS they are ignored."""
    client.force_login(alice)
    # Ten distinct words that all match "Behandel thuis" (its title, trajectory or theme),
    # repeated words counting once, then one that matches nothing.
    words = "behandel thuis diepe veneuze trombose en longembolie behandeling hand uis"
    assert len(words.split()) == MAX_SEARCH_WORDS
    response = client.get(LIST_URL, {"q": f"thuis {words} thuis nergens"})
    assert [a.titel for a in response.context["page"]] == [several["delayed"].titel]
    response = client.get(LIST_URL, {"q": "behandel thuis nergens"})
    assert list(response.context["page"]) == []


def _breadcrumb_to_the_list(response) -> str:
    return re.search(r'<nav class="breadcrumbs".*?<a href="([^"]*)"', response.text, re.S)[1]


def test_an_agreement_from_a_filtered_list_leads_back_to_it(client, alice, several):
    client.force_login(alice)
    filters = {"status": "vertraagd", "q": "behandel thuis", "traject": "", "pagina": "1"}
    listed = client.get(LIST_URL, filters)
    row_url = listed.context["page"][0].url

    assert row_url.startswith(detail_url(several["delayed"]) + "?terug=")
    back = _breadcrumb_to_the_list(client.get(row_url))
    assert back == "/afspraken/?status=vertraagd&amp;q=behandel+thuis&amp;pagina=1"
    # Without filters the agreement's address is its own, and so is the way back.
    assert client.get(LIST_URL).context["page"][0].url == detail_url(several["afspraak"])
    assert _breadcrumb_to_the_list(client.get(detail_url(several["afspraak"]))) == "/afspraken/"


@pytest.mark.parametrize(
    ("terug", "back"),
    [
        ("https://evil.example/", "/afspraken/"),
        ("//evil.example/?status=vertraagd", "/afspraken/"),
        ("status=vertraagd&next=https://evil.example/", "/afspraken/?status=vertraagd"),
        (
            'status="><script>alert(1)</script>',
            "/afspraken/?status=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E",
        ),
        ("javascript:alert(1)", "/afspraken/"),
        ("status=a" * 1000, "/afspraken/"),
    ],
)
def test_the_way_back_to_the_list_leads_nowhere_else(client, alice, afspraak, terug, back):
    client.force_login(alice)
    response = client.get(detail_url(afspraak), {"terug": terug})

    assert response.status_code == 200
    assert _breadcrumb_to_the_list(response) == back
