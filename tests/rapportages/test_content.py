import datetime

import pytest

from afspraken.models import NO_STATUS, Status
from rapportages.content import build_content
from rapportages.rendering import render_html
from tests.factories import (
    FaseperiodeFactory,
    IndicatorFactory,
    PartijFactory,
    RapportageFactory,
    ThemaFactory,
    TrajectFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)
from trajecten.models import Faseperiode


def _progress_by_nummer(content):
    return {
        progress.afspraak.nummer: (section.thema.naam, progress)
        for chapter in content.chapters
        for section in chapter.thema_sections
        for progress in section.afspraken
    }


def test_each_agreement_is_shown_in_its_theme_with_its_status_at_the_peildatum(
    rapportage, afspraken
):
    rows = _progress_by_nummer(build_content(rapportage))

    assert {nummer: (thema, progress.status) for nummer, (thema, progress) in rows.items()} == {
        1: ("Diagnostiek", Status.OP_SCHEMA),
        2: ("Initiële behandeling", Status.AFGEROND),
        3: ("Initiële behandeling", Status.VERTRAAGD),
    }


def test_an_update_after_the_peildatum_does_not_count(rapportage, afspraken):
    VoortgangsupdateFactory(
        verbeterafspraak=afspraken[0],
        peildatum=datetime.date(2022, 12, 1),
        status=Status.GESTOPT,
        tekst="Na de peildatum gemeld.",
        toelichting="Te laat voor deze rapportage.",
    )

    content = build_content(rapportage)
    html = render_html(content)

    _, progress = _progress_by_nummer(content)[1]
    assert progress.status == Status.OP_SCHEMA
    assert [u.tekst_html for u in progress.updates][-1] == "<p>De standaard wordt herzien.</p>"
    assert "Na de peildatum gemeld." not in html
    assert "Te laat voor deze rapportage." not in html


def test_a_trajectorys_first_report_tells_its_whole_history(rapportage, afspraken):
    html = render_html(build_content(rapportage))

    assert "De standaard wordt herzien." in html
    assert "De werkgroep wordt samengesteld." in html  # reported in 2021
    assert "Voortgang tot en met 1 november 2022" in html


def test_a_later_report_tells_what_came_after_the_previous_one(rapportage, afspraken, dvt):
    RapportageFactory(traject=dvt, jaar=2021, peildatum=datetime.date(2021, 11, 1))

    html = render_html(build_content(rapportage))

    assert "De standaard wordt herzien." in html
    assert "De werkgroep wordt samengesteld." not in html  # in the 2021 report
    assert "Voortgang sinds 2 november 2021" in html


def test_the_implementation_wide_report_tells_each_trajectorys_year(
    implementatierapportage, afspraken
):
    html = render_html(build_content(implementatierapportage))

    assert "De standaard wordt herzien." in html
    assert "De werkgroep wordt samengesteld." not in html  # reported in 2021
    assert "Voortgang in 2022" in html


def test_the_previous_reports_status_is_shown_only_when_it_changed(rapportage, afspraken, dvt):
    RapportageFactory(traject=dvt, jaar=2021, peildatum=datetime.date(2021, 11, 1))
    VoortgangsupdateFactory(
        verbeterafspraak=afspraken[1],
        peildatum=datetime.date(2021, 10, 1),
        status=Status.AFGEROND,
        tekst="Al afgerond in 2021.",
    )

    content = build_content(rapportage)
    rows = _progress_by_nummer(content)

    assert rows[1][1].previous_status == Status.NIET_GESTART
    assert rows[1][1].previous_status_label == "Nog niet gestart"
    assert rows[2][1].previous_status is None  # unchanged
    assert rows[3][1].previous_status == NO_STATUS  # nothing reported at the previous peildatum
    assert rows[3][1].previous_status_label == "Nog geen voortgang gemeld"
    assert "rapportage 2021:" in render_html(content)


def test_a_delayed_agreement_shows_the_explanation_and_both_dates(rapportage, afspraken):
    html = render_html(build_content(rapportage))

    assert "Er was geen financiering voor de richtlijnmodule." in html
    assert "Oorspronkelijk gepland: streefjaar 2024." in html
    assert "Nu verwacht: 30 juni 2025." in html


def test_party_text_is_sanitised_markdown(rapportage, afspraak):
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2022, 10, 1),
        tekst='<img src="https://example.org/x.png"><script>alert(1)</script>Regel **een**\n'
        "regel twee",
    )

    html = render_html(build_content(rapportage))

    assert "<img" not in html
    assert "<script" not in html
    assert "Regel <strong>een</strong><br>" in html


