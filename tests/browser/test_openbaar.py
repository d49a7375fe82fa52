"""A visitor without an account: from the front door to a trajectory, an agreement, its
indicator and a report, only clicking; axe on every page, at desktop and 360 px."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from afspraken.services import meld_meting
from rapportages.services import publiceer_rapportage
from tests.factories import IndicatorFactory, RapportageFactory, VoortgangsupdateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_clicks_from_the_front_door_to_everything_published(
    page, check_page, staff, alice, afspraak
):
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2022, 10, 1),
        tekst="De standaard wordt herzien.",
    )
    indicator = IndicatorFactory(verbeterafspraak=afspraak)
    meld_meting(
        indicator=indicator,
        user=alice,
        jaar=2021,
        waarde=Decimal("35"),
        peildatum=datetime.date(2022, 6, 1),
    )
    rapportage = RapportageFactory(
        traject=afspraak.traject,
        jaar=2022,
        titel="Voortgangsrapportage Diepe veneuze trombose 2022",
        peildatum=datetime.date(2022, 11, 1),
    )
    publiceer_rapportage(rapportage=rapportage, user=staff)
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2023, 3, 1),
        tekst="Na de rapportage gemeld.",
    )

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Passende zorg verbetertrajecten")
    check_page(page, "1-voordeur")

    # One click: the trajectory; two: the agreement.
    page.get_by_role("link", name=afspraak.traject.naam).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(afspraak.traject.naam)
    expect(page.get_by_text("De standaard wordt herzien.")).to_be_visible()
    expect(page.get_by_text("Na de rapportage gemeld.")).to_have_count(0)
    expect(page.locator(f"#indicator-{indicator.pk}")).to_contain_text(indicator.naam)
    check_page(page, "2-traject")
    page.get_by_role("link", name=re.compile(rf"^1\. {re.escape(afspraak.titel)}")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"1. {afspraak.titel}")
    check_page(page, "3-afspraak")

    # From the agreement to the report it was published in.
    page.get_by_role("link", name=rapportage.titel).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(rapportage.titel)

    # The list of all agreements, from the menu.
    page.goto("/")
    page.get_by_role("link", name="Alle verbeterafspraken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verbeterafspraken")
    expect(page.get_by_role("link", name=re.compile(re.escape(afspraak.titel)))).to_be_visible()
    check_page(page, "4-afspraken")
    page.get_by_role("link", name="Trajecten").first.click()
    check_page(page, "5-trajecten")

    # The accessibility statement, from the footer.
    page.get_by_role("contentinfo").get_by_role("link", name="Toegankelijkheid").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Toegankelijkheidsverklaring")
    check_page(page, "6-toegankelijkheidsverklaring")
