import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from afspraken.models import Status, Voortgangsupdate
from tests.factories import (
    FaseperiodeFactory,
    IndicatorFactory,
    TrajectFactory,
    VerbeterafspraakFactory,
)
from trajecten.models import Faseperiode
from uitvragen import services
from uitvragen.models import Beoordeling, Uitvraag, Werkitem, indicator_expects_figure

from .conftest import DEADLINE, PEILDATUM

TODAY = datetime.date(2025, 10, 20)


def answer(werkitem, user, tekst="De werkgroep is gestart.", **kwargs):
    return services.beantwoord_voortgang(
        werkitem=werkitem,
        user=user,
        status=Status.OP_SCHEMA,
        peildatum=kwargs.pop("peildatum", TODAY),
        tekst=tekst,
        last_seen=kwargs.pop("last_seen", None),
        **kwargs,
    )


def item(uitvraag, partij, soort=Werkitem.Soort.VOORTGANG):
    return Werkitem.objects.get(uitvraag=uitvraag, partij=partij, soort=soort)


def test_opening_asks_the_regiehouder_and_the_delivering_party(
    uitvraag, afspraak, afspraak_zn, indicator, nhg, niv, zn
):
    items = Werkitem.objects.filter(uitvraag=uitvraag)
    assert sorted(
        (i.partij.afkorting, i.soort, i.verbeterafspraak.nummer, i.jaar) for i in items
    ) == [
        ("NHG", "meting", 1, 2024),
        ("NHG", "voortgang", 1, None),
        ("ZN", "voortgang", 2, None),
    ]
    assert not items.filter(partij=niv).exists()  # betrokken only: no item
    assert set(items.values_list("status", flat=True)) == {"open"}
    assert list(uitvraag.trajecten.all()) == [afspraak.traject]


def test_opening_mails_every_member_of_the_parties_asked(
    staff, afspraak, afspraak_zn, alice, bob, charlie, mailoutbox, settings
):
    settings.PORTAAL_URL = "https://portaal.example.nl/"
    services.open_uitvraag(jaar=2025, peildatum=PEILDATUM, deadline=DEADLINE, user=staff)
    assert sorted(m.to[0] for m in mailoutbox) == [
        "alice@example.org",
        "bob@example.org",
        "charlie@example.org",
    ]
    mail = next(m for m in mailoutbox if m.to == ["alice@example.org"])
    assert mail.subject == "Uitvraag voortgang 2025: uw bijdrage gevraagd"
    assert "Partij NHG" not in mail.body
    assert "- Nederlands Huisartsen Genootschap: 1 vraag" in mail.body
    assert "De deadline is 15 november 2025." in mail.body
    assert "https://portaal.example.nl/uitvragen/werklijst/" in mail.body


def test_the_default_trajectories_are_those_in_implementation_at_the_peildatum(
    staff, dvt, afspraak
):
    later = TrajectFactory(naam="Later")
    FaseperiodeFactory(
        traject=later, fase=Faseperiode.Fase.IMPLEMENTATIE, startdatum=datetime.date(2026, 1, 1)
    )
    VerbeterafspraakFactory(traject=later)
    uitvraag = services.open_uitvraag(jaar=2025, peildatum=PEILDATUM, deadline=DEADLINE, user=staff)
    assert list(uitvraag.trajecten.all()) == [dvt]
    assert uitvraag.werkitems.count() == 1


@pytest.mark.parametrize(
    ("basisjaar", "streefjaar", "meetjaar", "expected"),
    [
        (2020, 2024, 2020, False),  # the baseline is known
        (2020, 2024, 2021, True),
        (2020, 2024, 2024, True),
        (2020, 2024, 2025, False),  # after the target year
        (2020, None, 2030, True),  # no target: followed every year
    ],
)
def test_which_indicator_expects_a_figure(basisjaar, streefjaar, meetjaar, expected):
    from afspraken.models import Indicator

    indicator = Indicator(basisjaar=basisjaar, streefjaar=streefjaar)
    assert indicator_expects_figure(indicator, meetjaar) is expected


def _opening_queries(staff, traject, count, jaar):
    for n in range(count):
        afspraak = VerbeterafspraakFactory(traject=traject, nummer=100 + jaar * 10 + n)
        IndicatorFactory(verbeterafspraak=afspraak)
    staff = type(staff).objects.get(pk=staff.pk)  # its permissions not yet cached
    with CaptureQueriesContext(connection) as queries:
        services.open_uitvraag(
            jaar=jaar,
            peildatum=datetime.date(jaar, 10, 1),
            deadline=datetime.date(jaar, 11, 1),
            trajecten=[traject],
            user=staff,
            notify=False,
        )
    return len(queries)