def test_each_agreement_says_where_it_was_agreed(rapportage, afspraken):
    """So a reader can trace it to the advice it came from; nothing when that is not known."""
    afspraken[0].bron = "Verbetersignalement DVT, paragraaf 4.1 <b>"
    afspraken[0].save()
    afspraken[1].bron = ""
    afspraken[1].save()

    html = render_html(build_content(rapportage))

    assert (
        "<dt>Afgesproken in</dt><dd>Verbetersignalement DVT, paragraaf 4.1 &lt;b&gt;</dd>" in html
    )
    assert html.count("<dt>Afgesproken in</dt>") == len([a for a in afspraken if a.bron])


@pytest.mark.parametrize("soort", ["traject", "implementatie"])
def test_every_text_people_typed_is_escaped(soort, rapportage, implementatierapportage, dvt):
    """The loops over agreements, updates and indicators escape explicitly (no autoescape
    there), so each text they show gets markup here."""
    dvt.naam = "<i>traject</i>"
    dvt.save()
    regiehouder = PartijFactory(afkorting="<i>R</i>", naam="<i>regiehouder</i>")
    betrokken = PartijFactory(afkorting="<i>B</i>", naam="<i>betrokken</i>")
    afspraak = VerbeterafspraakFactory(
        traject=dvt,
        thema=ThemaFactory(traject=dvt, naam="<i>thema</i>"),
        titel="<i>titel</i>",
        streefwaarde="<i>streefwaarde</i>",
        regiehouder=regiehouder,
        betrokken_partijen=[betrokken],
    )
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2022, 10, 1),
        status=Status.VERTRAAGD,
        partij=regiehouder,
        toelichting="Later.",
        verwachte_datum=datetime.date(2023, 6, 1),
    )
    IndicatorFactory(verbeterafspraak=afspraak, naam="<i>indicator</i>")
    report = rapportage if soort == "traject" else implementatierapportage

    html = render_html(build_content(report))

    assert "<i>" not in html
    for text in ["traject", "R", "regiehouder", "B", "betrokken", "thema", "titel"]:
        assert f"&lt;i&gt;{text}&lt;/i&gt;" in html
    assert "streefwaarde: &lt;i&gt;streefwaarde&lt;/i&gt;" in html
    assert "&lt;i&gt;indicator&lt;/i&gt;" in html


def test_status_counts_add_up(rapportage, afspraken, dvt, diagnostiek):
    VerbeterafspraakFactory(traject=dvt, thema=diagnostiek, nummer=4)  # nothing reported

    counts = build_content(rapportage).counts

    assert {code: count for code, _, count in counts.rows} == {
        Status.NIET_GESTART: 0,
        Status.OP_SCHEMA: 1,
        Status.VERTRAAGD: 1,
        Status.AFGEROND: 1,
        Status.GESTOPT: 0,
        Status.OVERGEDRAGEN: 0,
        NO_STATUS: 1,
    }
    assert counts.total == 4


def test_background_shows_the_phases_as_they_stood_at_the_peildatum(rapportage, dvt):
    dvt.signalementdatum = datetime.date(2021, 10, 11)
    dvt.publicatie_url = "https://www.zorginstituutnederland.nl/dvt"
    dvt.save()
    FaseperiodeFactory(
        traject=dvt, fase=Faseperiode.Fase.EVALUATIE, startdatum=datetime.date(2025, 1, 1)
    )
    periode = dvt.faseperiodes.get(fase=Faseperiode.Fase.IMPLEMENTATIE)
    periode.einddatum = datetime.date(2025, 1, 1)
    periode.save()

    content = build_content(rapportage)
    html = render_html(content)

    assert [(p.fase, p.einddatum) for p in content.chapter.phases] == [
        ("screening", datetime.date(2019, 4, 10)),
        ("verdieping", datetime.date(2021, 10, 11)),
        ("implementatie", None),  # ended only after the peildatum
    ]
    assert "vastgesteld op 11 oktober 2021" in html
    assert 'href="https://www.zorginstituutnederland.nl/dvt"' in html


def test_trajectory_report_links_to_the_implementation_wide_report_of_its_year(
    rapportage, implementatierapportage
):
    html = render_html(build_content(rapportage))

    assert 'href="/rapportages/implementatie/2022/"' in html


