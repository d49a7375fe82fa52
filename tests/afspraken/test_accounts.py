"""Logging in and out, password reset, throttling, and the security headers of the pages."""

import re

import pytest
from django.core import mail
from django.urls import reverse

LOGIN_URL = reverse("login")


@pytest.fixture
def alice_with_password(alice):
    alice.set_password("juist-wachtwoord-42")
    alice.save()
    return alice


def login(client, username, password, next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN_URL, data, REMOTE_ADDR="192.0.2.10")


def test_login_page_is_dutch(client):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    assert "<h1>Inloggen</h1>" in response.text
    assert "Wachtwoord vergeten?" in response.text


def test_login_leads_to_my_agreements(client, alice_with_password):
    response = login(client, "alice", "juist-wachtwoord-42")
    assert response.status_code == 302
    assert response.url == reverse("afspraken:list")


def test_login_follows_a_local_next(client, alice_with_password, afspraak):
    response = login(client, "alice", "juist-wachtwoord-42", afspraak.get_absolute_url())
    assert response.url == afspraak.get_absolute_url()


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"],
)
def test_login_does_not_redirect_to_another_site(client, alice_with_password, next_url):
    response = login(client, "alice", "juist-wachtwoord-42", next_url)
    assert response.status_code == 302
    assert response.url == reverse("afspraken:list")


def test_wrong_password_says_so(client, alice_with_password):
    response = login(client, "alice", "fout")
    assert response.status_code == 200
    assert "Voer een juiste gebruikersnaam en wachtwoord in." in response.text


def test_repeated_failures_lock_out_that_username_from_that_address(
    client, alice_with_password, bob, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "alice", "fout")
    response = login(client, "alice", "juist-wachtwoord-42")
    assert response.status_code == 429
    assert "Inloggen tijdelijk geblokkeerd" in response.text
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out.
    bob.set_password("ander-wachtwoord-42")
    bob.save()
    assert login(client, "bob", "ander-wachtwoord-42").status_code == 302
    # Nor is alice from another address.
    client.logout()
    response = client.post(
        LOGIN_URL,
        {"username": "alice", "password": "juist-wachtwoord-42"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302


def test_logout_needs_a_post_and_says_so(client, alice):
    client.force_login(alice)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 200
    assert "U bent uitgelogd" in response.text
    assert client.get(reverse("afspraken:list")).status_code == 302


def test_password_reset_mails_a_link_that_works(client, alice):
    response = client.post(reverse("password_reset"), {"email": "alice@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Nieuw wachtwoord voor het Passende zorg portaal"
    assert "Uw gebruikersnaam is: alice" in message.body
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)
    response = client.get(link, follow=True)
    assert "Nieuw wachtwoord kiezen" in response.text
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "nieuw-lang-wachtwoord-7", "new_password2": "nieuw-lang-wachtwoord-7"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("nieuw-lang-wachtwoord-7")


def test_password_reset_does_not_tell_whether_an_address_is_known(client, db):
    response = client.post(reverse("password_reset"), {"email": "onbekend@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_pages_send_a_content_security_policy(client, alice, afspraak):
    client.force_login(alice)
    response = client.get(afspraak.get_absolute_url())
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_styles_or_scripts(client, alice, afspraak):
    client.force_login(alice)
    for url in [reverse("afspraken:list"), afspraak.get_absolute_url(), reverse("trajecten:list")]:
        html = client.get(url).text
        assert "style=" not in html
        assert "<style" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"\son[a-z]+=", html)


def test_production_settings_are_secure(settings):
    # tests/settings.py only turns off the HTTPS redirect; the rest is as in production.
    assert settings.SESSION_COOKIE_SECURE
    assert settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_AGE <= 3600
    assert settings.SECURE_HSTS_SECONDS >= 31536000


def test_session_ends_after_the_idle_time(client, alice, afspraak, settings):
    client.force_login(alice)
    session = client.session
    session.set_expiry(-1)  # as if the idle time had passed
    session.save()
    response = client.get(reverse("afspraken:list"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)
