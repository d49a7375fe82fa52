"""A follow mail goes exactly once per change, through the background work, and not at all
after the follow stopped; what it says never shows a status to someone who may not see it."""

import datetime
import email.policy
import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from afspraken.models import Status
from rapportages.models import GepubliceerdeStand, Rapportage
from rapportages.services import publiceer_rapportage
from tests.factories import EditieFactory, RapportageFactory, TrajectFactory, UserFactory
from volgen import services
from volgen.models import Volg, Volgbericht
from volgen.tasks import mail_volgberichten

from .conftest import report

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def recipients(outbox):
    return sorted(address for mail in outbox for address in mail.to)


def unsubscribe_path(mail) -> str:
    return re.search(
        r"<http://[^/]+(/volgen/afmelden/[^>]+)>", mail.extra_headers["List-Unsubscribe"]
    )[1]


def test_a_status_change_mails_the_follower_once(alice_volgt, afspraak, bob, mailoutbox):
    report(afspraak, bob, status=Status.NIET_GESTART, peildatum=datetime.date(2024, 3, 1))

    [mail] = mailoutbox
    assert mail.to == ["alice@example.org"]
    assert mail.subject == "Status gewijzigd: 1. Voorkom onnodige verwijzing"
    assert (
        "De status van verbeterafspraak 1. Voorkom onnodige verwijzing (Diepe veneuze trombose "
        "en longembolie) is gewijzigd van ‘Nog geen voortgang gemeld’ naar ‘Nog niet gestart’, "
        "per 1 maart 2024." in mail.body
    )
    assert f"Bekijk de afspraak: http://127.0.0.1:8000/afspraken/{afspraak.pk}/" in mail.body
    assert "Gestart." not in mail.body  # the update's text stays on the page
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_path(mail) in mail.body
    bericht = Volgbericht.objects.get()
    assert bericht.status == Volgbericht.Status.VERZONDEN
    assert list(bericht.volgen.all()) == [alice_volgt]


def test_the_unsubscribe_header_is_one_plain_line_whatever_its_length(
    alice_volgt, afspraak, bob, mailoutbox, settings
):
    settings.PORTAAL_URL = "https://portaal.zorginstituutnederland.example.nl/"
    report(afspraak, bob)
    [mail] = mailoutbox
    sent = mail.message(policy=email.policy.SMTP).as_bytes()
    url = mail.extra_headers["List-Unsubscribe"]
    assert len(url) > 100
    assert f"\r\nList-Unsubscribe: {url}\r\n".encode() in sent
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in sent
    assert max(len(line) for line in sent.split(b"\r\n") if b"afmelden" not in line) <= 78


def test_a_text_only_update_mails_nobody(alice_volgt, afspraak, bob, mailoutbox):
    first = report(afspraak, bob)
    report(afspraak, bob, tekst="Nog steeds gestart.", last_seen=first.pk)
    assert len(mailoutbox) == 1
    assert Volgbericht.objects.count() == 1


def test_the_trigger_run_twice_and_the_job_retried_send_nothing_twice(
    alice_volgt, afspraak, bob, mailoutbox
):
    update = report(afspraak, bob)
    assert (
        services.meld_statuswijziging(afspraak=afspraak, update=update, vorige_status="geen") == 0
    )
    ids = list(Volgbericht.objects.values_list("pk", flat=True))
    assert mail_volgberichten.call(ids) == 0
    assert len(mailoutbox) == 1
    assert Volgbericht.objects.count() == 1


def test_the_one_who_reported_it_is_not_told(alice_volgt, afspraak, alice, mailoutbox):
    report(afspraak, alice)
    assert mailoutbox == []


