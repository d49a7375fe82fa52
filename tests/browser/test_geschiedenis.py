"""A trajectory closed before the portal existed gets its history told, through the pages.

Artrose van knie en heup left the implementatiefase in 2017 and the evaluatiefase in 2021.
Its parties enter what happened since, a first report of the trajectory then tells all of it,
and publishing that report freezes its progress up to the report's peildatum. The
implementation-wide report of 2023, already published, covers other trajectories and must not
stand in the way.
"""

import datetime

import pytest
from playwright.sync_api import expect

from afspraken.models import Partij, Status
from rapportages.models import Rapportage
from rapportages.services import publiceer_rapportage
from tests.factories import (
    FaseperiodeFactory,
    PartijFactory,
    RapportageFactory,
    ThemaFactory,
    TrajectFactory,
    VerbeterafspraakFactory,
)
from tests.mfa import authenticator_app
from trajecten.models import Faseperiode, Traject

from .conftest import enter_code, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORTED_2016 = "De werkgroep herziet de NHG-Standaard Niet-traumatische knieklachten."
REPORTED_2018 = "De herziene standaard is nog niet geautoriseerd."
DELAY_2018 = "De autorisatie wacht op de richtlijn van de orthopeden."
REPORTED_2021 = "De herziene standaard is gepubliceerd en in de nascholing opgenomen."
ADMIN_2017 = "De keuzehulp voor knieartrose is getest in vier ziekenhuizen."
ADMIN_2021 = "De keuzehulp staat op Thuisarts.nl en wordt in elk spreekuur gebruikt."


@pytest.fixture
def width():
    """The story is about what the pages say, not their layout: desktop only."""
    return 1280


@pytest.fixture
def artrose(nhg, staff):
    """The trajectory with two agreements, one led by NHG and one by the orthopaedists."""
    traject = TrajectFactory(
        naam="Artrose van knie en heup",
        slug="artrose-knie-en-heup",
        domein="Bewegingsapparaat",
        icd10_codes="M16, M17",
        signalementdatum=datetime.date(2014, 6, 30),
        afsluiting=Traject.Afsluiting.AFGEROND,
    )
    FaseperiodeFactory(
        traject=traject,
        fase=Faseperiode.Fase.IMPLEMENTATIE,
        startdatum=datetime.date(2014, 6, 30),
        einddatum=datetime.date(2017, 4, 1),
    )
    FaseperiodeFactory(
        traject=traject,
        fase=Faseperiode.Fase.EVALUATIE,
        startdatum=datetime.date(2017, 4, 1),
        einddatum=datetime.date(2021, 3, 16),
    )
    thema = ThemaFactory(traject=traject, naam="Conservatieve behandeling eerst", volgorde=1)
    nov = PartijFactory(
        afkorting="NOV",
        naam="Nederlandse Orthopaedische Vereniging",
        soort=Partij.Soort.WETENSCHAPPELIJKE_VERENIGING,
    )
    VerbeterafspraakFactory(
        traject=traject,
        thema=thema,
        nummer=1,
        titel="Behandel eerst in de eerste lijn",
        regiehouder=nhg,
        betrokken_partijen=[nov],
        streefjaar=2018,
    )
    VerbeterafspraakFactory(
        traject=traject,
        thema=thema,
        nummer=2,
        titel="Kies samen met een keuzehulp",
        regiehouder=nov,
        streefjaar=2019,
    )
    # Published first, and about the trajectories in the implementatiefase in 2023 only.
    implementatierapportage = RapportageFactory(
        soort=Rapportage.Soort.IMPLEMENTATIE,
        traject=None,
        jaar=2023,
        titel="Voortgangsrapportage implementatiefase 2023",
        peildatum=datetime.date(2023, 11, 1),
    )
    publiceer_rapportage(rapportage=implementatierapportage, user=staff)
    RapportageFactory(
        traject=traject,
        jaar=2021,
        titel="Voortgangsrapportage Artrose van knie en heup 2021",
        peildatum=datetime.date(2021, 11, 1),
    )
    return traject


