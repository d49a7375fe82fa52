"""Logging in and out, password reset, throttling, and the security headers of the pages."""

import datetime
import re
import time

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.core.sessions import LOGIN_AT_SESSION_KEY
from portal.models import PasswordResetRequest
from tests.factories import RapportageFactory

LOGIN_URL = reverse("login")
# A page for members only: asked for while logged out, it sends to the login. (A visitor's
# agreements list is public, so it no longer tells.)
MEMBERS_ONLY = reverse("uitvragen:werklijst")


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
    assert response.url == reverse("start")  # the open round first, if any (tests/uitvragen)
    assert client.get(response.url).url == reverse("afspraken:list")


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
    assert response.url == reverse("start")


def test_wrong_password_says_so(client, alice_with_password):
    response = login(client, "alice", "fout")
    assert response.status_code == 200
    assert "Voer een juiste gebruikersnaam en wachtwoord in." in response.text


def test_repeated_failures_lock_out_that_username_from_every_address(
    client, alice_with_password, bob, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "alice", "fout")
    response = login(client, "alice", "juist-wachtwoord-42")
    assert response.status_code == 429
    assert "Inloggen tijdelijk geblokkeerd" in response.text
    assert "_auth_user_id" not in client.session
    # Nor from another address: guessing one account's password from many addresses gets
    # no further.
    response = client.post(
        LOGIN_URL,
        {"username": "alice", "password": "juist-wachtwoord-42"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 429
    # Another user from the same address is not locked out: an address has a higher limit.
    bob.set_password("ander-wachtwoord-42")
    bob.save()
    assert login(client, "bob", "ander-wachtwoord-42").status_code == 302


def test_an_address_trying_many_usernames_is_locked_out(client, alice_with_password, settings):
    """Password spraying: one password tried on many accounts, each below its own limit."""
    assert settings.AXES_IP_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT
    for n in range(settings.AXES_IP_FAILURE_LIMIT):
        login(client, f"gebruiker{n}", "Zomer2024!")
    assert login(client, "alice", "juist-wachtwoord-42").status_code == 429
    # The same account from another address logs in.
    response = client.post(
        LOGIN_URL,
        {"username": "alice", "password": "juist-wachtwoord-42"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302


def test_a_successful_login_does_not_reset_the_address_count(client, alice_with_password, settings):
    """Else an attacker would log in to an account of their own between rounds of guessing."""
    for n in range(settings.AXES_IP_FAILURE_LIMIT - 1):
        login(client, f"gebruiker{n}", "Zomer2024!")
    assert login(client, "alice", "juist-wachtwoord-42").status_code == 302
    client.logout()
    login(client, "nog-een", "Zomer2024!")
    assert login(client, "alice", "juist-wachtwoord-42").status_code == 429


def test_a_successful_login_resets_the_username_count(client, alice_with_password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "alice", "fout")
    assert login(client, "alice", "juist-wachtwoord-42").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "alice", "fout")
    assert login(client, "alice", "juist-wachtwoord-42").status_code == 302


@pytest.mark.parametrize("url", [LOGIN_URL, reverse("admin:login")])
@pytest.mark.parametrize("length", [256, 10_000])
def test_a_very_long_username_is_a_failed_login(client, db, url, length):
    """django-axes keeps the username in a varchar(255); on PostgreSQL a longer one was a 500."""
    response = client.post(url, {"username": "x" * length, "password": "fout"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert [len(a.username) for a in AccessAttempt.objects.all()] == [255]


def test_logout_needs_a_post_and_says_so(client, alice):
    client.force_login(alice)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 200
    assert "U bent uitgelogd" in response.text
    assert client.get(MEMBERS_ONLY).status_code == 302


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
    # The idle timeout is moved forward at most once a minute (tests/test_sessions_refresh.py).
    assert not settings.SESSION_SAVE_EVERY_REQUEST
    assert "portal.core.sessions.refresh_idle_expiry" in settings.MIDDLEWARE
    assert settings.SESSION_COOKIE_AGE <= 3600
    assert settings.SECURE_HSTS_SECONDS >= 31536000


def test_session_ends_after_the_idle_time(client, alice, afspraak, settings):
    client.force_login(alice)
    session = client.session
    session.set_expiry(-1)  # as if the idle time had passed
    session.save()
    response = client.get(MEMBERS_ONLY)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)


def reset(client, email, address="192.0.2.10"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


@pytest.mark.parametrize("email", ["alice@example.org", "onbekend@example.org"])
def test_password_reset_mails_are_throttled_per_email_address(client, alice, email):
    """Known or not, the address gets the same answers: three mails an hour, then a page that
    says so, which tells nothing about whether an account has the address."""
    for _ in range(3):
        response = reset(client, email.upper() if _ else email)
        assert response.status_code == 302
        assert response.url == reverse("password_reset_done")
    response = reset(client, email, address="198.51.100.7")
    assert response.status_code == 429
    assert "<h1>Te veel aanvragen</h1>" in response.text
    assert len(mail.outbox) == (3 if email.startswith("alice") else 0)


def test_password_reset_mails_are_throttled_per_client_address(client, alice):
    for n in range(10):
        assert reset(client, f"iemand{n}@example.org").status_code == 302
    assert reset(client, "alice@example.org").status_code == 429
    assert mail.outbox == []
    assert reset(client, "alice@example.org", address="198.51.100.7").status_code == 302
    assert len(mail.outbox) == 1


def test_the_password_reset_throttle_forgets_after_an_hour(client, alice):
    for _ in range(3):
        reset(client, "alice@example.org")
    PasswordResetRequest.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    assert reset(client, "alice@example.org").status_code == 302
    assert len(mail.outbox) == 4
    assert PasswordResetRequest.objects.count() == 1  # the old requests are gone


SHORT_PASSWORD_NL = "Dit wachtwoord is te kort. Het moet minstens 8 tekens bevatten."


def test_password_change_says_what_is_wrong_in_dutch(client, alice_with_password):
    client.force_login(alice_with_password)
    response = client.post(
        reverse("password_change"),
        {"old_password": "juist-wachtwoord-42", "new_password1": "1234", "new_password2": "1234"},
    )
    assert response.status_code == 200
    assert SHORT_PASSWORD_NL in response.text
    assert "Dit wachtwoord bevat alleen cijfers." in response.text
    assert "This password" not in response.text
    assert "Your password" not in response.text


def test_password_reset_form_says_what_is_wrong_in_dutch(client, alice):
    reset(client, "alice@example.org")
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "alice", "new_password2": "alice"})
    assert SHORT_PASSWORD_NL in response.text
    assert "Het wachtwoord lijkt te veel op de gebruikersnaam." in response.text
    assert "This password" not in response.text


def test_session_ends_twelve_hours_after_login_however_active(client, alice_with_password):
    login(client, "alice", "juist-wachtwoord-42")
    assert client.get(MEMBERS_ONLY).status_code == 200
    session = client.session
    assert time.time() - session[LOGIN_AT_SESSION_KEY] < 60
    session[LOGIN_AT_SESSION_KEY] -= 12 * 60 * 60 - 60  # a minute to go: still logged in
    session.save()
    assert client.get(MEMBERS_ONLY).status_code == 200
    session = client.session
    session[LOGIN_AT_SESSION_KEY] -= 2 * 60
    session.save()
    response = client.get(MEMBERS_ONLY)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)
    assert "_auth_user_id" not in client.session
    assert "U was te lang ingelogd" in client.get(response.url).text


@pytest.fixture
def concept_rapportage(afspraak):
    return RapportageFactory(traject=afspraak.traject, jaar=2022)


def test_private_pages_are_not_cached(client, alice, staff, afspraak, concept_rapportage):
    client.force_login(alice)
    for url in [reverse("afspraken:list"), afspraak.get_absolute_url(), reverse("trajecten:list")]:
        assert "no-store" in client.get(url)["Cache-Control"], url
    client.force_login(staff)
    for url in [reverse("admin:index"), concept_rapportage.get_concept_url()]:
        assert "no-store" in client.get(url)["Cache-Control"], url


def test_public_pages_stay_cacheable(client, db):
    response = client.get(reverse("rapportages:list"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
