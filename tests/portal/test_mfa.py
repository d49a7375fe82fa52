"""Staff pass a second factor after their password: setting up the app, codes, recovery codes."""

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.mfa import new_recovery_codes
from rapportages.models import Editie
from tests.factories import RapportageFactory
from tests.mfa import authenticator_app, code_for

PASSWORD = "geheim-wachtwoord-123"  # the factories' password
VERIFY_URL = reverse("verify_second_factor")
SETUP_URL = reverse("setup_second_factor")
ADMIN_URL = reverse("admin:index")
LOGIN_URL = reverse("login")


def with_next(url, next_url):
    return f"{url}?{urlencode({'next': next_url})}"


def log_in(client, username, *, url=LOGIN_URL, next_url=ADMIN_URL):
    response = client.post(url, {"username": username, "password": PASSWORD, "next": next_url})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    return response


def allow_next_attempt(device):
    """As if the throttle's wait after a wrong code had passed."""
    device.refresh_from_db()
    device.throttling_failure_timestamp = timezone.now() - timezone.timedelta(hours=1)
    device.save()


@pytest.fixture
def rapportage(afspraak):
    return RapportageFactory(traject=afspraak.traject, jaar=2022)


def test_staff_set_up_an_authenticator_app_at_their_first_login(client, staff):
    log_in(client, "redactie")
    response = client.get(ADMIN_URL)
    assert response.url == with_next(VERIFY_URL, ADMIN_URL)
    response = client.get(response.url)
    assert response.url == with_next(SETUP_URL, ADMIN_URL)

    response = client.get(response.url)
    assert response.status_code == 200
    assert "<h1>Tweede factor instellen</h1>" in response.text
    assert re.search(r'<img src="data:image/svg\+xml;[^"]+" alt="QR-code', response.text)
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", response.text).group(1)
    assert device.config_url.startswith("otpauth://totp/Passende%20zorg%20portaal%3Aredactie?")
    assert f"secret={secret.replace(' ', '')}" in device.config_url
    # Reloading keeps the secret that was scanned.
    client.get(with_next(SETUP_URL, ADMIN_URL))
    assert TOTPDevice.objects.get(user=staff).key == device.key

    response = client.post(SETUP_URL, {"code": "000000", "next": ADMIN_URL})
    assert response.status_code == 200
    assert "Deze code klopt niet." in response.text
    assert client.get(ADMIN_URL).status_code == 302

    allow_next_attempt(device)
    response = client.post(SETUP_URL, {"code": code_for(device), "next": ADMIN_URL})
    assert response.url == with_next(reverse("recovery_codes"), ADMIN_URL)
    device.refresh_from_db()
    assert device.confirmed

    # Ten recovery codes, shown once.
    response = client.get(response.url)
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.text)
    assert len(set(codes)) == 10
    assert sorted(codes) == sorted(
        StaticDevice.objects.get(user=staff).token_set.values_list("token", flat=True)
    )
    assert f'href="{ADMIN_URL}"' in response.text
    response = client.get(reverse("recovery_codes"))
    assert not re.findall(r"<li><code>", response.text)
    assert "U heeft nog 10 ongebruikte herstelcodes." in response.text

    assert client.get(ADMIN_URL).status_code == 200


def test_the_setup_page_needs_no_inline_script_or_style(client, staff):
    client.force_login(staff, verified=False)
    html = client.get(SETUP_URL).text
    assert "style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


@pytest.mark.parametrize("login_url", [reverse("login"), reverse("admin:login")])
def test_staff_with_an_app_enter_its_code(client, staff, login_url):
    device = authenticator_app(staff)
    log_in(client, "redactie", url=login_url)
    response = client.get(ADMIN_URL)
    assert response.url == with_next(VERIFY_URL, ADMIN_URL)
    response = client.get(response.url)
    assert "<h1>Inlogcode invullen</h1>" in response.text
    session_key = client.session.session_key

    response = client.post(VERIFY_URL, {"code": "123456", "next": ADMIN_URL})
    assert response.status_code == 200
    assert "Deze code klopt niet." in response.text
    assert client.get(ADMIN_URL).status_code == 302

    allow_next_attempt(device)
    response = client.post(VERIFY_URL, {"code": code_for(device), "next": ADMIN_URL})
    assert response.status_code == 302
    assert response.url == ADMIN_URL
    assert client.get(ADMIN_URL).status_code == 200
    # A new session key once fully logged in.
    assert client.session.session_key != session_key