def test_opening_takes_a_fixed_number_of_queries(staff, dvt):
    few = _opening_queries(staff, dvt, 2, 2022)
    many = _opening_queries(staff, dvt, 12, 2023)
    assert few == many
    assert Werkitem.objects.filter(uitvraag__jaar=2023).count() == 2 * 14


def test_only_an_editor_opens_a_round(alice, afspraak):
    with pytest.raises(PermissionDenied):
        services.open_uitvraag(jaar=2025, peildatum=PEILDATUM, deadline=DEADLINE, user=alice)
    assert not Uitvraag.objects.exists()


def test_a_second_round_for_a_year_is_refused_and_nothing_stored(uitvraag, staff):
    with pytest.raises(ValidationError) as error:
        services.open_uitvraag(jaar=2025, peildatum=PEILDATUM, deadline=DEADLINE, user=staff)
    assert "Er is al een uitvraag voor dit jaar." in str(error.value)
    assert Uitvraag.objects.count() == 1


def test_a_deadline_before_the_peildatum_is_refused(staff, afspraak):
    with pytest.raises(ValidationError) as error:
        services.open_uitvraag(jaar=2025, peildatum=PEILDATUM, deadline=PEILDATUM, user=staff)
    assert "De deadline moet na de peildatum liggen." in str(error.value)
    assert not Uitvraag.objects.exists()


def test_a_bericht_too_long_is_refused(staff, afspraak):
    with pytest.raises(ValidationError):
        services.open_uitvraag(
            jaar=2025, peildatum=PEILDATUM, deadline=DEADLINE, bericht="x" * 2001, user=staff
        )
    assert not Uitvraag.objects.exists()


def test_answer_accept_send_back_and_answer_again(uitvraag, alice, bob, staff, nhg):
    werkitem = item(uitvraag, nhg)
    first = answer(werkitem, alice)
    werkitem.refresh_from_db()
    assert werkitem.status == Werkitem.Status.INGEDIEND
    assert werkitem.voortgangsupdate == first
    assert first.partij == nhg

    services.stuur_terug(werkitem=werkitem, user=staff, opmerking="Noem de regio's.")
    werkitem.refresh_from_db()
    assert werkitem.status == Werkitem.Status.TERUGGESTUURD
    assert werkitem.opmerking == "Noem de regio's."

    second = answer(werkitem, bob, tekst="Gestart in drie regio's.", last_seen=first.pk)
    services.accepteer(werkitem=werkitem, user=staff)
    werkitem.refresh_from_db()
    assert werkitem.status == Werkitem.Status.GEACCEPTEERD
    assert werkitem.voortgangsupdate == second
    assert Voortgangsupdate.objects.filter(verbeterafspraak=werkitem.verbeterafspraak).count() == 2
    assert [(s.actie, s.opmerking, s.door.username) for s in werkitem.beoordelingen.all()] == [
        ("beantwoord", "", "alice"),
        ("teruggestuurd", "Noem de regio's.", "redactie"),
        ("beantwoord", "", "bob"),
        ("geaccepteerd", "", "redactie"),
    ]


def test_the_history_is_never_edited(uitvraag, alice, nhg):
    answer(item(uitvraag, nhg), alice)
    stap = Beoordeling.objects.get()
    with pytest.raises(PermissionDenied):
        stap.save()
    with pytest.raises(PermissionDenied):
        Beoordeling.objects.update(opmerking="x")


def test_an_outsider_cannot_answer(uitvraag, charlie, staff, nhg):
    with pytest.raises(PermissionDenied):
        answer(item(uitvraag, nhg), charlie)
    with pytest.raises(PermissionDenied):
        answer(item(uitvraag, nhg), staff)  # staff review; the party answers
    assert not Voortgangsupdate.objects.exists()


def test_an_answered_item_is_not_answered_twice(uitvraag, alice, bob, nhg):
    answer(item(uitvraag, nhg), alice)
    with pytest.raises(ValidationError, match="al beantwoord"):
        answer(item(uitvraag, nhg), bob)
    assert Voortgangsupdate.objects.count() == 1


def test_an_update_refused_stores_nothing(uitvraag, alice, nhg):
    with pytest.raises(ValidationError):
        answer(item(uitvraag, nhg), alice, peildatum=datetime.date(2099, 1, 1))
    assert item(uitvraag, nhg).status == Werkitem.Status.OPEN
    assert not Beoordeling.objects.exists()


def test_sending_back_needs_a_comment(uitvraag, alice, staff, nhg):
    werkitem = item(uitvraag, nhg)
    answer(werkitem, alice)
    with pytest.raises(ValidationError):
        services.stuur_terug(werkitem=werkitem, user=staff, opmerking="  ")
    with pytest.raises(PermissionDenied):
        services.accepteer(werkitem=werkitem, user=alice)
    assert item(uitvraag, nhg).status == Werkitem.Status.INGEDIEND


