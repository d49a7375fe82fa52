"""A party member reports an indicator's figure on the agreement page, in Dutch notation."""

import re

import pytest
from playwright.sync_api import expect

from afspraken.models import Meting
from tests.afspraken.test_meting_views import make_indicator

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_reports_a_figure_in_dutch_notation(page, check_page, alice, afspraak, nhg):
    indicator = make_indicator(afspraak, nhg)
    page.goto(f"/accounts/login/?next=/afspraken/{afspraak.pk}/")
    log_in(page, "alice")
    block = page.locator(f"#indicator-{indicator.pk}")
    expect(block.get_by_role("heading", level=3)).to_have_text("Verwijzingen zonder beslisregel")
    expect(block.get_by_text("Geen gegevens")).to_be_visible()
    check_page(page, "1-afspraak-met-indicator")

    block.get_by_text("Cijfer melden").click()
    block.get_by_label("Jaar", exact=True).fill("2023")
    block.get_by_label("Waarde", exact=True).fill("120")
    block.get_by_role("button", name="Cijfer vastleggen").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Het cijfer is nog niet opgeslagen.")
    expect(summary).to_be_focused()
    expect(
        summary.get_by_role("link", name="Waarde: Een percentage ligt tussen 0 en 100.")
    ).to_be_visible()
    check_page(page, "2-fout")

    block.get_by_label("Waarde", exact=True).fill("38,5")
    block.get_by_role("button", name="Cijfer vastleggen").click()
    expect(page).to_have_url(re.compile(rf"/afspraken/{afspraak.pk}/#indicator-{indicator.pk}$"))
    expect(page.get_by_text("Het cijfer over 2023 is vastgelegd")).to_be_visible()
    table = block.get_by_role("table", name=re.compile("Cijfers per jaar"))
    expect(table.get_by_role("row", name=re.compile("2023"))).to_contain_text("38,5")
    expect(block.get_by_text("Niet op koers", exact=True)).to_be_visible()  # 38,5 of 20 by 2024
    check_page(page, "3-cijfer-vastgelegd")
    assert Meting.objects.get().waarde == 38.5
