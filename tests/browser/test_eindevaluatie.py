"""The demo's published reports in the browser: the knee/hip end evaluation and the DVT report
of 2023, with their charts, tables and verdicts, and axe-core on each."""

import re

import pytest
from playwright.sync_api import expect

from portal.demo import load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.DEBUG = False
    load_demo()


def test_a_visitor_reads_the_end_evaluation_and_a_yearly_report(page, check_page, demo):
    page.goto("/rapportages/")
    page.get_by_role(
        "link", name="Eindevaluatie Zinnige Zorg Artrose van knie en heup", exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"/rapportages/artrose-knie-en-heup/eindevaluatie/$"))
    expect(page.get_by_role("heading", name="Conclusies", exact=True)).to_be_visible()
    expect(page.get_by_text("kenmerk 2021004321").first).to_be_visible()
    charts = page.locator("figure.indicator__figuur img")
    expect(charts).to_have_count(4)
    for index in range(4):
        # Drawn from its data: URL, with the summary in words as its text alternative.
        assert charts.nth(index).evaluate("img => img.naturalWidth") > 0
        assert charts.nth(index).get_attribute("alt").startswith("Lijngrafiek van ")
    expect(page.get_by_role("table", name="Verbeterafspraken met hun status")).to_be_visible()
    check_page(page, "1-eindevaluatie")

    page.goto("/rapportages/diepe-veneuze-trombose-en-longembolie/2023/")
    expect(page.locator("figure.indicator__figuur img")).to_have_count(3)
    expect(page.get_by_text("Niet op koers").first).to_be_visible()
    check_page(page, "2-rapportage-dvt-2023")
