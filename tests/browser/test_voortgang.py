"""What a party member does in the browser, end to end, with axe-core on every page."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from afspraken.models import Status
from tests.factories import (
    ThemaFactory,
    TrajectFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
)

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agreements(afspraak, nhg, zn, niv):
    """Alice's `afspraak` on schedule, another NHG agreement without progress, and ZN's."""
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2023, 10, 1),
        status=Status.OP_SCHEMA,
        tekst="De herziene standaard is in **consultatie**.",
    )
    osa = TrajectFactory(naam="Obstructieve slaapapneu", slug="obstructieve-slaapapneu")
    VerbeterafspraakFactory(
        traject=osa,
        thema=ThemaFactory(traject=osa, naam="Diagnostiek"),
        nummer=1,
        titel="Herken OSA-klachten eerder",
        regiehouder=nhg,
        betrokken_partijen=[niv],
    )
    VerbeterafspraakFactory(
        traject=afspraak.traject,
        thema=afspraak.thema,
        nummer=2,
        titel="Vergoed de thuisbehandeling",
        regiehouder=zn,
    )
    return afspraak


def test_member_filters_opens_an_agreement_and_reports_a_delay(
    page, check_page, alice, agreements, width
):
    afspraak = agreements
    # A visitor's /afspraken/ is the public list; the way in is the header's Inloggen.
    page.goto("/afspraken/")
    page.get_by_role("link", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    check_page(page, "1-inloggen")
    log_in(page, "alice")

    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn afspraken")
    expect(page.get_by_role("heading", name="2 afspraken")).to_be_visible()
    expect(page.get_by_text("Vergoed de thuisbehandeling")).to_have_count(0)
    check_page(page, "2-mijn-afspraken")

    # Filter: the phone starts with the filters folded.
    if width < 600:
        page.get_by_text("Filteren").click()
    page.get_by_label("Traject").select_option(label=afspraak.traject.naam)
    page.get_by_role("button", name="Filter toepassen").click()
    expect(page.get_by_role("heading", name="1 afspraak")).to_be_visible()
    check_page(page, "3-gefilterd")

    page.get_by_role("link", name="1. Voorkom onnodige verwijzing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("1. Voorkom onnodige verwijzing")
    expect(page.locator("#tijdlijn strong")).to_have_text("consultatie")
    check_page(page, "4-afspraak")

    # A delay needs an explanation and a new date; the fields appear with the choice.
    expect(page.get_by_label("Toelichting")).to_be_hidden()
    page.get_by_label("Loopt met vertraging").check()
    expect(page.get_by_label("Toelichting")).to_be_visible()
    page.get_by_label("Voortgang", exact=True).fill("De standaard komt een jaar later.")
    page.get_by_role("button", name="Voortgang toevoegen").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Uw melding is nog niet opgeslagen.")
    expect(summary).to_be_focused()  # a keyboard user continues from the errors
    expect(summary.get_by_role("link", name="Toelichting: Licht toe waarom")).to_be_visible()
    error = page.get_by_text("Licht toe waarom de afspraak vertraagd is.", exact=True)
    expect(error).to_be_visible()
    expect(page.get_by_label("Voortgang", exact=True)).to_have_value(
        "De standaard komt een jaar later."
    )
    check_page(page, "5-fout-in-formulier")

    page.get_by_label("Toelichting").fill("De commentaarronde duurde langer.")
    expected_date = datetime.date(datetime.date.today().year + 1, 12, 31)
    page.get_by_label("Nieuwe verwachte datum").fill(expected_date.isoformat())
    page.get_by_role("button", name="Voortgang toevoegen").click()

    expect(page.get_by_text("Uw voortgangsupdate is toegevoegd aan de tijdlijn.")).to_be_visible()
    first = page.locator(".tijdlijn__item").first
    expect(first).to_contain_text("Loopt met vertraging")
    expect(first).to_contain_text("De standaard komt een jaar later.")
    expect(first).to_contain_text("Gemeld door Test Alice namens NHG")
    expect(first).to_contain_text(f"31 december {expected_date.year}")
    check_page(page, "6-update-toegevoegd")
    assert afspraak.voortgangsupdates.count() == 2


def test_trajectory_pages(page, check_page, alice, agreements):
    page.goto("/accounts/login/?next=/trajecten/")
    log_in(page, "alice")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trajecten")
    expect(page.locator("[aria-current=step]").first).to_contain_text("Implementatiefase")
    check_page(page, "1-trajecten")

    page.get_by_role("link", name=agreements.traject.naam).click()
    expect(page.get_by_role("heading", name="Verbeterafspraken")).to_be_visible()
    expect(page.get_by_text("Vergoed de thuisbehandeling")).to_be_visible()
    check_page(page, "2-traject")


def test_outsider_is_refused(page, check_page, charlie, agreements):
    page.goto("/accounts/login/")
    log_in(page, "charlie")
    # Charlie (ZN) sees ZN's agreement, not NHG's.
    expect(page.get_by_role("heading", name="1 afspraak")).to_be_visible()
    expect(page.get_by_role("link", name="2. Vergoed de thuisbehandeling")).to_be_visible()
    expect(page.get_by_text("Voorkom onnodige verwijzing")).to_have_count(0)
    check_page(page, "1-alleen-eigen-afspraken")

    response = page.goto(agreements.get_absolute_url())
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagina niet gevonden")
    expect(page.get_by_text("Voortgang melden")).to_have_count(0)
    check_page(page, "2-afspraak-geweigerd")
    assert agreements.voortgangsupdates.count() == 1
