"""Indicators and their measurements: the rules of a figure, corrections, and the verdicts."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from afspraken.bulk import parse_decimal
from afspraken.cijfers import getal, lees_getal
from afspraken.evaluatie import Oordeel, beoordeel, beoordeel_alle, samenvatting
from afspraken.forms import DutchDecimalField
from afspraken.models import Indicator, Meting
from afspraken.services import meld_meting
from tests.adminforms import post_data
from tests.factories import IndicatorFactory, TrajectFactory

D = datetime.date


@pytest.fixture
def indicator(afspraak, nhg):
    """Referrals without the decision rule: lower is better, 41 % in 2020, 20 % by 2024."""
    return IndicatorFactory(verbeterafspraak=afspraak, leverancier=nhg)


def meld(indicator, user, jaar, waarde, peildatum=None, **kwargs):
    return meld_meting(
        indicator=indicator,
        user=user,
        jaar=jaar,
        waarde=Decimal(str(waarde)),
        peildatum=peildatum or D(jaar + 1, 3, 1),
        **kwargs,
    )


def test_an_agreements_indicator_belongs_to_its_trajectory(indicator, afspraak):
    assert indicator.traject == afspraak.traject


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"basiswaarde": Decimal("101")}, "basiswaarde", "Een percentage ligt tussen 0 en 100."),
        ({"streefwaarde": None}, "__all__", "Vul streefjaar en streefwaarde allebei in"),
        ({"streefjaar": 2019}, "__all__", "Het streefjaar moet na het basisjaar liggen."),
        (
            {"eenheid": Indicator.Eenheid.AANTAL, "basiswaarde": Decimal("-1")},
            "basiswaarde",
            "kan niet negatief zijn",
        ),
    ],
)
def test_an_indicator_that_cannot_be_is_refused(indicator, changes, field, message):
    for name, value in changes.items():
        setattr(indicator, name, value)
    with pytest.raises(ValidationError) as refused:
        indicator.full_clean()
    assert message in " ".join(refused.value.message_dict[field])


def test_a_member_of_the_delivering_party_reports_a_figure(indicator, alice, nhg):
    meting = meld(indicator, alice, 2021, "39,0".replace(",", "."))
    assert (meting.jaar, meting.waarde, meting.partij, meting.auteur) == (
        2021,
        Decimal("39"),
        nhg,
        alice,
    )


def test_others_report_no_figure(indicator, dana, charlie, beheerder):
    """NIV is involved in the agreement but does not deliver the figures; ZN is not involved."""
    for user in (dana, charlie, beheerder):
        with pytest.raises(PermissionDenied):
            meld(indicator, user, 2021, 39)
    assert not Meting.objects.exists()


def test_an_editor_reports_a_figure_as_zorginstituut(indicator, staff):
    meting = meld(indicator, staff, 2021, 39)
    assert meting.partij is None and meting.auteur == staff


@pytest.mark.parametrize(
    ("jaar", "waarde", "peildatum", "field", "message"),
    [
        (2021, 120, None, "waarde", "Een percentage ligt tussen 0 en 100."),
        (2021, -3, None, "waarde", "Een percentage ligt tussen 0 en 100."),
        (2019, 40, None, "jaar", "vóór het basisjaar van deze indicator (2020)"),
        (2023, 30, D(2022, 6, 1), "jaar", "Over een jaar dat nog moet komen"),
        (
            2021,
            30,
            timezone.localdate() + datetime.timedelta(days=1),
            "peildatum",
            "kan niet in de toekomst liggen",
        ),
    ],
)
def test_a_figure_that_cannot_be_is_refused(
    indicator, alice, jaar, waarde, peildatum, field, message
):
    with pytest.raises(ValidationError) as refused:
        meld(indicator, alice, jaar, waarde, peildatum=peildatum)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Meting.objects.exists()


def test_a_figure_inside_the_frozen_period_is_refused(indicator, alice):
    indicator.traject.bevries_tot(D(2022, 11, 1))
    with pytest.raises(ValidationError, match="is vastgelegd tot en met 1 november 2022"):
        meld(indicator, alice, 2021, 39, peildatum=D(2022, 3, 1))
    meld(indicator, alice, 2021, 39, peildatum=D(2022, 11, 2))
    assert Meting.objects.count() == 1


def test_a_figure_is_never_changed_or_deleted(indicator, alice):
    meting = meld(indicator, alice, 2021, 39)
    meting.waarde = Decimal("10")
    with pytest.raises(PermissionDenied):
        meting.save()
    with pytest.raises(PermissionDenied):
        meting.delete()
    with pytest.raises(PermissionDenied):
        Meting.objects.filter(pk=meting.pk).update(waarde=10)
    with pytest.raises(PermissionDenied):
        Meting.objects.all().delete()
    assert Meting.objects.get().waarde == Decimal("39")


def test_a_correction_supersedes_the_figure_of_its_year_from_its_date_on(indicator, alice):
    meld(indicator, alice, 2021, 39, peildatum=D(2022, 3, 1))
    meld(indicator, alice, 2021, 37, peildatum=D(2022, 6, 1))  # the registry corrected it

    def reeks_op(on):
        return beoordeel(indicator, list(Meting.objects.as_of(on))).reeks

    assert reeks_op(D(2022, 2, 1)) == [(2020, Decimal("41"))]
    assert reeks_op(D(2022, 4, 1)) == [(2020, Decimal("41")), (2021, Decimal("39"))]
    assert reeks_op(D(2022, 7, 1)) == [(2020, Decimal("41")), (2021, Decimal("37"))]
    assert Meting.objects.count() == 2  # the history keeps both


# The verdicts, for an indicator where lower is better: 41 % in 2020, target 20 % in 2024.


@pytest.mark.parametrize(
    ("figures", "oordeel"),
    [
        ({}, Oordeel.GEEN_GEGEVENS),
        ({2022: 19}, Oordeel.BEREIKT),
        ({2022: 20}, Oordeel.BEREIKT),
        # Half the time gone (2022 of 2020-2024): at least half the way, 41 -> 30.5.
        ({2022: 30}, Oordeel.OP_KOERS),
        ({2022: 31}, Oordeel.NIET_OP_KOERS),
        # The target year has come without the target.
        ({2022: 30, 2024: 22}, Oordeel.NIET_OP_KOERS),
        # The newest year counts, not the best.
        ({2021: 19, 2022: 35}, Oordeel.NIET_OP_KOERS),
    ],
)
def test_the_verdict_follows_the_rule_in_the_readme(indicator, staff, figures, oordeel):
    for jaar, waarde in figures.items():
        meld(indicator, staff, jaar, waarde)
    beoordeling = beoordeel(indicator, list(Meting.objects.as_of(D(2025, 12, 31))))
    assert beoordeling.oordeel == oordeel


def test_higher_is_better_and_no_target(indicator, staff):
    indicator.richting = Indicator.Richting.HOGER
    indicator.basiswaarde, indicator.streefwaarde = Decimal("28"), Decimal("50")
    meld(indicator, staff, 2022, 40)  # 12 of 22 on the way, half the time: on course
    beoordeling = beoordeel(indicator, list(Meting.objects.as_of(D(2025, 1, 1))))
    assert beoordeling.oordeel == Oordeel.OP_KOERS
    assert beoordeling.laatste == (2022, Decimal("40"))
    assert beoordeling.verandering == Decimal("12")
    indicator.streefjaar = indicator.streefwaarde = None
    assert beoordeel(indicator, list(Meting.objects.all())).oordeel == Oordeel.GEEN_DOEL


def test_judging_many_indicators_takes_one_query(
    indicator, staff, afspraak, nhg, django_assert_num_queries
):
    others = [
        Indicator.objects.create(
            traject=afspraak.traject,
            naam=f"Indicator {n}",
            definitie="Een deel van het geheel.",
            eenheid=Indicator.Eenheid.AANTAL,
            richting=Indicator.Richting.HOGER,
            basisjaar=2020,
            basiswaarde=Decimal("10"),
            bron="Vektis",
            leverancier=nhg,
        )
        for n in range(5)
    ]
    for item in [indicator, *others]:
        for jaar in (2021, 2022, 2023):
            meld(item, staff, jaar, 15)
    with django_assert_num_queries(1):
        beoordelingen = beoordeel_alle([indicator, *others], D(2025, 1, 1))
    assert samenvatting(beoordelingen) == {Oordeel.BEREIKT: 1, Oordeel.GEEN_DOEL: 5}


def test_staff_add_a_figure_in_the_admin_through_the_same_rules(client, staff, indicator):
    client.force_login(staff)
    url = reverse("admin:afspraken_indicator_change", args=[indicator.pk])
    data = post_data(client.get(url))
    data.update(
        {
            "metingen-TOTAL_FORMS": "2",
            "metingen-0-jaar": "2021",
            "metingen-0-waarde": "39",
            "metingen-0-peildatum": "01-03-2022",
            "metingen-1-jaar": "2022",
            "metingen-1-waarde": "140,5",
            "metingen-1-peildatum": "01-03-2023",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Een percentage ligt tussen 0 en 100." in response.text
    assert not Meting.objects.exists()  # all or nothing

    data["metingen-1-waarde"] = "35,5"  # Dutch notation
    assert client.post(url, data).status_code == 302
    assert [(m.jaar, m.waarde, m.auteur) for m in Meting.objects.order_by("jaar")] == [
        (2021, Decimal("39"), staff),
        (2022, Decimal("35.5"), staff),
    ]
    # Stored figures are shown, not offered for change.
    response = client.get(url)
    assert 'name="metingen-0-waarde"' not in response.text


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("61,5", Decimal("61.5")),
        ("61.5", Decimal("61.5")),
        ("27.000", Decimal("27000")),
        ("1.234.567", Decimal("1234567")),
        ("1.234,5", Decimal("1234.5")),
        ("6.1255", Decimal("6.1255")),
        (" -2,5 ", Decimal("-2.5")),
    ],
)
def test_a_figure_is_read_alike_in_the_form_the_admin_and_an_upload(typed, read):
    assert lees_getal(typed) == read
    assert DutchDecimalField(max_digits=14, decimal_places=4).clean(typed) == read
    assert parse_decimal(typed) == read


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Decimal("61.5000"), "61,5"),  # as stored: four decimals
        (Decimal("27000.0000"), "27.000"),
        (Decimal("-1250.7500"), "-1.250,75"),
        (Decimal("100"), "100"),
        (Decimal("0.0000"), "0"),
        (Decimal("5E+1"), "50"),
        (Decimal("1E-7"), "0,0000001"),
        (1200, "1.200"),
    ],
)
def test_a_figure_is_written_in_dutch_notation(value, written):
    assert getal(value) == written
    assert getal(value, grouping=False) == written.replace(".", "")


@pytest.mark.parametrize("typed", ["veel", "1,2,3", "NaN", "Infinity", "1" * 41, ""])
def test_what_is_no_figure_is_refused_alike(typed):
    with pytest.raises(ValueError):
        lees_getal(typed)
    with pytest.raises(ValidationError):
        DutchDecimalField(max_digits=14, decimal_places=4).clean(typed)


def test_the_admin_reads_figures_as_the_party_form_does(client, staff, indicator):
    client.force_login(staff)
    response = client.get(reverse("admin:afspraken_indicator_change", args=[indicator.pk]))
    form = response.context["adminform"].form
    assert isinstance(form.fields["basiswaarde"], DutchDecimalField)
    assert form["basiswaarde"].value() == "41"
    assert 'value="41"' in response.text  # not the stored 41,0000


def test_an_indicator_made_without_the_form_still_follows_its_agreement(afspraak, nhg):
    other = TrajectFactory(naam="Obstructieve slaapapneu", slug="obstructieve-slaapapneu")
    indicator = Indicator.objects.create(
        traject=other,  # a mistake an import could make
        verbeterafspraak=afspraak,
        naam="Verwijzingen",
        definitie="Een deel van alle verwijzingen.",
        eenheid=Indicator.Eenheid.PERCENTAGE,
        richting=Indicator.Richting.LAGER,
        basisjaar=2020,
        basiswaarde=41,
        bron="Nivel",
        leverancier=nhg,
    )
    indicator.refresh_from_db()
    assert indicator.traject == afspraak.traject
