"""Following from the pages, the list of what one follows, and the mail's unsubscribe link."""

import django.test
import pytest
from django.core import signing

from tests.factories import ThemaFactory, TrajectFactory, VerbeterafspraakFactory
from volgen.models import Volg
from volgen.tokens import afmeldtoken

FOLLOW = {"volgen": "1"}
STOP = {"volgen": "0"}


def afspraak_url(afspraak):
    return f"/volgen/afspraken/{afspraak.pk}/"


def traject_url(traject):
    return f"/volgen/trajecten/{traject.slug}/"


# Following and stopping from the pages.


def test_anonymous_is_sent_to_log_in(client, afspraak, dvt):
    for url in (afspraak_url(afspraak), traject_url(dvt), "/volgen/"):
        response = client.post(url, FOLLOW) if url != "/volgen/" else client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
    assert not Volg.objects.exists()


def test_member_follows_an_agreement_once_however_often_she_clicks(client, alice, afspraak):
    client.force_login(alice)
    response = client.post(afspraak_url(afspraak), FOLLOW)
    assert response.status_code == 302
    assert response.url == f"/afspraken/{afspraak.pk}/"
    client.post(afspraak_url(afspraak), FOLLOW)
    assert Volg.objects.get().verbeterafspraak == afspraak

    page = client.get(response.url).text
    assert "U volgt nu deze afspraak." in page
    assert "U volgt deze afspraak: u krijgt een e-mail als de status verandert" in page
    assert ">Niet meer volgen</button>" in page

    client.post(afspraak_url(afspraak), STOP)
    assert not Volg.objects.exists()
    assert ">Volgen</button>" in client.get(response.url).text


def test_an_outsider_cannot_follow_an_agreement_they_do_not_see(client, charlie, afspraak):
    client.force_login(charlie)
    assert client.post(afspraak_url(afspraak), FOLLOW).status_code == 404
    assert not Volg.objects.exists()


def test_the_service_refuses_too(charlie, afspraak):
    from django.core.exceptions import PermissionDenied

    from volgen.services import volg

    with pytest.raises(PermissionDenied):
        volg(user=charlie, onderwerp=afspraak)


def test_anyone_logged_in_follows_a_trajectory(client, charlie, dvt):
    client.force_login(charlie)
    response = client.post(traject_url(dvt), FOLLOW)
    assert response.url == dvt.get_absolute_url()
    assert Volg.objects.get(user=charlie).traject == dvt
    assert ">Niet meer volgen</button>" in client.get(response.url).text
    assert client.post("/volgen/trajecten/onbekend/", FOLLOW).status_code == 404


def test_following_needs_a_post_with_the_csrf_token(alice, afspraak):
    client = django.test.Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get(afspraak_url(afspraak)).status_code == 405
    assert client.post(afspraak_url(afspraak), FOLLOW).status_code == 403
    page = client.get(f"/afspraken/{afspraak.pk}/").text
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    client.post(afspraak_url(afspraak), {**FOLLOW, "csrfmiddlewaretoken": token})
    assert Volg.objects.filter(user=alice).exists()


def test_next_leads_back_only_within_the_portal(client, alice, afspraak):
    client.force_login(alice)
    response = client.post(afspraak_url(afspraak), {**FOLLOW, "next": "/volgen/"})
    assert response.url == "/volgen/"
    response = client.post(afspraak_url(afspraak), {**FOLLOW, "next": "https://example.com/"})
    assert response.url == f"/afspraken/{afspraak.pk}/"


def test_a_visitor_sees_no_button(client, afspraak, dvt):
    page = client.get(dvt.get_absolute_url()).text
    assert "Volgen</button>" not in page


def test_the_button_is_on_both_pages_for_a_member(client, alice, afspraak, dvt):
    client.force_login(alice)
    assert ">Volgen</button>" in client.get(dvt.get_absolute_url()).text
    page = client.get(afspraak.get_absolute_url()).text
    assert f'action="/volgen/afspraken/{afspraak.pk}/"' in page


# The list of what one follows.


def test_the_list_shows_only_ones_own_follows(client, alice, bob, afspraak, dvt):
    Volg.objects.create(user=alice, verbeterafspraak=afspraak)
    Volg.objects.create(user=bob, traject=dvt)
    client.force_login(alice)
    page = client.get("/volgen/").text
    assert "1. Voorkom onnodige verwijzing" in page
    assert "Traject <a" not in page
    assert "U volgt nog niets" not in page