def test_only_an_answer_waiting_is_reviewed(uitvraag, staff, nhg):
    with pytest.raises(ValidationError, match="wacht niet op een beoordeling"):
        services.accepteer(werkitem=item(uitvraag, nhg), user=staff)


def test_a_closed_round_takes_no_answers(uitvraag, alice, staff, nhg):
    services.sluit_uitvraag(uitvraag=uitvraag, user=staff)
    with pytest.raises(ValidationError, match="gesloten"):
        answer(item(uitvraag, nhg), alice)


def test_a_closed_round_takes_no_review(uitvraag, alice, staff, nhg):
    answer(item(uitvraag, nhg), alice)
    services.sluit_uitvraag(uitvraag=uitvraag, user=staff)
    with pytest.raises(ValidationError, match="gesloten"):
        services.accepteer(werkitem=item(uitvraag, nhg), user=staff)
    with pytest.raises(ValidationError, match="gesloten"):
        services.stuur_terug(werkitem=item(uitvraag, nhg), user=staff, opmerking="Nee.")
    assert item(uitvraag, nhg).status == Werkitem.Status.INGEDIEND
    assert services.verstuur_herinneringen(uitvraag=uitvraag) == 0


def test_closing_by_hand_records_when_but_no_publication(uitvraag, staff):
    services.sluit_uitvraag(uitvraag=uitvraag, user=staff)
    uitvraag.refresh_from_db()
    assert uitvraag.gesloten_op is not None
    assert uitvraag.gesloten_bij == ""


def test_a_round_closes_after_a_publication_only_if_it_covers_all_its_trajectories(uitvraag, dvt):
    other = TrajectFactory(naam="Ander traject")
    assert services.sluit_na_publicatie(jaar=2025, trajecten=[other.pk], bij="x") is None
    assert services.sluit_na_publicatie(jaar=2024, trajecten=[dvt.pk], bij="x") is None
    assert Uitvraag.objects.get().is_open

    closed = services.sluit_na_publicatie(jaar=2025, trajecten=[dvt.pk, other.pk], bij="editie 1")
    assert (closed.status, closed.gesloten_bij) == (Uitvraag.Status.GESLOTEN, "editie 1")
    # Closed once: a second publication changes nothing.
    assert services.sluit_na_publicatie(jaar=2025, trajecten=[dvt.pk], bij="editie 2") is None
    assert Uitvraag.objects.get().gesloten_bij == "editie 1"


def test_a_figure_answers_its_item_for_the_items_year(uitvraag, alice, nhg):
    werkitem = item(uitvraag, nhg, Werkitem.Soort.METING)
    meting = services.beantwoord_meting(
        werkitem=werkitem, user=alice, waarde=Decimal("33.5"), peildatum=TODAY
    )
    assert (meting.jaar, meting.waarde, meting.partij) == (2024, Decimal("33.5"), nhg)
    werkitem.refresh_from_db()
    assert (werkitem.status, werkitem.meting) == (Werkitem.Status.INGEDIEND, meting)


def test_a_figure_the_unit_refuses_stores_nothing(uitvraag, alice, nhg):
    werkitem = item(uitvraag, nhg, Werkitem.Soort.METING)
    with pytest.raises(ValidationError):
        services.beantwoord_meting(
            werkitem=werkitem, user=alice, waarde=Decimal("120"), peildatum=TODAY
        )
    assert item(uitvraag, nhg, Werkitem.Soort.METING).status == Werkitem.Status.OPEN


def test_an_answer_in_a_period_a_report_froze_is_not_accepted(uitvraag, alice, staff, nhg):
    """A one-trajectory report published while the wider round stays open freezes its period;
    an answer dated in it would change that report afterwards, as a new update there would."""
    werkitem = item(uitvraag, nhg)
    answer(werkitem, alice)
    werkitem.traject.bevries_tot(TODAY)  # as publishing that trajectory's report does
    with pytest.raises(ValidationError, match="Stuur het terug en vraag om een antwoord met"):
        services.accepteer(werkitem=werkitem, user=staff)
    werkitem.refresh_from_db()
    assert werkitem.status == Werkitem.Status.INGEDIEND
    assert not werkitem.beoordelingen.filter(actie=Beoordeling.Actie.GEACCEPTEERD).exists()
    services.stuur_terug(werkitem=werkitem, user=staff, opmerking="Graag per een latere datum.")
    werkitem.refresh_from_db()
    assert werkitem.status == Werkitem.Status.TERUGGESTUURD
