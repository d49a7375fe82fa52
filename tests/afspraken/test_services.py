import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from afspraken.models import Status, Voortgangsupdate
from afspraken.services import UpdateConflict, rapporteer_voortgang


def report(afspraak, user, **kwargs):
    defaults = {
        "status": Status.OP_SCHEMA,
        "peildatum": datetime.date(2024, 3, 1),
        "tekst": "Gestart.",
        "partij": afspraak.regiehouder,
        "last_seen": None,
    }
    return rapporteer_voortgang(afspraak=afspraak, user=user, **{**defaults, **kwargs})


def test_report_is_added_with_author_and_party(afspraak, alice, nhg):
    update = report(afspraak, alice)
    assert update.auteur == alice
    assert update.partij == nhg


def test_outsider_cannot_report_even_when_calling_the_service(afspraak, charlie):
    with pytest.raises(PermissionDenied):
        report(afspraak, charlie, partij=None)
    assert not Voortgangsupdate.objects.exists()


def test_party_must_take_part_in_the_agreement(afspraak, staff, zn):
    with pytest.raises(ValidationError, match="Kies een partij die bij deze verbeterafspraak"):
        report(afspraak, staff, partij=zn)
    assert not afspraak.voortgangsupdates.exists()


def test_a_member_reports_only_for_their_own_party(afspraak, alice, niv):
    with pytest.raises(PermissionDenied):
        report(afspraak, alice, partij=niv)
    assert not afspraak.voortgangsupdates.exists()


def test_report_crossing_another_is_refused(afspraak, alice, bob):
    first = report(afspraak, bob)
    with pytest.raises(UpdateConflict) as conflict:
        report(afspraak, alice)
    assert conflict.value.newer_updates == [first]
    report(afspraak, alice, last_seen=first.pk)
    assert afspraak.voortgangsupdates.count() == 2


def test_delay_without_explanation_is_refused_by_the_model(afspraak, alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        report(afspraak, alice, status=Status.VERTRAAGD, verwachte_datum=None)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no row locks to race against"
)
@pytest.mark.django_db(transaction=True)
def test_two_reports_at_the_same_moment_never_both_pass_unseen(afspraak, alice, bob):
    """Both start from an empty timeline at once: one gets in, the other is told."""
    barrier = threading.Barrier(2)
    results = {}

    def send(user):
        try:
            barrier.wait()
            results[user.username] = report(afspraak, user, tekst=user.username)
        except UpdateConflict as conflict:
            results[user.username] = conflict
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(user,)) for user in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    outcomes = sorted(type(result).__name__ for result in results.values())
    assert outcomes == ["UpdateConflict", "Voortgangsupdate"]
    assert Voortgangsupdate.objects.count() == 1


# What the apps above hear of a status change.


@pytest.fixture
def heard():
    from afspraken.signals import status_gewijzigd

    calls = []

    def receiver(**kwargs):
        calls.append((kwargs["update"].status, kwargs["vorige_status"], kwargs["afspraak"]))

    status_gewijzigd.connect(receiver, dispatch_uid="test_heard")
    yield calls
    status_gewijzigd.disconnect(dispatch_uid="test_heard")


def test_a_new_status_is_a_change_a_text_only_update_is_not(afspraak, alice, heard):
    first = report(afspraak, alice)
    same = report(afspraak, alice, tekst="Nog steeds gestart.", last_seen=first.pk)
    report(afspraak, alice, status=Status.AFGEROND, last_seen=same.pk)
    assert [(status, vorige) for status, vorige, _ in heard] == [
        (Status.OP_SCHEMA, "geen"),
        (Status.AFGEROND, Status.OP_SCHEMA),
    ]
    assert heard[-1][2].huidige_status == Status.AFGEROND


def test_a_refused_update_is_no_change(afspraak, alice, heard):
    with pytest.raises(ValidationError):
        report(afspraak, alice, peildatum=datetime.date(2999, 1, 1))
    assert heard == []