def test_stopping_from_the_list(client, alice, bob, afspraak, dvt):
    own = Volg.objects.create(user=alice, verbeterafspraak=afspraak)
    bobs = Volg.objects.create(user=bob, traject=dvt)
    client.force_login(alice)
    assert client.post(f"/volgen/{bobs.pk}/stoppen/").status_code == 404
    response = client.post(f"/volgen/{own.pk}/stoppen/")
    assert response.url == "/volgen/"
    assert list(Volg.objects.all()) == [bobs]
    assert "U volgt nog niets" in client.get("/volgen/").text


def test_the_list_says_when_the_account_has_no_address(client, alice):
    alice.email = ""
    alice.save()
    client.force_login(alice)
    assert "Bij uw account staat geen e-mailadres" in client.get("/volgen/").text


@pytest.mark.parametrize("count", [2, 20])
def test_the_list_runs_the_same_queries_for_2_or_20_follows(
    client, alice, nhg, count, django_assert_num_queries
):
    for nummer in range(count // 2):
        traject = TrajectFactory()
        Volg.objects.create(user=alice, traject=traject)
        afspraak = VerbeterafspraakFactory(
            traject=traject, thema=ThemaFactory(traject=traject), nummer=nummer, regiehouder=nhg
        )
        Volg.objects.create(user=alice, verbeterafspraak=afspraak)
    client.force_login(alice)
    # Session, user, the follows with their trajectories and agreements. No session write.
    with django_assert_num_queries(3):
        response = client.get("/volgen/")
    assert len(response.context["volgen"]) == count


# The unsubscribe link of the mails.


def afmeld_url(*volgen):
    return f"/volgen/afmelden/{afmeldtoken(volg.pk for volg in volgen)}/"


def test_opening_the_link_only_asks_for_the_click(client, alice_volgt):
    response = client.get(afmeld_url(alice_volgt))
    assert response.status_code == 200
    assert "Wilt u geen e-mail meer krijgen over:" in response.text
    assert "verbeterafspraak 1. Voorkom onnodige verwijzing" in response.text
    assert Volg.objects.exists()  # a mail scanner that opens the link stops nothing
    assert client.head(afmeld_url(alice_volgt)).status_code == 200
    assert Volg.objects.exists()


def test_one_click_stops_it_without_login_or_csrf_token(alice_volgt):
    client = django.test.Client(enforce_csrf_checks=True)
    url = afmeld_url(alice_volgt)
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "U bent afgemeld" in response.text
    assert not Volg.objects.exists()
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "U volgde dit al niet meer" in response.text
    assert "U volgt dit al niet meer" in client.get(url).text


def test_the_link_stops_only_its_own_follows(alice_volgt, alice, dvt, client):
    other = Volg.objects.create(user=alice, traject=dvt)
    client.post(afmeld_url(alice_volgt))
    assert list(Volg.objects.all()) == [other]


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "x" * 300,
        signing.Signer(salt="een-ander-doel").sign_object([1]),
        signing.Signer(salt="volgen.afmelden").sign_object("1"),
        signing.Signer(salt="volgen.afmelden").sign_object([]),
        signing.Signer(salt="volgen.afmelden").sign_object([True]),
        signing.dumps([1], salt="volgen.afmelden"),  # with a timestamp: not one of ours
    ],
)
def test_a_tampered_or_foreign_token_is_a_clear_400(client, alice_volgt, token):
    for response in (
        client.get(f"/volgen/afmelden/{token}/"),
        client.post(f"/volgen/afmelden/{token}/"),
    ):
        assert response.status_code == 400
        assert "Deze link werkt niet" in response.text
    assert Volg.objects.exists()


def test_a_changed_id_breaks_the_signature(client, alice_volgt, bob, dvt):
    bobs = Volg.objects.create(user=bob, traject=dvt)
    token = afmeldtoken([alice_volgt.pk])
    payload, signature = token.split(":", 1)
    forged = signing.b64_encode(f"[{bobs.pk}]".encode()).decode() + ":" + signature
    assert client.post(f"/volgen/afmelden/{forged}/").status_code == 400
    assert Volg.objects.filter(pk=bobs.pk).exists()
