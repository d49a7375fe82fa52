"""A member of staff sets up their authenticator app at their first login, then uses it."""

import base64
import re

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def width():
    return 1280


def test_staff_set_up_their_second_factor_and_reach_the_admin(page, check_page, staff):
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.get_by_label("Gebruikersnaam").fill("redactie")
    page.get_by_label("Wachtwoord").fill("geheim-wachtwoord-123")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tweede factor instellen")
    expect(page.get_by_role("img", name=re.compile("QR-code"))).to_be_visible()
    check_page(page, "1-instellen")

    # What a phone does with the key under the QR code.
    secret = page.locator("code").inner_text().replace(" ", "")
    code = f"{TOTP(base64.b32decode(secret)).token():06d}"
    page.get_by_label("Code").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Tweede factor instellen").click()
    expect(page.locator(".errorlist")).to_contain_text("Deze code klopt niet.")

    page.wait_for_timeout(1100)  # the throttle's wait after one wrong code
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Tweede factor instellen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Herstelcodes")
    expect(page.locator("main li code")).to_have_count(10)
    check_page(page, "2-herstelcodes")

    page.get_by_role("link", name="Ik heb de codes bewaard, verder").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", name="Beheer door Zorginstituut Nederland")).to_be_visible()
