"""An editor enters a trajectory's agreements in the admin: the trajectory chosen once, the
theme list only ever that trajectory's, and after each save the form ready for the next."""

import re

import pytest
from playwright.sync_api import expect

from afspraken.models import Verbeterafspraak
from tests.factories import ThemaFactory, TrajectFactory
from tests.mfa import authenticator_app

from .conftest import enter_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADD_URL = "/admin/afspraken/verbeterafspraak/add/"

# Seven agreements of one trajectory, in the order of the verbetersignalement.
AFSPRAKEN = [
    ("Diagnostiek", "Gebruik de beslisregel en de D-dimeertest bij verdenking op trombose"),
    ("Diagnostiek", "Voorkom beeldvorming bij een lage klinische kans op longembolie"),
    ("Diagnostiek", "Leg in het verwijsbericht vast welke beslisregel is gebruikt"),
    ("Behandeling", "Behandel laag-risicopatiënten met longembolie thuis"),
    ("Behandeling", "Kies bij de start van antistolling samen met de patiënt"),
    ("Nazorg", "Stop antistolling na drie maanden als de oorzaak bekend is"),
    ("Nazorg", "Geef patiënten na een longembolie een vast nazorgmoment"),
]


def log_in_to_admin(page, staff, url):
    authenticator_app(staff)
    page.goto(f"/admin/login/?next={url}")
    page.get_by_label("Gebruikersnaam").fill("redactie")
    page.get_by_label("Wachtwoord").fill("geheim-wachtwoord-123")
    page.get_by_role("button", name="Aanmelden").click()
    enter_code(page, staff)


def choose_in_autocomplete(page, field: str, text: str):
    """Django's autocomplete (Select2): open it, type, pick the one result."""
    page.locator(f".field-{field} .select2-selection").click()
    page.locator(".select2-dropdown .select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).click()


def offered_themes(page) -> list[tuple[str, str]]:
    """(trajectory id, name) of every theme the list offers now."""
    pairs = page.locator("#id_thema option[data-traject]").evaluate_all(
        "options => options.map(o => [o.dataset.traject, o.textContent])"
    )
    return [tuple(pair) for pair in pairs]


def test_seven_agreements_with_the_trajectory_chosen_once(
    page, check_page, staff, dvt, diagnostiek, nhg, niv
):
    behandeling = ThemaFactory(traject=dvt, naam="Behandeling", volgorde=2)
    nazorg = ThemaFactory(traject=dvt, naam="Nazorg", volgorde=3)
    # Another trajectory with a theme of the same name, the trap the old list set.
    ander = TrajectFactory(naam="Artrose van knie en heup", slug="artrose")
    ThemaFactory(traject=ander, naam="Diagnostiek", volgorde=1)
    ThemaFactory(traject=ander, naam="Leefstijl", volgorde=2)
    own = [(str(dvt.pk), thema.naam) for thema in (diagnostiek, behandeling, nazorg)]

    log_in_to_admin(page, staff, ADD_URL)
    # Once the page's scripts have run: the autocomplete boxes named for screen readers.
    expect(page.locator("#select2-id_traject-container")).to_have_attribute("aria-label", "Traject")
    expect(page.locator("#id_thema")).to_have_text(re.compile("Kies eerst een traject"))
    assert offered_themes(page) == []
    check_page(page, "1-nieuwe-afspraak")

    choose_in_autocomplete(page, "traject", "Diepe veneuze")  # the only time
    assert offered_themes(page) == own
    choose_in_autocomplete(page, "traject", "Artrose")
    assert [naam for _, naam in offered_themes(page)] == ["Diagnostiek", "Leefstijl"]
    choose_in_autocomplete(page, "traject", "Diepe veneuze")
    assert offered_themes(page) == own

    for nummer, (thema, titel) in enumerate(AFSPRAKEN, start=1):
        expect(page.locator(".field-traject .select2-selection__rendered")).to_contain_text(
            "Diepe veneuze trombose en longembolie"
        )
        assert offered_themes(page) == own
        if nummer == 1:  # chosen on the page, so not yet known to the server
            page.get_by_label("Nummer").fill("1")
        else:
            expect(page.get_by_label("Nummer")).to_have_value(str(nummer))
        if nummer == 1 or thema != AFSPRAKEN[nummer - 2][0]:
            page.get_by_label("Thema").select_option(label=thema)
        else:
            expect(page.get_by_label("Thema")).to_have_value(str(dvt.themas.get(naam=thema).pk))
        page.get_by_label("Titel").fill(titel)
        choose_in_autocomplete(page, "regiehouder", "NHG" if nummer % 2 else "NIV")
        page.get_by_label("Streefjaar").fill("2027")
        if nummer == 4:
            check_page(page, "2-ingevuld")
        page.get_by_role("button", name="Opslaan en nieuwe toevoegen").click()
        expect(page.locator(".messagelist")).to_contain_text("is toegevoegd")

    stored = list(
        Verbeterafspraak.objects.filter(traject=dvt)
        .order_by("nummer")
        .values_list("nummer", "thema__naam", "titel")
    )
    assert stored == [(n, thema, titel) for n, (thema, titel) in enumerate(AFSPRAKEN, start=1)]
    assert not Verbeterafspraak.objects.filter(traject=ander).exists()


def test_the_trajectory_page_adds_an_agreement_to_itself(page, staff, dvt, diagnostiek):
    log_in_to_admin(page, staff, f"/admin/trajecten/traject/{dvt.pk}/change/")
    page.get_by_role("link", name="Afspraak toevoegen").click()
    expect(page).to_have_url(re.compile(rf"{ADD_URL}\?traject={dvt.pk}$"))
    expect(page.locator(".field-traject .select2-selection__rendered")).to_contain_text(
        "Diepe veneuze trombose en longembolie"
    )
    assert offered_themes(page) == [(str(dvt.pk), "Diagnostiek")]
    expect(page.get_by_label("Nummer")).to_have_value("1")


def test_date_fields_speak_dutch_in_another_time_zone(browser, live_server, staff, dvt):
    """Django's note on the time zone comes from the admin's JavaScript catalogue."""
    context = browser.new_context(
        base_url=live_server.url, locale="nl-NL", timezone_id="America/New_York"
    )
    page = context.new_page()
    try:
        log_in_to_admin(page, staff, f"/admin/trajecten/traject/{dvt.pk}/change/")
        note = page.locator(".timezonewarning").first
        expect(note).to_contain_text("Let op: vul tijden in volgens de tijdzone Europe/Amsterdam")
        expect(note).to_contain_text("uur achter")
        page.locator(".field-signalementdatum .date-icon").first.click()
        calendar = page.locator(".calendarbox").first
        expect(calendar).to_contain_text("Vandaag")
        assert "Today" not in calendar.inner_text()
    finally:
        context.close()