def test_wrong_codes_slow_the_next_attempt_down(client, staff):
    device = authenticator_app(staff)
    client.force_login(staff, verified=False)
    client.post(VERIFY_URL, {"code": "123456"})
    # Right away, even the right code waits.
    response = client.post(VERIFY_URL, {"code": code_for(device)})
    assert response.status_code == 200
    assert "U heeft te vaak een onjuiste code ingevuld. Probeer het over" in response.text
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert client.get(ADMIN_URL).status_code == 302
    # The wait doubles with each failure.
    allow_next_attempt(device)
    for _ in range(5):
        allow_next_attempt(device)
        client.post(VERIFY_URL, {"code": "123456"})
    device.refresh_from_db()
    assert device.verify_is_allowed()[1]["failure_count"] == 6
    response = client.post(VERIFY_URL, {"code": "123456"})
    assert "Probeer het over 32 seconden opnieuw." in response.text


def test_a_recovery_code_works_once(client, staff):
    authenticator_app(staff)
    code = new_recovery_codes(staff)[0]
    client.force_login(staff, verified=False)
    response = client.post(VERIFY_URL, {"code": f" {code[:4]}-{code[4:].upper()} "})
    assert response.status_code == 302
    response = client.get(ADMIN_URL)
    assert response.status_code == 200
    assert "U heeft een herstelcode gebruikt; u heeft er nog 9." in response.text

    client.logout()
    client.force_login(staff, verified=False)
    response = client.post(VERIFY_URL, {"code": code})
    assert response.status_code == 200
    assert "Deze code klopt niet." in response.text
    assert client.get(ADMIN_URL).status_code == 302


def test_new_recovery_codes_replace_the_old(client, staff):
    old = new_recovery_codes(staff)
    client.force_login(staff)
    response = client.post(reverse("recovery_codes"), follow=True)
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.text)
    assert len(codes) == 10
    assert not set(codes) & set(old)
    assert set(StaticDevice.objects.get(user=staff).token_set.values_list("token", flat=True)) == (
        set(codes)
    )


def test_unverified_staff_reach_no_page_but_the_second_factor(client, staff, afspraak, rapportage):
    authenticator_app(staff)
    client.force_login(staff, verified=False)
    for url in [
        ADMIN_URL,
        reverse("admin:afspraken_verbeterafspraak_changelist"),
        reverse("admin:auth_user_changelist"),
        rapportage.get_concept_url(),
        reverse("rapportages:concept_pdf", args=[rapportage.pk]),
        reverse("afspraken:list"),
        afspraak.get_absolute_url(),
        reverse("recovery_codes"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == with_next(VERIFY_URL, url), url
    response = client.post(
        reverse("rapportages:publiceren", args=[rapportage.pk]), {"bevestig": "on"}
    )
    assert response.status_code == 302
    assert response.url.startswith(VERIFY_URL)
    assert not Editie.objects.exists()
    assert client.get(VERIFY_URL).status_code == 200
    assert client.post(reverse("logout")).status_code == 200


def test_a_superuser_without_staff_status_passes_a_second_factor_too(client, db):
    from tests.factories import UserFactory

    user = UserFactory(username="root", is_superuser=True)
    client.force_login(user, verified=False)
    assert client.get(reverse("afspraken:list")).url.startswith(VERIFY_URL)


def test_the_admin_site_itself_refuses_unverified_staff(client, staff, settings):
    """Should the middleware ever be left out, the admin still stays closed."""
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "portal.mfa.require_second_factor"
    ]
    client.force_login(staff, verified=False)
    response = client.get(ADMIN_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_after_the_second_factor_only_a_local_next_is_followed(client, staff):
    device = authenticator_app(staff)
    client.force_login(staff, verified=False)
    response = client.post(VERIFY_URL, {"code": code_for(device), "next": "https://evil.example/"})
    assert response.url == reverse("start")


def test_a_party_members_login_is_unchanged(client, alice, afspraak):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.url == reverse("start")
    assert client.get(reverse("afspraken:list")).status_code == 200
    assert client.get(afspraak.get_absolute_url()).status_code == 200
    # The second factor's pages send a party member on.
    assert client.get(VERIFY_URL).url == reverse("start")
    assert client.get(SETUP_URL).url == reverse("start")
    assert not TOTPDevice.objects.exists()
    # And the admin stays closed to them as before.
    assert client.get(ADMIN_URL).url.startswith(reverse("admin:login"))


def test_the_second_factor_pages_need_a_login(client, db):
    for url in [VERIFY_URL, SETUP_URL, reverse("recovery_codes")]:
        assert client.get(url).url.startswith(reverse("login")), url