def test_a_trajectory_follower_hears_only_of_agreements_they_may_see(
    afspraak, zn_afspraak, dvt, alice, bob, charlie, staff, mailoutbox
):
    for user in (bob, charlie, staff):
        Volg.objects.create(user=user, traject=dvt)
    report(afspraak, alice)

    # Charlie (ZN) does not see NHG's agreement: his mail is dropped when it would go.
    assert recipients(mailoutbox) == ["bob@example.org", "redactie@example.org"]
    assert "omdat u het traject Diepe veneuze trombose en longembolie volgt" in mailoutbox[0].body
    assert Volgbericht.objects.get(user=charlie).status == Volgbericht.Status.VERVALLEN


def test_following_an_agreement_and_its_trajectory_is_still_one_mail(
    alice_volgt, afspraak, dvt, alice, bob, client, mailoutbox
):
    Volg.objects.create(user=alice, traject=dvt)
    report(afspraak, bob)

    [mail] = mailoutbox
    assert (
        "omdat u verbeterafspraak 1. Voorkom onnodige verwijzing (Diepe veneuze trombose en "
        "longembolie) en het traject Diepe veneuze trombose en longembolie volgt" in mail.body
    )
    # Its one click stops both: otherwise the next change would still reach her.
    client.post(unsubscribe_path(mail))
    assert not Volg.objects.exists()


def test_no_mail_to_an_inactive_account_or_one_without_address(
    alice_volgt, afspraak, alice, bob, mailoutbox
):
    alice.email = ""
    alice.save()
    report(afspraak, bob)
    assert mailoutbox == []
    assert Volgbericht.objects.get().status == Volgbericht.Status.VERVALLEN


# The queue: the job is put in it in the transaction of the change, and reads the follows when it
# runs.


def test_the_mail_is_queued_in_the_transaction_of_the_change(
    alice_volgt, afspraak, bob, settings, mailoutbox
):
    settings.TASKS = DATABASE_QUEUE

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        report(afspraak, bob)
        assert DBTaskResult.objects.count() == 1
        raise Undo
    assert not DBTaskResult.objects.exists()
    assert not Volgbericht.objects.exists()

    report(afspraak, bob)
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "volgen.tasks.mail_volgberichten"
    assert queued.args_kwargs["args"] == [list(Volgbericht.objects.values_list("pk", flat=True))]
    assert mailoutbox == []  # not in the request: the worker sends it

    queued.task.call(*queued.args_kwargs["args"])
    assert len(mailoutbox) == 1


def test_no_mail_after_the_one_click_unsubscribe_between_queue_and_send(
    alice_volgt, afspraak, bob, client, settings, mailoutbox
):
    settings.TASKS = DATABASE_QUEUE
    report(afspraak, bob)
    bericht = Volgbericht.objects.get()
    from volgen.tokens import afmeldtoken

    response = client.post(f"/volgen/afmelden/{afmeldtoken([alice_volgt.pk])}/")
    assert response.status_code == 200

    assert mail_volgberichten.call([bericht.pk]) == 0
    assert mailoutbox == []
    bericht.refresh_from_db()
    assert bericht.status == Volgbericht.Status.VERVALLEN


def test_no_mail_after_unsubscribing_for_the_next_change(
    alice_volgt, afspraak, bob, client, mailoutbox
):
    first = report(afspraak, bob)
    client.post(unsubscribe_path(mailoutbox[0]))
    report(afspraak, bob, status=Status.AFGEROND, last_seen=first.pk)
    assert len(mailoutbox) == 1


# Reports.


@pytest.fixture
def editie(dvt, afspraak, zn_afspraak, staff):
    """An edition showing both agreements of `dvt`, stored as publishing stores it."""
    editie = EditieFactory(
        rapportage=RapportageFactory(traject=dvt, jaar=2022, titel="Voortgang DVT 2022"),
        published_by=staff,
    )
    for nummer, (afspraak_, status) in enumerate(
        [(afspraak, Status.OP_SCHEMA), (zn_afspraak, Status.VERTRAAGD)], start=1
    ):
        GepubliceerdeStand.objects.create(
            editie=editie,
            verbeterafspraak=afspraak_,
            traject=dvt,
            peildatum=editie.peildatum,
            published_at=editie.published_at,
            nummer=nummer,
            titel=afspraak_.titel,
            thema="Diagnostiek",
            regiehouder=afspraak_.regiehouder.afkorting,
            partijen=afspraak_.regiehouder.afkorting,
            status=status,
        )
    return editie