@pytest.fixture
def second_traject(db):
    """In the implementatiefase from March 2022, with one agreement without progress."""
    traject = TrajectFactory(naam="Obstructieve slaapapneu", slug="obstructieve-slaapapneu")
    FaseperiodeFactory(
        traject=traject, fase=Faseperiode.Fase.IMPLEMENTATIE, startdatum=datetime.date(2022, 3, 1)
    )
    VerbeterafspraakFactory(traject=traject, nummer=1)
    return traject


def test_implementation_wide_report_covers_trajectories_in_the_implementatiefase_that_year(
    implementatierapportage, afspraken, second_traject
):
    past = TrajectFactory(naam="Artrose", slug="artrose")  # implementatiefase ended in 2017
    FaseperiodeFactory(
        traject=past,
        fase=Faseperiode.Fase.IMPLEMENTATIE,
        startdatum=datetime.date(2014, 6, 30),
        einddatum=datetime.date(2017, 4, 1),
    )
    later = TrajectFactory(naam="Psychose", slug="psychose")  # starts after the peildatum
    FaseperiodeFactory(
        traject=later,
        fase=Faseperiode.Fase.IMPLEMENTATIE,
        startdatum=datetime.date(2022, 12, 1),
    )

    content = build_content(implementatierapportage)

    assert [c.traject.naam for c in content.chapters] == [
        "Diepe veneuze trombose en longembolie",
        "Obstructieve slaapapneu",
    ]
    assert [c.counts.total for c in content.chapters] == [3, 1]
    assert content.counts.total == 4
    totals = {code: count for code, _, count in content.counts.rows}
    assert totals[Status.OP_SCHEMA] == 1 and totals[NO_STATUS] == 1
    assert sum(totals.values()) == content.counts.total


def test_implementation_wide_report_has_an_overview_table_and_a_chapter_per_trajectory(
    implementatierapportage, afspraken, second_traject, rapportage
):
    html = render_html(build_content(implementatierapportage))

    assert html.count('class="hoofdstuk hoofdstuk--traject"') == 2
    assert 'id="obstructieve-slaapapneu-traject"' in html
    assert 'id="diepe-veneuze-trombose-en-longembolie-afspraak-1"' in html
    # The trajectory's own report of the year is linked from its chapter.
    assert 'href="/rapportages/diepe-veneuze-trombose-en-longembolie/2022/"' in html


def _create_afspraken(traject, thema, partijen, count, *, start):
    for nummer in range(start, start + count):
        afspraak = VerbeterafspraakFactory(
            traject=traject,
            thema=thema,
            nummer=nummer,
            regiehouder=partijen[0],
            betrokken_partijen=partijen[1:],
        )
        for month in (3, 6, 9):
            VoortgangsupdateFactory(
                verbeterafspraak=afspraak, peildatum=datetime.date(2022, month, 1)
            )


def test_building_a_trajectory_report_takes_a_fixed_number_of_queries(
    rapportage, implementatierapportage, dvt, diagnostiek, nhg, niv, zn, django_assert_num_queries
):
    RapportageFactory(traject=dvt, jaar=2021, peildatum=datetime.date(2021, 11, 1))
    _create_afspraken(dvt, diagnostiek, [nhg, niv], 2, start=1)
    # traject, phases, themes, agreements, their parties, their updates, earlier reports,
    # the implementation-wide report, indicators (their measurements only when there are any).
    with django_assert_num_queries(9):
        render_html(build_content(rapportage))

    second_thema = ThemaFactory(traject=dvt, naam="Nazorg", volgorde=2)
    _create_afspraken(dvt, second_thema, [niv, nhg, zn], 10, start=3)
    with django_assert_num_queries(9):
        render_html(build_content(rapportage))


def test_building_an_implementation_wide_report_takes_a_fixed_number_of_queries(
    implementatierapportage, dvt, diagnostiek, nhg, niv, django_assert_num_queries
):
    _create_afspraken(dvt, diagnostiek, [nhg, niv], 2, start=1)
    # trajectories, phases, themes, agreements, their parties, their updates, their reports,
    # indicators (their measurements only when there are any).
    with django_assert_num_queries(8):
        render_html(build_content(implementatierapportage))

    for index in range(3):
        traject = TrajectFactory()
        FaseperiodeFactory(
            traject=traject,
            fase=Faseperiode.Fase.IMPLEMENTATIE,
            startdatum=datetime.date(2021, 1, 1),
        )
        thema = ThemaFactory(traject=traject)
        _create_afspraken(traject, thema, [niv, nhg], 3 + index, start=1)
    with django_assert_num_queries(8):
        render_html(build_content(implementatierapportage))
