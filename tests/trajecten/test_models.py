import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from tests.factories import FaseperiodeFactory, TrajectFactory
from trajecten.models import Faseperiode, Traject

D = datetime.date
pytestmark = pytest.mark.django_db


def test_phase_that_starts_before_the_previous_one_ends_is_refused(dvt):
    evaluatie = Faseperiode(traject=dvt, fase=Faseperiode.Fase.EVALUATIE, startdatum=D(2023, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        evaluatie.full_clean()
    message = excinfo.value.messages[0]
    assert "evaluatiefase begint op 01-01-2023" in message
    assert "implementatiefase loopt dan nog" in message


def test_phase_may_start_on_the_day_the_previous_one_ends(dvt):
    implementatie = dvt.faseperiodes.get(fase=Faseperiode.Fase.IMPLEMENTATIE)
    implementatie.einddatum = D(2024, 6, 1)
    implementatie.full_clean()
    implementatie.save()
    evaluatie = Faseperiode(traject=dvt, fase=Faseperiode.Fase.EVALUATIE, startdatum=D(2024, 6, 1))
    evaluatie.full_clean()  # does not raise


def test_phases_may_not_go_back_in_order():
    traject = TrajectFactory()
    FaseperiodeFactory(traject=traject, fase=Faseperiode.Fase.VERDIEPING, startdatum=D(2019, 1, 1))
    screening = Faseperiode(
        traject=traject,
        fase=Faseperiode.Fase.SCREENING,
        startdatum=D(2020, 1, 1),
        einddatum=D(2020, 6, 1),
    )
    with pytest.raises(ValidationError, match="vaste volgorde"):
        screening.full_clean()


def test_each_phase_occurs_once_per_trajectory(dvt):
    duplicate = Faseperiode(traject=dvt, fase=Faseperiode.Fase.SCREENING, startdatum=D(2010, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "Elke fase komt maar één keer voor in een traject." in excinfo.value.messages


def test_end_date_must_follow_start_date(dvt):
    periode = Faseperiode(
        traject=TrajectFactory(),
        fase=Faseperiode.Fase.SCREENING,
        startdatum=D(2020, 1, 1),
        einddatum=D(2019, 1, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        periode.full_clean()
    assert "De einddatum van een fase moet na de startdatum liggen." in excinfo.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        periode.save()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraint is PostgreSQL")
def test_database_refuses_overlapping_phases_on_postgresql(dvt):
    # Bypasses validation: the exclusion constraint is the last line of defence.
    with pytest.raises(IntegrityError), transaction.atomic():
        Faseperiode.objects.create(
            traject=dvt, fase=Faseperiode.Fase.EVALUATIE, startdatum=D(2023, 1, 1)
        )
        connection.check_constraints()  # the constraint is deferred to commit


def test_current_phase_follows_the_dates(dvt):
    assert dvt.huidige_fase(D(2018, 6, 1)) == Faseperiode.Fase.SCREENING
    assert dvt.huidige_fase(D(2019, 4, 10)) == Faseperiode.Fase.VERDIEPING
    assert dvt.huidige_fase(D(2025, 1, 1)) == Faseperiode.Fase.IMPLEMENTATIE
    assert dvt.huidige_fase(D(2017, 1, 1)) == ""


def test_queryset_annotates_current_phase_and_filters_by_phase(dvt):
    in_screening = TrajectFactory()
    FaseperiodeFactory(traject=in_screening, fase=Faseperiode.Fase.SCREENING)
    annotated = {t.pk: t.huidige_fase_code for t in Traject.objects.with_huidige_fase()}
    assert annotated == {
        dvt.pk: Faseperiode.Fase.IMPLEMENTATIE,
        in_screening.pk: Faseperiode.Fase.SCREENING,
    }
    assert list(Traject.objects.in_fase(Faseperiode.Fase.IMPLEMENTATIE)) == [dvt]
    assert list(Traject.objects.in_fase(Faseperiode.Fase.IMPLEMENTATIE, D(2020, 1, 1))) == []


def test_overgedragen_aan_only_for_a_handed_over_trajectory():
    traject = TrajectFactory.build(overgedragen_aan="Zorgevaluatie en Gepast Gebruik")
    with pytest.raises(ValidationError, match="alleen in bij een overgedragen traject"):
        traject.full_clean()
    traject.afsluiting = Traject.Afsluiting.OVERGEDRAGEN
    traject.full_clean()
    assert traject.is_afgerond
