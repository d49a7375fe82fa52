"""Hoor en wederhoor's rules: staff open the window of an open round, a party member reacts on
the agreements of their party (regiehouder or betrokken) while it is open and the round is,
and a reaction is never changed: the newest counts."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import VerbeterafspraakFactory
from uitvragen import services
from uitvragen.models import Reactie
from uitvragen.wederhoor import open_wederhoor, reageer

TODAY = timezone.localdate()
TOT = TODAY + datetime.timedelta(days=14)


@pytest.fixture
def open_round(uitvraag, staff, mailoutbox):
    open_wederhoor(uitvraag=uitvraag, tot=TOT, user=staff)
    mailoutbox.clear()
    uitvraag.refresh_from_db()
    return uitvraag


def react(uitvraag, afspraak, partij, user, soort="akkoord", opmerking=""):
    return reageer(
        uitvraag=uitvraag,
        verbeterafspraak=afspraak,
        partij=partij,
        user=user,
        soort=soort,
        opmerking=opmerking,
    )


def test_opening_sets_the_window_and_mails_every_member_of_the_parties_concerned(
    uitvraag, staff, alice, bob, charlie, mailoutbox, settings
):
    settings.PORTAAL_URL = "https://portaal.example.nl/"
    open_wederhoor(uitvraag=uitvraag, tot=TOT, user=staff)
    uitvraag.refresh_from_db()
    assert uitvraag.wederhoor_tot == TOT
    assert uitvraag.is_wederhoor_open()
    assert sorted(m.to[0] for m in mailoutbox) == [
        "alice@example.org",
        "bob@example.org",
        "charlie@example.org",
    ]
    mail = next(m for m in mailoutbox if m.to == ["alice@example.org"])
    assert mail.subject == "Hoor en wederhoor: concepttekst voortgang 2025"
    # NHG leads agreement 1 and is involved in agreement 2.
    assert "- Nederlands Huisartsen Genootschap: 2 afspraken" in mail.body
    assert f"https://portaal.example.nl/rapportages/wederhoor/{uitvraag.pk}/" in mail.body


def test_only_an_editor_opens_the_window(uitvraag, alice, mailoutbox):
    with pytest.raises(PermissionDenied):
        open_wederhoor(uitvraag=uitvraag, tot=TOT, user=alice)
    uitvraag.refresh_from_db()
    assert uitvraag.wederhoor_tot is None
    assert not mailoutbox


def test_the_window_does_not_end_in_the_past(uitvraag, staff, mailoutbox):
    with pytest.raises(ValidationError, match="vandaag of een dag in de toekomst"):
        open_wederhoor(uitvraag=uitvraag, tot=TODAY - datetime.timedelta(days=1), user=staff)
    open_wederhoor(uitvraag=uitvraag, tot=TODAY, user=staff)  # today is its last day
    assert uitvraag.is_wederhoor_open()


def test_a_closed_round_gets_no_window(uitvraag, staff, mailoutbox):
    services.sluit_uitvraag(uitvraag=uitvraag, user=staff)
    with pytest.raises(ValidationError, match="gesloten"):
        open_wederhoor(uitvraag=uitvraag, tot=TOT, user=staff)
    assert not mailoutbox


def test_the_database_keeps_the_window_after_the_peildatum(uitvraag):
    uitvraag.wederhoor_tot = uitvraag.peildatum
    with pytest.raises(ValidationError, match="na de peildatum"):
        uitvraag.full_clean()


def test_a_member_agrees_and_comments_and_the_newest_counts(
    open_round, afspraak, afspraak_zn, alice, bob, nhg
):
    first = react(open_round, afspraak, nhg, alice)
    second = react(open_round, afspraak, nhg, bob, "opmerking", "  Noem ook de regio's.  ")
    on_zn = react(open_round, afspraak_zn, nhg, alice)  # NHG is betrokken there
    assert second.opmerking == "Noem ook de regio's."
    assert list(Reactie.objects.filter(verbeterafspraak=afspraak)) == [second, first]
    assert set(Reactie.objects.newest()) == {second, on_zn}


def test_a_reaction_is_never_changed(open_round, afspraak, alice, nhg):
    reactie = react(open_round, afspraak, nhg, alice)
    with pytest.raises(PermissionDenied):
        reactie.save()
    with pytest.raises(PermissionDenied):
        reactie.delete()
    with pytest.raises(PermissionDenied):
        Reactie.objects.update(soort="opmerking")
    with pytest.raises(PermissionDenied):
        Reactie.objects.all().delete()


def test_only_a_member_of_the_party_reacts(open_round, afspraak, charlie, staff, nhg):
    with pytest.raises(PermissionDenied):
        react(open_round, afspraak, nhg, charlie)
    with pytest.raises(PermissionDenied):
        react(open_round, afspraak, nhg, staff)  # staff read; the parties react
    assert not Reactie.objects.exists()


def test_only_on_an_agreement_of_the_party_in_the_round(
    open_round, afspraak, afspraak_zn, dvt, diagnostiek, alice, charlie, nhg, zn
):
    with pytest.raises(PermissionDenied):
        react(open_round, afspraak, zn, charlie)  # ZN is not involved in agreement 1
    elsewhere = VerbeterafspraakFactory(regiehouder=nhg)  # in another trajectory
    with pytest.raises(PermissionDenied):
        react(open_round, elsewhere, nhg, alice)
    assert not Reactie.objects.exists()


def test_a_comment_needs_text_and_an_agreement_none(open_round, afspraak, alice, nhg):
    with pytest.raises(ValidationError, match="Schrijf bij een opmerking"):
        react(open_round, afspraak, nhg, alice, "opmerking", "   ")
    with pytest.raises(ValidationError, match="Bij akkoord hoort geen opmerking"):
        react(open_round, afspraak, nhg, alice, "akkoord", "Prima.")
    with pytest.raises(ValidationError, match="Ensure|ten hoogste|maximaal|2000"):
        react(open_round, afspraak, nhg, alice, "opmerking", "x" * 2001)
    with pytest.raises(ValidationError):
        react(open_round, afspraak, nhg, alice, "misschien")
    assert not Reactie.objects.exists()


def test_no_reaction_before_the_window_is_opened(uitvraag, afspraak, alice, nhg):
    with pytest.raises(ValidationError, match="nog niet geopend"):
        react(uitvraag, afspraak, nhg, alice)


def test_no_reaction_after_the_window(open_round, afspraak, alice, nhg, monkeypatch):
    later = TOT + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: later)
    with pytest.raises(ValidationError, match="verstreken"):
        react(open_round, afspraak, nhg, alice)
    assert not Reactie.objects.exists()


def test_closing_the_round_freezes_the_reactions(open_round, afspraak, alice, staff, nhg):
    react(open_round, afspraak, nhg, alice)
    services.sluit_uitvraag(uitvraag=open_round, user=staff)
    with pytest.raises(ValidationError, match="gesloten"):
        react(open_round, afspraak, nhg, alice, "opmerking", "Toch nog iets.")
    assert Reactie.objects.count() == 1


def test_the_mail_job_sends_nothing_once_the_round_is_closed(open_round, staff, mailoutbox):
    from uitvragen.tasks import mail_wederhoor

    services.sluit_uitvraag(uitvraag=open_round, user=staff)
    assert mail_wederhoor.call(open_round.pk) == 0
    assert not mailoutbox
