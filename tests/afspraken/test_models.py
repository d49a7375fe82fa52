import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from afspraken.models import (
    NO_STATUS,
    TEKST_MAX_LENGTH,
    Status,
    Verbeterafspraak,
    Voortgangsupdate,
)
from tests.factories import (
    LidmaatschapFactory,
    ThemaFactory,
    TrajectFactory,
    UserFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)

D = datetime.date
pytestmark = pytest.mark.django_db


def test_theme_of_another_trajectory_is_refused(afspraak):
    other_thema = ThemaFactory(traject=TrajectFactory(), naam="Nazorg")
    afspraak.thema = other_thema
    with pytest.raises(ValidationError) as excinfo:
        afspraak.full_clean()
    assert excinfo.value.message_dict["thema"] == [
        "Kies een thema van hetzelfde traject als de verbeterafspraak."
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="composite key is PostgreSQL")
def test_database_refuses_theme_of_another_trajectory_on_postgresql(afspraak):
    other_thema = ThemaFactory(traject=TrajectFactory(), naam="Nazorg")
    with pytest.raises(IntegrityError), transaction.atomic():
        Verbeterafspraak.objects.filter(pk=afspraak.pk).update(thema=other_thema)
        connection.check_constraints()


def test_number_is_unique_within_a_trajectory(afspraak, nhg):
    duplicate = VerbeterafspraakFactory.build(
        traject=afspraak.traject, thema=afspraak.thema, nummer=1, regiehouder=nhg
    )
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "Dit traject heeft al een verbeterafspraak met dit nummer." in excinfo.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_same_number_in_another_trajectory_is_fine(afspraak):
    other = VerbeterafspraakFactory(nummer=1)
    other.full_clean()
    assert other.traject != afspraak.traject


def test_status_at_a_date_is_the_newest_update_on_or_before_it(afspraak):
    VoortgangsupdateFactory(verbeterafspraak=afspraak, peildatum=D(2022, 10, 1), status="op_schema")
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=D(2023, 10, 1),
        status=Status.VERTRAAGD,
        toelichting="De richtlijnmodule is later gestart.",
        verwachte_datum=D(2025, 6, 1),
    )

    def annotated(on):
        return Verbeterafspraak.objects.with_status_op(on).get(pk=afspraak.pk).status_code

    assert annotated(D(2022, 9, 30)) == NO_STATUS
    assert annotated(D(2022, 10, 1)) == Status.OP_SCHEMA
    assert annotated(D(2023, 9, 30)) == Status.OP_SCHEMA
    assert annotated(D(2023, 10, 1)) == Status.VERTRAAGD
    assert annotated(D(2024, 1, 1)) == Status.VERTRAAGD


def test_status_at_two_dates_in_one_query(afspraak, django_assert_num_queries):
    first = VoortgangsupdateFactory(
        verbeterafspraak=afspraak, peildatum=D(2022, 10, 1), status="op_schema"
    )
    VoortgangsupdateFactory(verbeterafspraak=afspraak, peildatum=D(2023, 10, 1), status="afgerond")
    with django_assert_num_queries(1):
        annotated = (
            Verbeterafspraak.objects.with_status_op(D(2023, 12, 1))
            .with_status_op(D(2022, 12, 1), prefix="vorige")
            .get(pk=afspraak.pk)
        )
    assert (annotated.status_code, annotated.vorige_code) == (Status.AFGEROND, Status.OP_SCHEMA)
    assert annotated.vorige_update_id == first.pk
    assert annotated.vorige_peildatum == D(2022, 10, 1)


def test_correction_on_the_same_peildatum_wins_over_the_earlier_update(afspraak):
    VoortgangsupdateFactory(verbeterafspraak=afspraak, peildatum=D(2023, 10, 1), status="op_schema")
    correction = VoortgangsupdateFactory(
        verbeterafspraak=afspraak, peildatum=D(2023, 10, 1), status=Status.AFGEROND
    )
    annotated = Verbeterafspraak.objects.with_status_op(D(2023, 12, 1)).get(pk=afspraak.pk)
    assert annotated.status_code == Status.AFGEROND
    assert annotated.status_update_id == correction.pk


def status_today(afspraak):
    """(code, update id, peildatum) from the stored newest update and worked out from the
    timeline: the two must always agree."""
    stored = Verbeterafspraak.objects.with_status().get(pk=afspraak.pk)
    worked_out = Verbeterafspraak.objects.with_status_op().get(pk=afspraak.pk)
    assert (stored.status_code, stored.status_update_id, stored.status_peildatum) == (
        worked_out.status_code,
        worked_out.status_update_id,
        worked_out.status_peildatum,
    )
    return stored.status_code, stored.status_update_id


def test_stored_status_follows_the_timeline_in_any_order_of_arrival(afspraak):
    assert status_today(afspraak) == (NO_STATUS, None)
    newest = VoortgangsupdateFactory(
        verbeterafspraak=afspraak, peildatum=D(2023, 10, 1), status=Status.AFGEROND
    )
    assert status_today(afspraak) == (Status.AFGEROND, newest.pk)
    # An older one entered afterwards (history typed in later) does not take its place.
    VoortgangsupdateFactory(verbeterafspraak=afspraak, peildatum=D(2022, 10, 1), status="op_schema")
    assert status_today(afspraak) == (Status.AFGEROND, newest.pk)
    correction = VoortgangsupdateFactory(
        verbeterafspraak=afspraak, peildatum=D(2023, 10, 1), status=Status.OP_SCHEMA
    )
    assert status_today(afspraak) == (Status.OP_SCHEMA, correction.pk)