def test_an_edition_mails_each_follower_of_what_it_shows_once(
    editie, afspraak, zn_afspraak, dvt, alice, bob, charlie, mailoutbox
):
    Volg.objects.create(user=alice, verbeterafspraak=afspraak)
    Volg.objects.create(user=alice, traject=dvt)
    Volg.objects.create(user=charlie, verbeterafspraak=zn_afspraak)
    # Dave follows a trajectory the edition does not show.
    Volg.objects.create(
        user=UserFactory(username="dave"), traject=TrajectFactory(naam="Artrose", slug="artrose")
    )

    assert services.meld_editie(editie=editie) == 2
    assert services.meld_editie(editie=editie) == 0  # a second trigger tells nobody again

    assert recipients(mailoutbox) == ["alice@example.org", "charlie@example.org"]
    mail = next(mail for mail in mailoutbox if mail.to == ["alice@example.org"])
    assert mail.subject == "Rapportage gepubliceerd: Voortgang DVT 2022"
    assert (
        "- verbeterafspraak 1. Voorkom onnodige verwijzing (Diepe veneuze trombose en "
        "longembolie): loopt volgens planning" in mail.body
    )
    assert "- het traject Diepe veneuze trombose en longembolie\n" in mail.body
    assert f"Lees de rapportage: http://127.0.0.1:8000{editie.get_absolute_url()}" in mail.body
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_an_edition_that_does_not_show_it_tells_nobody(editie, alice, mailoutbox):
    other = RapportageFactory(soort=Rapportage.Soort.IMPLEMENTATIE, traject=None, jaar=2023)
    elsewhere = EditieFactory(rapportage=other, published_by=editie.published_by)
    Volg.objects.create(user=alice, traject=editie.rapportage.traject)
    assert services.meld_editie(editie=elsewhere) == 0
    assert mailoutbox == []


def test_publishing_a_report_mails_the_followers_once(dvt, afspraak, alice, bob, staff, mailoutbox):
    report(afspraak, alice, peildatum=datetime.date(2022, 10, 1))
    Volg.objects.create(user=bob, verbeterafspraak=afspraak)
    rapportage = RapportageFactory(
        traject=dvt,
        jaar=2022,
        titel="Eerste voortgangsrapportage DVT",
        peildatum=datetime.date(2022, 11, 1),
    )
    editie = publiceer_rapportage(rapportage=rapportage, user=staff)

    [mail] = mailoutbox
    assert mail.to == ["bob@example.org"]
    assert mail.subject == "Rapportage gepubliceerd: Eerste voortgangsrapportage DVT"
    assert Volgbericht.objects.get().editie == editie


def test_mails_left_waiting_by_a_failed_job_go_with_the_next_cron_run(
    alice_volgt, afspraak, bob, settings, mailoutbox
):
    settings.TASKS = DATABASE_QUEUE
    report(afspraak, bob)  # queued; the job is then lost, as when a worker died
    DBTaskResult.objects.all().delete()
    [bericht] = Volgbericht.objects.all()
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

    call_command("verstuur_volgberichten", stdout=io.StringIO())  # too recent: left alone
    assert mailoutbox == []
    Volgbericht.objects.filter(pk=bericht.pk).update(
        created_at=bericht.created_at - datetime.timedelta(minutes=20)
    )
    out = io.StringIO()
    call_command("verstuur_volgberichten", stdout=out)
    assert "1 wachtend volgbericht opnieuw in de wachtrij gezet." in out.getvalue()
    assert recipients(mailoutbox) == ["alice@example.org"]
    call_command("verstuur_volgberichten", stdout=io.StringIO())  # a second run: nothing twice
    assert len(mailoutbox) == 1
    bericht.refresh_from_db()
    assert bericht.status == Volgbericht.Status.VERZONDEN
