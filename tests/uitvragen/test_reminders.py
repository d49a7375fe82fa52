"""Reminders: a trigger run twice sends each person with something open exactly one mail,
and nobody with nothing open gets one."""

import datetime

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from afspraken.models import Status
from tests.factories import UserFactory
from uitvragen import services
from uitvragen.models import Herinnering, Werkitem

from .conftest import DEADLINE

WEEK_BEFORE = DEADLINE - datetime.timedelta(days=7)


@pytest.fixture
def zn_answered(uitvraag, charlie, zn):
    """ZN (charlie) has answered its only item: nothing open."""
    services.beantwoord_voortgang(
        werkitem=Werkitem.objects.get(uitvraag=uitvraag, partij=zn),
        user=charlie,
        status=Status.OP_SCHEMA,
        peildatum=datetime.date(2025, 10, 20),
        tekst="Loopt.",
        last_seen=None,
    )


def recipients(outbox):
    return sorted(address for mail in outbox for address in mail.to)


def test_the_trigger_run_twice_sends_one_mail_to_each_person_with_open_items(
    uitvraag, zn_answered, mailoutbox, settings
):
    settings.UITVRAAG_HERINNEREN_DAGEN_VOOR = [7]
    call_command("herinner_uitvragen", datum=WEEK_BEFORE.isoformat())
    call_command("herinner_uitvragen", datum=WEEK_BEFORE.isoformat())
    assert recipients(mailoutbox) == ["alice@example.org", "bob@example.org"]
    mail = mailoutbox[0]
    assert mail.subject == "Herinnering: uitvraag voortgang 2025"
    assert "- Nederlands Huisartsen Genootschap: 2 vragen" in mail.body
    assert Herinnering.objects.count() == 2


def test_no_reminder_on_other_days(uitvraag, mailoutbox, settings):
    settings.UITVRAAG_HERINNEREN_DAGEN_VOOR = [7]
    settings.UITVRAAG_HERINNEREN_DAGEN_NA = [3]
    call_command("herinner_uitvragen", datum=(WEEK_BEFORE + datetime.timedelta(1)).isoformat())
    assert mailoutbox == []
    call_command("herinner_uitvragen", datum=(DEADLINE + datetime.timedelta(3)).isoformat())
    assert len(mailoutbox) == 3  # after the deadline too


def test_a_sent_back_item_counts_as_open(uitvraag, zn_answered, staff, zn, mailoutbox):
    werkitem = Werkitem.objects.get(uitvraag=uitvraag, partij=zn)
    services.stuur_terug(werkitem=werkitem, user=staff, opmerking="Welke regio's?")
    services.verstuur_herinneringen(uitvraag=uitvraag, on=WEEK_BEFORE)
    assert "charlie@example.org" in recipients(mailoutbox)


def test_by_hand_and_by_cron_on_one_day_still_one_mail(uitvraag, staff, mailoutbox, settings):
    settings.UITVRAAG_HERINNEREN_DAGEN_VOOR = [7]
    assert (
        services.verstuur_herinneringen(uitvraag=uitvraag, on=WEEK_BEFORE, handmatig_door=staff)
        == 3
    )
    call_command("herinner_uitvragen", datum=WEEK_BEFORE.isoformat())
    assert len(mailoutbox) == 3
    assert Herinnering.objects.filter(handmatig_door=staff).count() == 3


def test_inactive_members_and_members_without_address_are_skipped(
    uitvraag, nhg, alice, bob, mailoutbox
):
    alice.is_active = False
    alice.save()
    bob.email = ""
    bob.save()
    services.verstuur_herinneringen(uitvraag=uitvraag, on=WEEK_BEFORE)
    assert recipients(mailoutbox) == ["charlie@example.org"]


def test_a_closed_round_reminds_nobody(uitvraag, staff, mailoutbox):
    services.sluit_uitvraag(uitvraag=uitvraag, user=staff)
    assert services.verstuur_herinneringen(uitvraag=uitvraag, on=WEEK_BEFORE) == 0
    assert mailoutbox == []


def test_one_reminder_per_person_per_day_is_a_constraint(uitvraag, alice):
    Herinnering.objects.create(user=alice, datum=WEEK_BEFORE, uitvraag=uitvraag)
    with pytest.raises(IntegrityError):
        Herinnering.objects.create(user=alice, datum=WEEK_BEFORE, uitvraag=uitvraag)


def test_the_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="JJJJ-MM-DD"):
        call_command("herinner_uitvragen", datum="morgen")


def test_someone_with_nothing_open_gets_nothing_even_when_queued(uitvraag, zn, mailoutbox):
    """The job reads what is open when it runs."""
    dave = UserFactory(username="dave")
    from uitvragen.tasks import mail_herinneringen

    mail_herinneringen.call(uitvraag.pk, [dave.pk])
    assert mailoutbox == []
