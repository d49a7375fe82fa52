"""Least privilege for the two staff roles: no one hands out a right they do not hold."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.groups import BEHEER_GROEP, REDACTIE_GROEP, ensure_beheergroep, ensure_redactiegroep
from portal.mfa import new_recovery_codes
from tests.adminforms import post_data
from tests.factories import UserFactory
from tests.mfa import authenticator_app

pytestmark = pytest.mark.django_db


def change_url(user):
    return reverse("admin:auth_user_change", args=[user.pk])


def password_url(user):
    return reverse("admin:auth_user_password_change", args=[user.pk])


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def snapshot(user) -> dict:
    user.refresh_from_db()
    return {
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "password": user.password,
        "first_name": user.first_name,
        "groups": set(user.groups.values_list("name", flat=True)),
        "permissions": set(user.user_permissions.all()),
    }


def escalation(user, **changes) -> dict:
    """The whole change form of an account, as someone would post it to take more rights."""
    data = {
        "username": user.username,
        "first_name": "Gewijzigd",
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "01-01-2024",
        "date_joined_1": "12:00:00",
    }
    data.update(changes)
    return data


def test_the_roles_hold_what_their_work_needs():
    redactie = set(ensure_redactiegroep().permissions.all())
    beheer = set(ensure_beheergroep().permissions.all())
    assert permission("afspraken.change_verbeterafspraak") in redactie
    assert permission("afspraken.change_lidmaatschap") in redactie
    assert permission("rapportages.add_editie") in redactie
    assert permission("afspraken.view_historicalverbeterafspraak") in redactie
    assert permission("auth.view_user") in redactie
    for name in [
        "auth.add_user",
        "auth.change_user",
        "auth.change_group",
        "afspraken.change_voortgangsupdate",
        "rapportages.delete_editie",
        "afspraken.change_historicalverbeterafspraak",
        "axes.view_accessattempt",
    ]:
        assert permission(name) not in redactie, name

    for name in [
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
        "trajecten.view_historicaltraject",
    ]:
        assert permission(name) in beheer, name
    for name in [
        "auth.delete_user",
        "auth.change_group",
        "auth.change_permission",
        "trajecten.change_traject",
        "afspraken.view_verbeterafspraak",
        "axes.change_accessattempt",
    ]:
        assert permission(name) not in beheer, name


def test_the_editor_sees_accounts_but_changes_none(client, staff, alice):
    client.force_login(staff)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    response = client.get(change_url(alice))
    assert response.status_code == 200
    assert 'name="_save"' not in response.text
    assert client.get(reverse("admin:auth_user_add")).status_code == 403


@pytest.mark.parametrize(
    "changes",
    [
        {"is_superuser": "on"},
        {"is_staff": "on"},
        {"groups": "beheer"},
        {"groups": "redactie"},
        {"user_permissions": "auth.change_user"},
    ],
    ids=["superuser", "staff", "beheer", "redactie", "permission"],
)
@pytest.mark.parametrize("whose", ["own", "member"])
def test_an_editor_cannot_raise_rights(client, staff, alice, changes, whose):
    ensure_beheergroep()
    account = staff if whose == "own" else alice
    before = snapshot(account)
    client.force_login(staff)
    value = next(iter(changes.values()))
    if value == "beheer":
        changes = {"groups": Group.objects.get(name=BEHEER_GROEP).pk}
    elif value == "redactie":
        changes = {"groups": Group.objects.get(name=REDACTIE_GROEP).pk}
    elif "." in value:
        changes = {"user_permissions": permission(value).pk}
    response = client.post(change_url(account), escalation(account, **changes))
    assert response.status_code == 403
    assert snapshot(account) == before


def test_an_editor_cannot_set_a_password(client, staff, alice):
    before = snapshot(alice)
    client.force_login(staff)
    assert client.get(password_url(alice)).status_code == 403
    response = client.post(
        password_url(alice),
        {"password1": "overgenomen-42", "password2": "overgenomen-42", "usable_password": "true"},
    )
    assert response.status_code == 403
    assert snapshot(alice) == before


def test_an_editor_cannot_add_an_account(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("admin:auth_user_add"),
        {"username": "nieuw", "password1": "lang-wachtwoord-42", "password2": "lang-wachtwoord-42"},
    )
    assert response.status_code == 403
    assert not type(staff).objects.filter(username="nieuw").exists()


def test_the_account_administrator_changes_a_members_account(client, beheerder, alice):
    client.force_login(beheerder)
    data = post_data(client.get(change_url(alice)))
    data.update(first_name="Alice", is_staff="on")
    response = client.post(change_url(alice), data)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.first_name, alice.is_staff, alice.is_superuser) == ("Alice", True, False)


def test_the_account_administrator_sets_a_members_password(client, beheerder, alice):
    client.force_login(beheerder)
    response = client.post(
        password_url(alice),
        {"password1": "nieuw-wachtwoord-42", "password2": "nieuw-wachtwoord-42"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("nieuw-wachtwoord-42")


def test_the_account_administrator_adds_an_account(client, beheerder):
    client.force_login(beheerder)
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "nieuw",
            "email": "nieuw@example.org",
            "usable_password": "true",
            "password1": "lang-wachtwoord-42",
            "password2": "lang-wachtwoord-42",
        },
    )
    assert response.status_code == 302
    new = type(beheerder).objects.get(username="nieuw")
    assert new.email == "nieuw@example.org"
    assert not (new.is_staff or new.is_superuser or new.groups.exists())


def test_a_new_account_needs_an_email_address(client, beheerder):
    """Its owner sets a password through a mailed link; the "+" beside a party's member opens
    this same form."""
    client.force_login(beheerder)
    response = client.post(
        reverse("admin:auth_user_add") + "?_popup=1",
        {"username": "nieuw", "usable_password": "false", "_popup": "1"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == ["Dit veld is verplicht."]
    assert not type(beheerder).objects.filter(username="nieuw").exists()


def send_password_mail(client, *accounts):
    return client.post(
        reverse("admin:auth_user_changelist"),
        {
            "action": "send_password_mail",
            "_selected_action": [account.pk for account in accounts],
        },
        follow=True,
    )


def test_the_account_administrator_mails_a_member_a_link_to_set_a_password(
    client, beheerder, alice, mailoutbox
):
    """The mail is background work (run at once in tests); its link is Django's password
    reset, so the same pages set the password."""
    zonder = UserFactory(username="zonder", email="")
    client.force_login(beheerder)
    response = send_password_mail(client, alice, zonder)
    assert "Een mail om een wachtwoord in te stellen gaat naar: alice." in response.text
    assert "Geen mail naar zonder: geen e-mailadres, of het account is niet actief." in (
        response.text
    )
    [mail] = mailoutbox
    assert mail.to == ["alice@example.org"]
    assert mail.subject == "Stel uw wachtwoord in voor het Passende zorg portaal"
    assert "Uw gebruikersnaam is: alice" in mail.body
    assert "De link werkt 24 uur en één keer." in mail.body

    client.logout()
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.body).group(1)
    response = client.get(link, follow=True)
    assert "Nieuw wachtwoord kiezen" in response.text
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "eigen-lang-wachtwoord-7", "new_password2": "eigen-lang-wachtwoord-7"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("eigen-lang-wachtwoord-7")


def test_no_password_mail_for_an_account_one_may_not_change(
    client, beheerder, superuser, staff, mailoutbox
):
    client.force_login(beheerder)
    response = send_password_mail(client, superuser)
    assert "1 account(s) mag u niet wijzigen; die krijgen geen mail." in response.text
    assert mailoutbox == []
    # Editors only see accounts: the action is not theirs.
    client.force_login(staff)
    response = client.get(reverse("admin:auth_user_changelist"))
    assert "send_password_mail" not in response.text


def test_posting_superuser_status_changes_nothing_for_an_administrator(client, beheerder, alice):
    client.force_login(beheerder)
    for account in [alice, beheerder]:
        data = post_data(client.get(change_url(account)))
        assert "is_superuser" not in data
        data["is_superuser"] = "on"
        assert client.post(change_url(account), data).status_code == 302
        account.refresh_from_db()
        assert not account.is_superuser


@pytest.mark.parametrize(
    ("whose", "role"),
    [("member", BEHEER_GROEP), ("member", REDACTIE_GROEP), ("own", REDACTIE_GROEP)],
)
def test_the_account_administrator_cannot_give_a_role(client, beheerder, alice, whose, role):
    """Not the administrators' role (only a superuser makes one), nor the editors', whose
    rights an administrator does not hold."""
    ensure_redactiegroep()
    account = beheerder if whose == "own" else alice
    client.force_login(beheerder)
    before = snapshot(account)
    data = post_data(client.get(change_url(account)))
    data["groups"] = [*data.get("groups", []), str(Group.objects.get(name=role).pk)]
    response = client.post(change_url(account), data)
    assert response.status_code == 200
    assert f"U mag de rol ‘{role}’ niet toekennen of intrekken." in response.text
    assert snapshot(account) == before


def test_the_account_administrator_cannot_take_a_role_away(client, beheerder, staff):
    client.force_login(beheerder)
    data = post_data(client.get(change_url(staff)))
    data["groups"] = []
    response = client.post(change_url(staff), data)
    assert f"U mag de rol ‘{REDACTIE_GROEP}’ niet toekennen of intrekken." in response.text
    assert staff.groups.filter(name=REDACTIE_GROEP).exists()


def test_the_account_administrator_gives_only_permissions_they_hold(client, beheerder, alice):
    client.force_login(beheerder)
    data = post_data(client.get(change_url(alice)))
    data["user_permissions"] = [str(permission("trajecten.change_traject").pk)]
    response = client.post(change_url(alice), data)
    assert response.status_code == 200
    refused = permission("trajecten.change_traject")
    assert f"U mag het recht ‘{escape(refused)}’ niet toekennen of intrekken." in response.text
    assert not alice.user_permissions.exists()

    data["user_permissions"] = [str(permission("auth.view_user").pk)]
    assert client.post(change_url(alice), data).status_code == 302
    assert list(alice.user_permissions.all()) == [permission("auth.view_user")]


def test_the_account_administrator_cannot_change_a_superuser_or_another_administrator(
    client, beheerder, superuser
):
    other = UserFactory(username="beheerder2", is_staff=True)
    other.groups.add(ensure_beheergroep())
    client.force_login(beheerder)
    for account in [superuser, other]:
        before = snapshot(account)
        response = client.get(change_url(account))
        assert response.status_code == 200
        assert 'name="_save"' not in response.text
        data = escalation(account, is_staff="")
        assert client.post(change_url(account), data).status_code == 403
        response = client.post(
            password_url(account), {"password1": "overgenomen-42", "password2": "overgenomen-42"}
        )
        assert response.status_code == 403
        assert snapshot(account) == before


def test_no_one_sets_their_own_password_without_the_old_one(client, beheerder):
    client.force_login(beheerder)
    assert client.get(password_url(beheerder)).status_code == 403


def test_a_superuser_makes_an_account_administrator(client, superuser, alice):
    client.force_login(superuser)
    data = post_data(client.get(change_url(alice)))
    data.update(is_staff="on", is_superuser="on", groups=[str(ensure_beheergroep().pk)])
    assert client.post(change_url(alice), data).status_code == 302
    alice.refresh_from_db()
    assert alice.is_staff and alice.is_superuser
    assert list(alice.groups.values_list("name", flat=True)) == [BEHEER_GROEP]


def test_the_account_administrator_clears_a_lock_out(client, beheerder, staff):
    attempt = AccessAttempt.objects.create(
        username="alice",
        ip_address="192.0.2.10",
        user_agent="test",
        failures_since_start=5,
        attempt_time=timezone.now(),
    )
    client.force_login(staff)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
    client.force_login(beheerder)
    response = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 200
    assert "alice" in response.text
    response = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()


def test_the_account_administrator_reads_the_audit_trail_but_no_content(client, beheerder):
    client.force_login(beheerder)
    assert client.get(reverse("admin:trajecten_historicaltraject_changelist")).status_code == 200
    assert client.get(reverse("admin:trajecten_traject_changelist")).status_code == 403


def test_the_account_administrator_resets_a_lost_second_factor(client, beheerder, staff, superuser):
    for account in [staff, superuser]:
        authenticator_app(account)
        new_recovery_codes(account)
    client.force_login(beheerder)
    # The administrator's own app, from logging in.
    assert TOTPDevice.objects.filter(user=beheerder).exists()
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [staff.pk, superuser.pk]},
        follow=True,
    )
    assert "1 account(s) mag u niet wijzigen" in response.text
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert not StaticDevice.objects.filter(user=staff).exists()
    assert TOTPDevice.objects.filter(user=superuser).exists()


def test_the_account_page_tells_whether_a_second_factor_is_set_up(client, beheerder, staff):
    client.force_login(beheerder)
    assert "Niet ingesteld: nodig bij de volgende inlog" in client.get(change_url(staff)).text
    authenticator_app(staff)
    new_recovery_codes(staff)
    response = client.get(change_url(staff))
    assert "Authenticator-app, ingesteld op" in response.text
    assert "nog 10 ongebruikte herstelcodes" in response.text


def test_no_admin_shows_second_factor_secrets(client, superuser):
    client.force_login(superuser)
    index = client.get(reverse("admin:index")).text
    assert "otp_totp" not in index
    assert "otp_static" not in index


def test_change_user_outside_the_roles_grants_no_staff_superuser_or_password(client, alice):
    """Should someone be given `change_user` by hand, the page still refuses what it gives
    Django's own user admin: staff status, superuser status, another's password."""
    editor = UserFactory(username="los", is_staff=True)
    editor.user_permissions.add(permission("auth.view_user"), permission("auth.change_user"))
    client.force_login(editor)
    data = post_data(client.get(change_url(alice)))
    assert "is_staff" not in data and "is_superuser" not in data
    data.update(first_name="Alice", is_staff="on", is_superuser="on")
    assert client.post(change_url(alice), data).status_code == 302
    alice.refresh_from_db()
    assert (alice.first_name, alice.is_staff, alice.is_superuser) == ("Alice", False, False)
    response = client.post(
        password_url(alice), {"password1": "overgenomen-42", "password2": "overgenomen-42"}
    )
    assert response.status_code == 403
    # Nor may they change other staff.
    other = UserFactory(username="collega", is_staff=True)
    assert client.post(change_url(other), escalation(other)).status_code == 403