def report_progress(page, *, peildatum: str, status: str, tekst: str, **delay):
    page.get_by_role("radio", name=status, exact=True).check()
    page.get_by_label("Peildatum").fill(peildatum)
    page.get_by_label("Voortgang", exact=True).fill(tekst)
    if "toelichting" in delay:
        page.get_by_label("Toelichting").fill(delay["toelichting"])
        page.get_by_label("Nieuwe verwachte datum").fill(delay["verwachte_datum"])
    page.get_by_role("button", name="Voortgang toevoegen").click()


def test_a_closed_trajectory_gets_its_history_reported_and_published(
    page, check_page, alice, staff, artrose
):
    eerste_lijn, keuzehulp = artrose.verbeterafspraken.order_by("nummer")
    rapportage = artrose.rapportages.get()

    # 1. Alice (NHG) enters what happened on NHG's agreement, oldest first.
    page.goto("/accounts/login/")
    log_in(page, "alice")
    page.goto(eerste_lijn.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("1. Behandel eerst in de eerste lijn")
    expect(page.get_by_text("Er is nog geen voortgang gemeld voor deze afspraak.")).to_be_visible()
    check_page(page, "1-afspraak")

    timeline = page.locator(".tijdlijn__item")
    report_progress(
        page, peildatum="2016-10-01", status="Loopt volgens planning", tekst=REPORTED_2016
    )
    expect(page.get_by_text("Uw voortgangsupdate is toegevoegd aan de tijdlijn.")).to_be_visible()
    # Not held up by the published implementation-wide report of 2023, which is about others.
    expect(timeline).to_have_count(1)
    expect(timeline.first).to_contain_text("1 oktober 2016")
    expect(timeline.first).to_contain_text("Eerste melding.")
    expect(timeline.first).to_contain_text(REPORTED_2016)

    report_progress(
        page,
        peildatum="2018-10-01",
        status="Loopt met vertraging",
        tekst=REPORTED_2018,
        toelichting=DELAY_2018,
        verwachte_datum="2021-06-01",
    )
    expect(timeline).to_have_count(2)
    expect(timeline.first).to_contain_text("1 oktober 2018")
    expect(timeline.first).to_contain_text(DELAY_2018)
    expect(timeline.first).to_contain_text("Nieuwe verwachte datum: 1 juni 2021")

    report_progress(page, peildatum="2021-10-01", status="Afgerond", tekst=REPORTED_2021)
    expect(timeline).to_have_count(3)
    expect(timeline.first).to_contain_text("1 oktober 2021")
    expect(timeline.first).to_contain_text(
        "Status gewijzigd van ‘loopt met vertraging’ naar ‘afgerond’."
    )
    check_page(page, "2-geschiedenis-gemeld")

    # Back in time, between two entries, is refused; what was typed stays.
    report_progress(page, peildatum="2020-01-01", status="Afgerond", tekst="Toch eerder klaar.")
    expect(page.get_by_role("alert")).to_contain_text("Uw melding is nog niet opgeslagen.")
    expect(page.locator("#veld-peildatum")).to_contain_text(
        "De peildatum ligt vóór de laatste melding (1 oktober 2021)."
    )
    expect(page.get_by_label("Voortgang", exact=True)).to_have_value("Toch eerder klaar.")
    expect(timeline).to_have_count(3)
    assert eerste_lijn.voortgangsupdates.count() == 3

    # 2. Zorginstituut records what the orthopaedists reported, in the admin.
    page.context.clear_cookies()
    change_url = f"/admin/afspraken/verbeterafspraak/{keuzehulp.pk}/change/"
    authenticator_app(staff)
    page.goto(f"/admin/login/?next={change_url}")
    page.get_by_label("Gebruikersnaam").fill("redactie")
    page.get_by_label("Wachtwoord").fill("geheim-wachtwoord-123")
    page.get_by_role("button", name="Aanmelden").click()  # Django's own word, in the admin
    enter_code(page, staff)
    expect(
        page.get_by_role("heading", level=2, name="2. Kies samen met een keuzehulp")
    ).to_be_visible()
    add_another = page.get_by_role("button", name="Nog een Voortgangsupdate toevoegen")
    for index, (peildatum, status, tekst) in enumerate(
        [
            ("01-10-2017", Status.OP_SCHEMA, ADMIN_2017),
            ("01-10-2021", Status.AFGEROND, ADMIN_2021),
        ]
    ):
        add_another.click()
        row = page.locator(f"#voortgangsupdates-{index}")
        row.get_by_label("Peildatum").fill(peildatum)
        row.get_by_label("Status").select_option(status)
        row.get_by_label("Voortgang").fill(tekst)
        row.get_by_label("Namens partij").select_option(label="NOV")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("is gewijzigd")
    updates = list(keuzehulp.voortgangsupdates.order_by("peildatum"))
    assert [(u.peildatum, u.status, u.tekst, u.partij.afkorting, u.auteur) for u in updates] == [
        (datetime.date(2017, 10, 1), Status.OP_SCHEMA, ADMIN_2017, "NOV", staff),
        (datetime.date(2021, 10, 1), Status.AFGEROND, ADMIN_2021, "NOV", staff),
    ]
    page.goto(keuzehulp.get_absolute_url())
    expect(timeline).to_have_count(2)
    expect(timeline.first).to_contain_text("1 oktober 2021")
    expect(timeline.first).to_contain_text("Gemeld door Test Redactie namens NOV")

    # 3. Staff publish the trajectory's first report, which tells its whole history.
    page.goto(rapportage.get_concept_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(rapportage.titel)
    check_page(page, "3-concept")
    page.get_by_label("Ik heb dit concept gecontroleerd en wil het nu publiceren.").check()
    page.get_by_role("button", name="Publiceren als editie 1").click()
    expect(page.get_by_role("status")).to_contain_text("Editie 1 van")
    artrose.refresh_from_db()
    assert artrose.bevroren_tot == datetime.date(2021, 11, 1)

    page.context.clear_cookies()
    page.goto("/rapportages/artrose-knie-en-heup/2021/")
    expect(page.get_by_role("heading", level=1)).to_have_text(rapportage.titel)
    expect(page.locator(".omslag__editie")).to_contain_text("Editie 1, gepubliceerd op")
    first = page.locator("#afspraak-1")
    expect(first).to_contain_text("Voortgang tot en met 1 november 2021")
    expect(first.locator(".update__meta")).to_have_text(
        [
            "1 oktober 2016 · NHG · loopt volgens planning",
            "1 oktober 2018 · NHG · loopt met vertraging",
            "1 oktober 2021 · NHG · afgerond",
        ]
    )
    told = first.locator(".update")
    expect(told.nth(0)).to_contain_text(REPORTED_2016)
    expect(told.nth(1)).to_contain_text(REPORTED_2018)
    # The delay is history now, but its reason and the date then expected are part of it.
    expect(told.nth(1)).to_contain_text(f"Toelichting: {DELAY_2018}")
    expect(told.nth(1)).to_contain_text("Nieuwe verwachte datum: 1 juni 2021.")
    expect(told.nth(2)).to_contain_text(REPORTED_2021)
    second = page.locator("#afspraak-2")
    expect(second.locator(".update__meta")).to_have_text(
        ["1 oktober 2017 · NOV · loopt volgens planning", "1 oktober 2021 · NOV · afgerond"]
    )
    for text in [ADMIN_2017, ADMIN_2021]:
        expect(second).to_contain_text(text)
    check_page(page, "4-rapportage")

    # 4. The published report's peildatum now closes the past for new progress.
    page.goto(f"/accounts/login/?next={eerste_lijn.get_absolute_url()}")
    log_in(page, "alice")
    report_progress(page, peildatum="2021-10-15", status="Afgerond", tekst="Nagekomen bericht.")
    expect(page.get_by_role("alert")).to_contain_text("Uw melding is nog niet opgeslagen.")
    expect(page.locator("#veld-peildatum")).to_contain_text(
        "De voortgang van Artrose van knie en heup is vastgelegd tot en met 1 november 2021"
    )
    check_page(page, "5-vastgelegd")
    assert eerste_lijn.voortgangsupdates.count() == 3

    page.get_by_label("Peildatum").fill("2021-11-02")
    page.get_by_role("button", name="Voortgang toevoegen").click()
    expect(page.get_by_text("Uw voortgangsupdate is toegevoegd aan de tijdlijn.")).to_be_visible()
    expect(timeline).to_have_count(4)
    expect(timeline.first).to_contain_text("2 november 2021")
    expect(timeline.first).to_contain_text("Nagekomen bericht.")
