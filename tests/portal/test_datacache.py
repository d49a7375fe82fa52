"""Kept parts of pages (portal/core/datacache.py): every way data changes moves the data
version, so a kept list or trajectory page is never served after a change; and what is kept
for one party, or for an editor, is never shown to another."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.urls import reverse

from afspraken.models import Indicator, Lidmaatschap, Status, Verbeterafspraak, Voortgangsupdate
from portal.core import datacache
from portal.models import PasswordResetRequest
from tests.factories import (
    IndicatorFactory,
    PartijFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)
from tests.trajecten.test_indicator_views import below_the_follow_button
from trajecten.models import Traject

LIST_URL = reverse("afspraken:list")

pytestmark = pytest.mark.django_db


def test_every_table_of_a_model_has_the_trigger_but_the_unwatched_ones():
    watched = set(datacache.watched_tables())
    with_trigger = datacache.tables_with_trigger()
    assert watched <= with_trigger, watched - with_trigger
    for table in (
        "afspraken_verbeterafspraak",
        "afspraken_verbeterafspraak_betrokken_partijen",
        "afspraken_voortgangsupdate",
        "trajecten_traject",
        "rapportages_editie",
        "uitvragen_werkitem",
        "auth_user",
    ):
        assert table in with_trigger
    for table in ("django_session", "axes_accessattempt", "django_admin_log"):
        assert table not in with_trigger


def test_install_is_repeatable():
    before = datacache.tables_with_trigger()
    datacache.install()
    datacache.install()
    assert datacache.tables_with_trigger() == before


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda a: a.save(), id="save"),
        pytest.param(
            lambda a: Verbeterafspraak.objects.filter(pk=a.pk).update(titel="Anders"),
            id="queryset-update",
        ),
        pytest.param(lambda a: a.betrokken_partijen.add(PartijFactory()), id="many-to-many"),
        pytest.param(lambda a: VoortgangsupdateFactory(verbeterafspraak=a), id="create"),
        pytest.param(
            lambda a: Voortgangsupdate.objects.bulk_create(
                [
                    Voortgangsupdate(
                        verbeterafspraak=a,
                        status=Status.OP_SCHEMA,
                        peildatum=datetime.date(2024, 1, 1),
                        tekst="In bulk",
                    )
                ]
            ),
            id="bulk-create",
        ),
        pytest.param(lambda a: a.delete(), id="delete"),
        pytest.param(
            lambda a: connection.cursor().execute(
                "UPDATE afspraken_verbeterafspraak SET titel = 'Rauw' WHERE id = %s", [a.pk]
            ),
            id="raw-sql",
        ),
    ],
)
def test_every_way_of_changing_data_moves_the_version(change):
    afspraak = VerbeterafspraakFactory()
    before = datacache.data_version()
    change(afspraak)
    assert datacache.data_version() != before


def test_a_login_a_session_write_or_a_read_leaves_the_version(client, alice):
    before = datacache.data_version()
    client.force_login(alice)  # writes the session and the user's last_login
    Session.objects.update(expire_date=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC))
    list(Verbeterafspraak.objects.all())
    assert datacache.data_version() == before
    alice.first_name = "Alice"
    alice.save()  # any other change of the user does move it
    assert datacache.data_version() != before


def test_a_change_rolled_back_leaves_the_version():
    afspraak = VerbeterafspraakFactory()
    before = datacache.data_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Verbeterafspraak.objects.filter(pk=afspraak.pk).update(titel="Teruggedraaid")
        assert datacache.data_version() != before  # the transaction sees its own change
        raise RuntimeError
    assert datacache.data_version() == before
    # The next change moves it again, also after the flag of the rolled-back savepoint.
    Verbeterafspraak.objects.filter(pk=afspraak.pk).update(titel="Nu wel")
    assert datacache.data_version() != before


def test_the_list_shows_a_change_made_behind_the_models_back(client, alice, nhg):
    afspraak = VerbeterafspraakFactory(regiehouder=nhg, titel="Oude titel")
    client.force_login(alice)
    assert "Oude titel" in client.get(LIST_URL).text
    assert "Oude titel" in client.get(LIST_URL).text  # kept
    Verbeterafspraak.objects.filter(pk=afspraak.pk).update(titel="Nieuwe titel")
    text = client.get(LIST_URL).text
    assert "Nieuwe titel" in text and "Oude titel" not in text


def test_the_trajectory_page_shows_a_new_update(client, alice, nhg):
    afspraak = VerbeterafspraakFactory(regiehouder=nhg)
    url = afspraak.traject.get_absolute_url()
    client.force_login(alice)
    client.get(url)
    VoortgangsupdateFactory(verbeterafspraak=afspraak, tekst="Een nieuwe stand van zaken")
    assert "Een nieuwe stand van zaken" in client.get(url).text


def test_a_kept_list_is_never_another_partys(client, alice, charlie, nhg, zn):
    """alice (NHG) and charlie (ZN) ask the same address; each sees only their own
    agreements, and charlie sees NHG's once he becomes a member of NHG too."""
    VerbeterafspraakFactory(regiehouder=nhg, titel="Van het NHG")
    VerbeterafspraakFactory(regiehouder=zn, titel="Van ZN")
    client.force_login(alice)
    assert "Van het NHG" in client.get(LIST_URL).text
    client.force_login(charlie)
    text = client.get(LIST_URL).text
    assert "Van ZN" in text and "Van het NHG" not in text
    Lidmaatschap.objects.create(user=charlie, partij=nhg)
    assert "Van het NHG" in client.get(LIST_URL).text


