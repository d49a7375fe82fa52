"""The idle timeout without a write per request (portal/core/sessions.py).

A session expires SESSION_COOKIE_AGE seconds after it was last saved. It is no longer saved on
every request: `refresh_idle_expiry` saves it when its last save is a minute or more ago, so a
session in use lives on, an idle one expires, and a second request within the minute writes
nothing.
"""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from portal.core.sessions import REFRESH_SECONDS, REFRESHED_AT_SESSION_KEY

LIST_URL = reverse("afspraken:list")
LOGIN_URL = reverse("login")


class Statements:
    """The SQL statements run while it is in use, as an execute wrapper."""

    def __init__(self):
        self.sql = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)

    def session_writes(self):
        return [
            sql
            for sql in self.sql
            if "django_session" in sql and not sql.lstrip().upper().startswith("SELECT")
        ]


def session_row(client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def last_saved(client, seconds_ago: int, expires_in: datetime.timedelta) -> None:
    """Make the client's session look as if it was last saved `seconds_ago`, expiring then."""
    session = client.session
    session[REFRESHED_AT_SESSION_KEY] = int(timezone.now().timestamp()) - seconds_ago
    session.save()
    Session.objects.filter(pk=session.session_key).update(expire_date=timezone.now() + expires_in)


def test_requests_within_the_minute_write_nothing(client, alice, afspraak):
    client.force_login(alice)  # logging in saved the session: its idle time starts there
    before = session_row(client)
    for _ in range(2):
        statements = Statements()
        with connection.execute_wrapper(statements):
            response = client.get(LIST_URL)
        assert response.status_code == 200
        assert statements.session_writes() == []
        assert settings.SESSION_COOKIE_NAME not in response.cookies  # no new cookie either
    after = session_row(client)
    assert (after.expire_date, after.session_data) == (before.expire_date, before.session_data)


@pytest.mark.parametrize(("seconds_ago", "refreshed"), [(REFRESH_SECONDS - 5, False), (90, True)])
def test_the_expiry_moves_forward_at_most_once_a_minute(
    client, alice, afspraak, seconds_ago, refreshed
):
    client.force_login(alice)
    last_saved(client, seconds_ago, datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE))
    before = session_row(client).expire_date
    statements = Statements()
    with connection.execute_wrapper(statements):
        response = client.get(LIST_URL)
    assert response.status_code == 200
    assert bool(statements.session_writes()) == refreshed
    assert (session_row(client).expire_date > before) == refreshed
    assert (settings.SESSION_COOKIE_NAME in response.cookies) == refreshed


def test_a_session_in_use_is_kept_alive(client, alice, afspraak):
    """Last saved 29 minutes ago, a minute left: a request gives it the whole idle time again,
    in the database and in the browser's cookie."""
    client.force_login(alice)
    last_saved(client, settings.SESSION_COOKIE_AGE - 60, datetime.timedelta(seconds=60))
    response = client.get(LIST_URL)
    assert response.status_code == 200
    remaining = session_row(client).expire_date - timezone.now()
    assert remaining > datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 10)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE
    assert client.get(LIST_URL).status_code == 200


def test_an_idle_session_expires(client, alice, afspraak):
    """Refreshed recently by its own clock, but its expiry has passed: logged out."""
    client.force_login(alice)
    last_saved(client, 10, datetime.timedelta(seconds=-1))
    response = client.get(reverse("uitvragen:werklijst"))  # for members only
    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)


def test_a_time_in_the_future_counts_as_due(client, alice, afspraak):
    client.force_login(alice)
    last_saved(client, -3600, datetime.timedelta(seconds=60))  # a clock that was set back
    client.get(LIST_URL)
    remaining = session_row(client).expire_date - timezone.now()
    assert remaining > datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 10)


def test_logging_in_marks_the_session_refreshed(client, alice):
    alice.set_password("juist-wachtwoord-42")
    alice.save()
    response = client.post(
        LOGIN_URL, {"username": "alice", "password": "juist-wachtwoord-42"}, REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code == 302
    assert REFRESHED_AT_SESSION_KEY in client.session
    statements = Statements()
    with connection.execute_wrapper(statements):
        start = client.get(response.url)  # /start/, which sends alice on
        assert client.get(start.url).status_code == 200
    assert statements.session_writes() == []


def test_visitors_get_no_session(client, db):
    response = client.get(reverse("rapportages:list"))
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()


def test_logging_out_leaves_no_session(client, alice, afspraak):
    client.force_login(alice)
    client.get(LIST_URL)
    response = client.post(reverse("logout"))
    assert response.status_code == 200
    assert not Session.objects.exists()
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""
