"""WCAG 2.1 beyond what axe sees: the main tasks with the keyboard only, with the focus visible
at every step (2.1.1, 2.4.7); pages that reflow at 320 CSS pixels without scrolling sideways
(1.4.10) and hold at 200 % zoom (1.4.4); status shown by words, not colour alone, also in
forced-colours mode (1.4.1)."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from afspraken.models import Status
from rapportages.services import publiceer_rapportage
from tests.factories import RapportageFactory, VoortgangsupdateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUS_VISIBLE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return false;
    const s = getComputedStyle(el);
    return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== "none";
}"""


def tab_to(page, locator, limit=200):
    """Press Tab until `locator` has the focus, and check that one can see where it is."""
    target = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(el) => document.activeElement === el", target):
            assert page.evaluate(FOCUS_VISIBLE), f"focus not visible on {locator}"
            return
    raise AssertionError(f"{locator} is not reachable with the Tab key")


@pytest.fixture
def gepubliceerd(afspraak, staff):
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2022, 10, 1),
        status=Status.OP_SCHEMA,
        tekst="De standaard wordt herzien.",
    )
    rapportage = RapportageFactory(
        traject=afspraak.traject,
        jaar=2022,
        titel="Voortgangsrapportage Diepe veneuze trombose 2022",
        peildatum=datetime.date(2022, 11, 1),
    )
    return publiceer_rapportage(rapportage=rapportage, user=staff)


@pytest.mark.parametrize("width", [1280], ids=["desktop"])
def test_the_main_tasks_with_the_keyboard_only(page, alice, afspraak, gepubliceerd):
    # Log in.
    page.goto("/accounts/login/")
    tab_to(page, page.get_by_label("Gebruikersnaam"))
    page.keyboard.type("alice")
    tab_to(page, page.get_by_label("Wachtwoord"))
    page.keyboard.type("geheim-wachtwoord-123")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn afspraken")

    # Filter Mijn afspraken.
    tab_to(page, page.get_by_label("Status", exact=True))
    page.keyboard.type("Loopt volgens")  # a select's type-ahead picks the option
    tab_to(page, page.get_by_role("button", name="Filter toepassen"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"status=op_schema"))

    # Report progress on the agreement.
    tab_to(page, page.get_by_role("link", name=re.compile(rf"^1\. {re.escape(afspraak.titel)}")))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(afspraak.titel)
    # A group of radio buttons is one Tab stop; the arrow keys choose within it.
    # (its stop is the chosen one, or the first when none is chosen)
    chosen = page.locator('input[name="status"]:checked')
    tab_to(page, chosen if chosen.count() else page.locator('input[name="status"]').first)
    for _ in range(10):
        if page.get_by_label("Afgerond").is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Afgerond")).to_be_checked()
    tab_to(page, page.get_by_label("Voortgang", exact=True))
    page.keyboard.type("De herziene standaard is gepubliceerd.")
    tab_to(page, page.get_by_role("button", name="Voortgang toevoegen"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("De herziene standaard is gepubliceerd.").first).to_be_visible()

    # Open a report and download its PDF.
    tab_to(
        page,
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Rapportages"),
    )
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name=gepubliceerd.titel, exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(gepubliceerd.titel)
    tab_to(page, page.get_by_role("link", name="Download als PDF"))
    with page.expect_response(re.compile(r"\.pdf$")) as response:
        page.keyboard.press("Enter")
    assert response.value.status == 200
    assert response.value.headers["content-type"] == "application/pdf"


PUBLIC_PAGES = ["/", "/trajecten/", "/afspraken/", "/rapportages/"]


def no_sideways_scroll(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [320], ids=["320px"])
def test_pages_reflow_at_320_pixels(page, alice, afspraak, gepubliceerd):
    pages = [*PUBLIC_PAGES, afspraak.traject.get_absolute_url(), afspraak.get_absolute_url()]
    pages.append(gepubliceerd.get_absolute_url())  # the report, with its own stylesheet
    for url in pages:
        page.goto(url)
        assert no_sideways_scroll(page), f"{url} scrolls sideways at 320 px"
    page.goto("/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill("alice")
    page.get_by_label("Wachtwoord").fill("geheim-wachtwoord-123")
    page.get_by_role("button", name="Inloggen").click()
    for url in ["/afspraken/", afspraak.get_absolute_url(), afspraak.traject.get_absolute_url()]:
        page.goto(url)
        assert no_sideways_scroll(page), f"{url} (logged in) scrolls sideways at 320 px"


def test_pages_hold_at_200_percent_zoom(browser, live_server, afspraak, gepubliceerd):
    """A 1280 by 900 window zoomed to 200 %: 640 by 450 CSS pixels, each two device pixels."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 640, "height": 450},
        device_scale_factor=2,
        locale="nl-NL",
    )
    page = context.new_page()
    for url in [*PUBLIC_PAGES, afspraak.traject.get_absolute_url(), afspraak.get_absolute_url()]:
        page.goto(url)
        assert no_sideways_scroll(page), f"{url} scrolls sideways at 200 % zoom"
        box = page.get_by_role("heading", level=1).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 640
    context.close()


@pytest.mark.parametrize("width", [1280], ids=["desktop"])
def test_a_status_is_told_in_words_also_in_forced_colours(page, afspraak, gepubliceerd):
    page.emulate_media(forced_colors="active")
    page.goto(afspraak.traject.get_absolute_url())
    badges = page.locator(".badge")
    assert badges.count() > 0
    for text in badges.all_inner_texts():
        assert text.strip(), "a status badge without words"
    expect(badges.first).to_have_text("Loopt volgens planning")
    assert badges.first.is_visible()
