"""The staff admin: every page opens for staff, none for party members, no N+1 on lists."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from afspraken.models import Partij, Status, Verbeterafspraak, Voortgangsupdate
from portal.demo import load_demo
from rapportages.models import Rapportage
from tests.factories import (
    EditieFactory,
    FaseperiodeFactory,
    LidmaatschapFactory,
    PartijFactory,
    ThemaFactory,
    TrajectFactory,
    UserFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)
from trajecten.models import Faseperiode, Traject

pytestmark = pytest.mark.django_db

OWN_APPS = {"trajecten", "afspraken", "rapportages"}
OWN_MODEL_ADMINS = [
    (model, model_admin)
    for model, model_admin in admin.site._registry.items()
    if model._meta.app_label in OWN_APPS
]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def demo(db):
    """The demo's rows, its reports left concepts: publishing renders PDFs, seconds each.

    One edition is stored directly, so that the first report's page shows its editions inline.
    """
    load_demo(publish=False)
    EditieFactory(
        rapportage=Rapportage.objects.order_by("pk").first(),
        published_by=get_user_model().objects.get(username="redactie"),
    )


def test_every_own_model_has_an_admin():
    registered = {model.__name__ for model, _ in OWN_MODEL_ADMINS}
    assert registered >= {
        "Traject",
        "Thema",
        "Partij",
        "Verbeterafspraak",
        "Voortgangsupdate",
        "Rapportage",
    }


@pytest.mark.parametrize(
    ("model", "model_admin"), OWN_MODEL_ADMINS, ids=lambda v: getattr(v, "__name__", "")
)
def test_staff_opens_list_add_change_and_history_pages(client, staff, demo, model, model_admin):
    client.force_login(staff)
    obj = model.objects.order_by("pk").first()
    assert obj is not None, f"the demo has no {model.__name__}"

    assert client.get(admin_url(model, "changelist")).status_code == 200
    assert client.get(admin_url(model, "changelist"), {"q": "a"}).status_code == 200
    assert client.get(admin_url(model, "change", obj.pk)).status_code == 200
    assert client.get(admin_url(model, "history", obj.pk)).status_code == 200
    can_add = model_admin.has_add_permission(_request_for(staff))
    assert client.get(admin_url(model, "add")).status_code == (200 if can_add else 403)


@pytest.mark.parametrize(
    ("model", "model_admin"), OWN_MODEL_ADMINS, ids=lambda v: getattr(v, "__name__", "")
)
def test_party_member_cannot_reach_the_admin(client, alice, demo, model, model_admin):
    client.force_login(alice)
    obj = model.objects.order_by("pk").first()
    for url in [
        reverse("admin:index"),
        admin_url(model, "changelist"),
        admin_url(model, "add"),
        admin_url(model, "change", obj.pk),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def _request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_list_filters_apply(client, staff, demo):
    client.force_login(staff)
    response = client.get(admin_url(Verbeterafspraak, "changelist"), {"status": "vertraagd"})
    assert response.status_code == 200
    shown = set(response.context["cl"].result_list)
    assert shown
    assert all(a.status_code == Status.VERTRAAGD for a in shown)

    response = client.get(admin_url(Traject, "changelist"), {"fase": "implementatie"})
    assert {t.slug for t in response.context["cl"].result_list} >= {
        "diepe-veneuze-trombose-en-longembolie",
        "obstructieve-slaapapneu",
    }
    assert "reumatoide-artritis" not in {t.slug for t in response.context["cl"].result_list}


def test_autocomplete_finds_parties(client, staff, demo):
    client.force_login(staff)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "afspraken",
            "model_name": "verbeterafspraak",
            "field_name": "betrokken_partijen",
            "term": "Huisarts",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["NHG"]


def _fill(rows: int) -> None:
    partijen = [PartijFactory() for _ in range(3)]
    for _ in range(rows):
        traject = TrajectFactory()
        FaseperiodeFactory(traject=traject, fase=Faseperiode.Fase.IMPLEMENTATIE)
        afspraak = VerbeterafspraakFactory(
            traject=traject, regiehouder=partijen[0], betrokken_partijen=partijen[1:]
        )
        VoortgangsupdateFactory(verbeterafspraak=afspraak)


@pytest.mark.parametrize("model", [Traject, Verbeterafspraak, Voortgangsupdate])
def test_admin_list_query_count_does_not_grow_with_rows(client, staff, model):
    client.force_login(staff)
    url = admin_url(model, "changelist")

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _fill(3)
    few = count_queries()
    _fill(30)
    many = count_queries()
    assert model.objects.count() >= 33
    assert many == few


def _traject_form(**overrides):
    data = {
        "naam": "Hartfalen",
        "slug": "hartfalen",
        "domein": "Hart, vaat en long",
        "icd10_codes": "I50",
        "omschrijving": "",
        "signalementdatum": "",
        "publicatie_url": "",
        "afsluiting": "",
        "overgedragen_aan": "",
        "faseperiodes-TOTAL_FORMS": "2",
        "faseperiodes-INITIAL_FORMS": "0",
        "faseperiodes-0-fase": "screening",
        "faseperiodes-0-startdatum": "2024-01-01",
        "faseperiodes-0-einddatum": "2025-03-01",
        "faseperiodes-1-fase": "verdieping",
        "faseperiodes-1-startdatum": "2025-03-01",
        "faseperiodes-1-einddatum": "",
        "themas-TOTAL_FORMS": "2",
        "themas-INITIAL_FORMS": "0",
        "themas-0-volgorde": "1",
        "themas-0-naam": "Diagnostiek",
        "themas-1-volgorde": "2",
        "themas-1-naam": "Behandeling",
        "verbeterafspraken-TOTAL_FORMS": "0",
        "verbeterafspraken-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_staff_enters_a_new_trajectory_with_phases_and_themes(client, staff):
    client.force_login(staff)
    response = client.post(admin_url(Traject, "add"), _traject_form(), follow=True)
    assert response.redirect_chain, response.context["adminform"].form.errors
    # Not Django's "De traject ...": traject is a het-word.
    assert "Hartfalen</a>’ (traject) is toegevoegd." in response.text
    traject = Traject.objects.get(slug="hartfalen")
    assert [p.fase for p in traject.faseperiodes.all()] == ["screening", "verdieping"]
    assert [t.naam for t in traject.themas.all()] == ["Diagnostiek", "Behandeling"]
    assert traject.history.get().history_user == staff


def test_admin_shows_overlapping_phases_as_a_dutch_error_and_keeps_the_input(client, staff):
    client.force_login(staff)
    response = client.post(
        admin_url(Traject, "add"),
        _traject_form(**{"faseperiodes-1-startdatum": "2024-06-01"}),
    )
    assert response.status_code == 200
    assert not Traject.objects.filter(slug="hartfalen").exists()
    content = response.content.decode()
    assert "De verdiepingsfase begint op 01-06-2024" in content
    assert "screeningsfase loopt dan nog (tot 01-03-2025)" in content
    assert 'value="Diagnostiek"' in content  # nothing typed is lost


def _afspraak_form(traject, thema, regiehouder, betrokken, **overrides):
    data = {
        "traject": traject.pk,
        "thema": thema.pk,
        "nummer": "8",
        "titel": "Meet de doorlooptijd",
        "omschrijving": "",
        "regiehouder": regiehouder.pk,
        "betrokken_partijen": [p.pk for p in betrokken],
        "streefjaar": "2026",
        "streefwaarde": "",
        "bron": "",
        "bron_url": "",
        "voortgangsupdates-TOTAL_FORMS": "0",
        "voortgangsupdates-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_regiehouder_is_not_also_chosen_as_betrokken_partij(client, staff, dvt, diagnostiek, nhg):
    client.force_login(staff)
    response = client.post(
        admin_url(Verbeterafspraak, "add"), _afspraak_form(dvt, diagnostiek, nhg, [nhg])
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["betrokken_partijen"] == [
        "NHG is al regiehouder; kies hier alleen de andere betrokken partijen."
    ]
    assert not Verbeterafspraak.objects.exists()


def test_staff_adds_an_agreement_then_reports_on_its_page(
    client, staff, dvt, diagnostiek, nhg, niv
):
    """Progress needs the agreement's trajectory and parties, so the add page has no timeline;
    adding updates on the change page is tried in tests/afspraken/test_update_rules.py."""
    client.force_login(staff)
    assert (
        "voortgangsupdates-TOTAL_FORMS" not in client.get(admin_url(Verbeterafspraak, "add")).text
    )
    response = client.post(
        admin_url(Verbeterafspraak, "add"), _afspraak_form(dvt, diagnostiek, nhg, [niv])
    )
    assert response.status_code == 302
    afspraak = Verbeterafspraak.objects.get(traject=dvt, nummer=8)
    assert list(afspraak.betrokken_partijen.all()) == [niv]
    response = client.get(admin_url(Verbeterafspraak, "change", afspraak.pk))
    assert "voortgangsupdates-TOTAL_FORMS" in response.text


def test_admin_speaks_dutch_in_strings_new_to_django_6_1(client, staff):
    client.force_login(staff)
    content = client.get(admin_url(Traject, "add")).content.decode()
    assert "- Maak een keuze -" in content
    assert "Select an option" not in content


def test_admin_change_pages_query_count_does_not_grow_with_inline_rows(
    client, staff, afspraak, nhg, dvt
):
    client.force_login(staff)
    urls = [
        admin_url(Partij, "change", nhg.pk),
        admin_url(Verbeterafspraak, "change", afspraak.pk),
        admin_url(Traject, "change", dvt.pk),
    ]

    def count_queries():
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.append(len(ctx.captured_queries))
        return counts

    for _ in range(2):
        LidmaatschapFactory(partij=nhg)
        VoortgangsupdateFactory(verbeterafspraak=afspraak)
        VerbeterafspraakFactory(traject=dvt, thema=afspraak.thema, regiehouder=nhg)
    count_queries()  # warm up the content-type cache
    few = count_queries()
    for _ in range(10):
        LidmaatschapFactory(partij=nhg)
        VoortgangsupdateFactory(verbeterafspraak=afspraak)
        VerbeterafspraakFactory(traject=dvt, thema=afspraak.thema, regiehouder=nhg)
    assert count_queries() == few


def test_staff_adds_and_removes_party_members(client, staff, nhg, alice):
    client.force_login(staff)
    newcomer = UserFactory(username="nieuw")
    membership = alice.lidmaatschappen.get()
    response = client.post(
        admin_url(Partij, "change", nhg.pk),
        {
            "naam": nhg.naam,
            "afkorting": nhg.afkorting,
            "soort": nhg.soort,
            "lidmaatschappen-TOTAL_FORMS": "2",
            "lidmaatschappen-INITIAL_FORMS": "1",
            "lidmaatschappen-0-id": membership.pk,
            "lidmaatschappen-0-partij": nhg.pk,
            "lidmaatschappen-0-DELETE": "on",
            "lidmaatschappen-1-partij": nhg.pk,
            "lidmaatschappen-1-user": newcomer.pk,
        },
    )
    assert response.status_code == 302, response.context["errors"]
    assert [u.username for u in nhg.leden.all()] == ["nieuw"]
    # The audit trail keeps the removed membership.
    assert nhg.lidmaatschappen.model.history.filter(user=alice, history_type="-").exists()


def test_report_status_follows_its_editions(client, staff, demo):
    client.force_login(staff)
    url = admin_url(Rapportage, "changelist")
    published = client.get(url, {"status": "gepubliceerd"}).context["cl"].result_list
    assert list(published) == [Rapportage.objects.order_by("pk").first()]
    concepts = client.get(url, {"status": "concept"}).context["cl"].result_list
    assert len(concepts) == Rapportage.objects.count() - 1
    assert "Gepubliceerd op" in client.get(url).text


# Entering agreements: the theme list, "save and add another", the links from a trajectory.


def test_the_theme_list_is_grouped_by_trajectory_and_marks_each_theme(
    client, staff, dvt, diagnostiek
):
    """Without a script the list shows every trajectory's themes under its name; the script
    (static/js/thema-per-traject.js) keeps those whose `data-traject` is the chosen one."""
    other = ThemaFactory(traject=TrajectFactory(naam="Artrose van knie en heup"), naam="Leefstijl")
    client.force_login(staff)
    response = client.get(admin_url(Verbeterafspraak, "add"))
    assert '<optgroup label="Diepe veneuze trombose en longembolie">' in response.text
    assert f'<option value="{diagnostiek.pk}" data-traject="{dvt.pk}">Diagnostiek</option>' in (
        response.text
    )
    assert f'data-traject="{other.traject_id}">Leefstijl</option>' in response.text
    assert "js/thema-per-traject.js" in response.text
    titel = response.context["adminform"].form["titel"]
    assert titel.field.widget.attrs["class"] == "vLargeTextField"  # wide enough for a title


def test_a_theme_of_another_trajectory_is_refused(client, staff, dvt, nhg, niv):
    other = ThemaFactory(traject=TrajectFactory(naam="Artrose van knie en heup"), naam="Leefstijl")
    client.force_login(staff)
    response = client.post(
        admin_url(Verbeterafspraak, "add"), _afspraak_form(dvt, other, nhg, [niv])
    )
    assert response.context["adminform"].form.errors["thema"] == [
        "Kies een thema van hetzelfde traject als de verbeterafspraak."
    ]
    assert not Verbeterafspraak.objects.exists()


def test_save_and_add_another_keeps_trajectory_and_theme_and_proposes_the_next_number(
    client, staff, dvt, diagnostiek, nhg, niv
):
    client.force_login(staff)
    response = client.post(
        admin_url(Verbeterafspraak, "add"),
        {**_afspraak_form(dvt, diagnostiek, nhg, [niv]), "_addanother": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == (
        f"{admin_url(Verbeterafspraak, 'add')}?traject={dvt.pk}&thema={diagnostiek.pk}"
    )
    form = client.get(response["Location"]).context["adminform"].form
    assert (form.initial["traject"], form.initial["thema"], form.initial["nummer"]) == (
        str(dvt.pk),
        str(diagnostiek.pk),
        9,
    )


@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "1.5", ""])
def test_a_bad_trajectory_in_the_address_proposes_nothing(client, staff, value):
    client.force_login(staff)
    response = client.get(admin_url(Verbeterafspraak, "add"), {"traject": value, "thema": value})
    assert response.status_code == 200
    assert "nummer" not in response.context["adminform"].form.initial


def test_a_trajectory_links_to_adding_its_agreements_and_indicators(client, staff, dvt):
    client.force_login(staff)
    add_afspraak = f"{admin_url(Verbeterafspraak, 'add')}?traject={dvt.pk}"
    add_indicator = f"{reverse('admin:afspraken_indicator_add')}?traject={dvt.pk}"
    admin_page = client.get(admin_url(Traject, "change", dvt.pk)).text
    portal_page = client.get(dvt.get_absolute_url()).text
    for page in (admin_page, portal_page):
        assert f'href="{add_afspraak}"' in page
        assert f'href="{add_indicator}"' in page
    assert client.get(add_indicator).context["adminform"].form.initial["traject"] == str(dvt.pk)


def test_a_member_sees_no_links_to_the_admin(client, alice, dvt):
    client.force_login(alice)
    page = client.get(dvt.get_absolute_url()).text
    assert "Afspraak toevoegen" not in page
    assert "/admin/" not in page


# Members who can log in.


def test_a_member_without_an_email_address_is_refused(client, staff, nhg):
    client.force_login(staff)
    zonder = UserFactory(username="zonder", email="")
    response = client.post(
        admin_url(Partij, "change", nhg.pk),
        {
            "naam": nhg.naam,
            "afkorting": nhg.afkorting,
            "soort": nhg.soort,
            "lidmaatschappen-TOTAL_FORMS": "1",
            "lidmaatschappen-INITIAL_FORMS": "0",
            "lidmaatschappen-0-partij": nhg.pk,
            "lidmaatschappen-0-user": zonder.pk,
        },
    )
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0]["user"] == [
        "zonder heeft geen e-mailadres en kan dus geen wachtwoord instellen of opnieuw "
        "instellen. Laat eerst een e-mailadres invullen bij de gebruiker."
    ]
    assert not nhg.leden.filter(pk=zonder.pk).exists()


def test_party_and_user_pages_warn_of_a_member_without_an_address(
    client, staff, superuser, nhg, alice
):
    type(alice).objects.filter(pk=alice.pk).update(email="")  # removed after joining
    warning = "Geen e-mailadres: alice (NHG). Zonder adres kan een lid geen wachtwoord instellen"
    client.force_login(staff)
    response = client.get(admin_url(Partij, "change", nhg.pk))
    assert warning in response.text
    assert "Geen: kan geen wachtwoord instellen" in response.text  # the member's row
    client.force_login(superuser)
    assert warning in client.get(reverse("admin:auth_user_change", args=[alice.pk])).text