def test_colleagues_share_what_was_kept(client, alice, bob, nhg, django_assert_num_queries):
    VerbeterafspraakFactory(regiehouder=nhg, titel="Van het NHG")
    client.force_login(alice)
    client.get(LIST_URL)
    client.force_login(bob)
    # Session, user, parties, data version, the kept list: nothing rendered for bob.
    with django_assert_num_queries(5):
        assert "Van het NHG" in client.get(LIST_URL).text


def test_an_editors_list_is_not_a_members(client, alice, staff, nhg, niv):
    VerbeterafspraakFactory(regiehouder=niv, titel="Van de NIV")
    client.force_login(staff)
    assert "Van de NIV" in client.get(LIST_URL).text
    client.force_login(alice)
    assert "Van de NIV" not in client.get(LIST_URL).text


def test_the_key_holds_the_date_the_code_and_the_parts(monkeypatch):
    key = datacache.fragment_key("lijst", "v1", (1, [2]))
    assert key == datacache.fragment_key("lijst", "v1", (1, [2]))
    assert key != datacache.fragment_key("lijst", "v2", (1, [2]))
    assert key != datacache.fragment_key("lijst", "v1", (1, [3]))
    assert key != datacache.fragment_key("pagina", "v1", (1, [2]))
    assert datacache.code_version() in key
    monkeypatch.setattr(
        datacache.timezone, "localdate", lambda: datetime.date(2099, 1, 1), raising=True
    )
    assert key != datacache.fragment_key("lijst", "v1", (1, [2]))


def test_a_write_after_the_version_was_read_moves_it_again():
    """One transaction: a change, a page rendered and kept under the version, another change.
    The second change must move the version too, or the kept page would outlive it."""
    afspraak = VerbeterafspraakFactory()
    with transaction.atomic():
        Verbeterafspraak.objects.filter(pk=afspraak.pk).update(titel="Eerste")
        read = datacache.data_version()
        Verbeterafspraak.objects.filter(pk=afspraak.pk).update(titel="Tweede")
        assert datacache.data_version() != read


def test_a_job_heartbeat_or_a_reset_request_leaves_the_version():
    """Background jobs beat every few seconds and visitors ask for password resets; no kept
    page shows either, so neither drops the kept pages."""
    assert "rapportages_opdracht" not in datacache.watched_tables()
    before = datacache.data_version()
    PasswordResetRequest.objects.create(email="iemand@example.nl", ip_address="127.0.0.1")
    assert datacache.data_version() == before


def test_migrate_moves_the_version_and_makes_the_cache_table():
    """What a migration did may have gone past the triggers (SQLite remakes tables without
    them), so after it nothing kept counts; and the cache table is made if it is missing."""
    before = datacache.data_version()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {datacache.FRAGMENT_TABLE}")
    datacache.install()
    assert datacache.data_version() != before
    assert datacache.FRAGMENT_TABLE in connection.introspection.table_names()


def changed_right_after_the_version_is_read(monkeypatch, change):
    """As if another request committed `change` between this request's reading of the data
    version and of the data."""
    read = datacache.data_version

    def data_version(*args, **kwargs):
        version = read(*args, **kwargs)
        change()
        return version

    monkeypatch.setattr(datacache, "data_version", data_version)


def test_the_kept_part_reads_the_data_after_the_version(client, alice, nhg, monkeypatch):
    afspraak = VerbeterafspraakFactory(regiehouder=nhg)
    traject = afspraak.traject
    client.force_login(alice)
    changed_right_after_the_version_is_read(
        monkeypatch,
        lambda: Traject.objects.filter(pk=traject.pk).update(omschrijving="Net gewijzigd."),
    )
    assert "Net gewijzigd." in client.get(traject.get_absolute_url()).text


def test_forms_that_appear_while_rendering_are_not_kept(client, alice, dvt, nhg, zn, monkeypatch):
    """alice's party becomes the deliverer of the trajectory's figure just as her page is
    being kept: her page gets the form (with her CSRF token), and nothing is kept."""
    indicator = IndicatorFactory(verbeterafspraak=None, traject=dvt, leverancier=zn)
    client.force_login(alice)
    changed_right_after_the_version_is_read(
        monkeypatch,
        lambda: Indicator.objects.filter(pk=indicator.pk).update(leverancier=nhg),
    )
    kept = kept_parts()
    response = client.get(dvt.get_absolute_url())
    assert f'value="{response.context["csrf_token"]}"' in below_the_follow_button(response)
    assert "voortgang.js" in response.text
    assert kept_parts() == kept


def kept_parts() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {datacache.FRAGMENT_TABLE}")
        return cursor.fetchone()[0]


def test_a_query_with_parameters_of_no_use_is_not_kept(client, alice, nhg):
    VerbeterafspraakFactory(regiehouder=nhg, titel="Van het NHG")
    client.force_login(alice)
    kept = kept_parts()
    for n in range(3):
        assert "Van het NHG" in client.get(LIST_URL, {"onzin": n}).text
    assert kept_parts() == kept
    client.get(LIST_URL, {"status": "op_schema"})
    assert kept_parts() == kept + 1