def test_saving_an_agreement_keeps_the_status_reported_since_it_was_loaded(afspraak):
    stale = Verbeterafspraak.objects.get(pk=afspraak.pk)  # an editor opens the agreement
    update = VoortgangsupdateFactory(verbeterafspraak=afspraak, status=Status.AFGEROND)
    stale.titel = "Een betere titel"
    stale.save()
    stored = Verbeterafspraak.objects.get(pk=afspraak.pk)
    assert (stored.titel, stored.huidige_status, stored.laatste_update_id) == (
        "Een betere titel",
        Status.AFGEROND,
        update.pk,
    )
    assert stored.versie == afspraak.versie + 1


def test_refresh_sets_the_status_of_agreements_whose_updates_came_in_bulk(afspraak, nhg):
    other = VerbeterafspraakFactory(traject=afspraak.traject, thema=afspraak.thema, nummer=2)
    Voortgangsupdate.objects.bulk_create(
        [
            Voortgangsupdate(
                verbeterafspraak=afspraak, peildatum=D(2023, 1, 1), status="afgerond", tekst="x"
            ),
            Voortgangsupdate(
                verbeterafspraak=afspraak, peildatum=D(2022, 1, 1), status="op_schema", tekst="y"
            ),
        ]
    )
    assert Verbeterafspraak.objects.get(pk=afspraak.pk).huidige_status == NO_STATUS  # not yet
    assert Verbeterafspraak.objects.refresh_laatste_update() == 2
    assert status_today(afspraak)[0] == Status.AFGEROND
    assert status_today(other) == (NO_STATUS, None)


@pytest.mark.parametrize(
    ("status", "toelichting", "verwachte_datum", "message"),
    [
        (Status.VERTRAAGD, "", D(2025, 1, 1), "Licht toe waarom de afspraak vertraagd is"),
        (Status.GESTOPT, "", None, "Licht toe waarom de afspraak gestopt is"),
        (Status.VERTRAAGD, "Geen financiering.", None, "nieuwe verwachte datum"),
    ],
)
def test_delay_and_stop_need_an_explanation(
    afspraak, status, toelichting, verwachte_datum, message
):
    update = Voortgangsupdate(
        verbeterafspraak=afspraak,
        status=status,
        tekst="Stand van zaken.",
        toelichting=toelichting,
        verwachte_datum=verwachte_datum,
    )
    with pytest.raises(ValidationError, match=message):
        update.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        update.save()


def test_for_user_shows_members_the_agreements_of_their_parties(afspraak, alice, charlie, staff):
    unrelated = VerbeterafspraakFactory()
    assert list(Verbeterafspraak.objects.for_user(alice)) == [afspraak]
    assert list(Verbeterafspraak.objects.for_user(charlie)) == []
    assert set(Verbeterafspraak.objects.for_user(staff)) == {afspraak, unrelated}


def test_involved_party_sees_the_agreement_once(afspraak, niv, nhg):
    # NHG is regiehouder and also listed as betrokken: still one row.
    afspraak.betrokken_partijen.add(nhg)
    member_of_both = UserFactory(username="dubbel")
    LidmaatschapFactory(partij=nhg, user=member_of_both)
    LidmaatschapFactory(partij=niv, user=member_of_both)
    assert list(Verbeterafspraak.objects.for_user(member_of_both)) == [afspraak]
    assert [p.afkorting for p in afspraak.partijen()] == ["NHG", "NIV"]


def test_an_update_is_rendered_once_when_stored(afspraak):
    update = VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        status=Status.GESTOPT,
        tekst="Wat er gebeurde:\n- **niets**",
        toelichting="<script>alert(1)</script>Geen *geld*.",
    )
    update.refresh_from_db()
    assert (
        update.tekst_html == "<p>Wat er gebeurde:</p>\n<ul>\n<li><strong>niets</strong></li>\n</ul>"
    )
    assert update.toelichting_html == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;Geen <em>geld</em>.</p>"  # as typed, as text
    )
    assert VoortgangsupdateFactory(verbeterafspraak=afspraak).toelichting_html == ""


def test_a_text_over_the_limit_is_refused_by_the_model(afspraak):
    update = Voortgangsupdate(
        verbeterafspraak=afspraak, status=Status.OP_SCHEMA, tekst="a" * (TEKST_MAX_LENGTH + 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        update.full_clean()
    assert excinfo.value.message_dict["tekst"] == [
        "Zorg dat deze waarde niet meer dan 20000 tekens bevat (het zijn er nu 20001)."
    ]


def test_the_migration_sets_the_status_of_existing_agreements(afspraak):
    migration = importlib.import_module("afspraken.migrations.0009_huidige_status")
    update = VoortgangsupdateFactory(verbeterafspraak=afspraak, status=Status.AFGEROND)
    # As the rows stood before the migration: no stored status yet.
    Verbeterafspraak.objects.update(laatste_update=None, huidige_status=NO_STATUS)
    migration.point_at_newest_update(django_apps, None)
    assert status_today(afspraak) == (Status.AFGEROND, update.pk)
