"""Staff publish a report; an anonymous visitor reads it and downloads the PDF."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from rapportages.models import Editie
from tests.factories import RapportageFactory, VoortgangsupdateFactory
from tests.mfa import authenticator_app

from .conftest import enter_code, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rapportage(afspraak):
    VoortgangsupdateFactory(
        verbeterafspraak=afspraak,
        peildatum=datetime.date(2022, 10, 1),
        tekst="De standaard wordt **herzien**.",
    )
    return RapportageFactory(
        traject=afspraak.traject,
        jaar=2022,
        titel="Eerste voortgangsrapportage implementatie Diepe veneuze trombose en longembolie",
        peildatum=datetime.date(2022, 11, 1),
    )


def test_staff_publish_and_a_visitor_reads_the_report(page, check_page, staff, rapportage):
    authenticator_app(staff)
    page.goto("/accounts/login/?next=/rapportages/")
    log_in(page, "redactie")
    check_page(page, "0-inlogcode")
    enter_code(page, staff)
    page.get_by_role("link", name="Concept bekijken en publiceren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(rapportage.titel)
    check_page(page, "1-concept")

    page.get_by_role("button", name="Publiceren als editie 1").click()
    assert not Editie.objects.exists()  # the confirmation is required
    page.get_by_label("Ik heb dit concept gecontroleerd en wil het nu publiceren.").check()
    page.get_by_role("button", name="Publiceren als editie 1").click()
    # The job's page (here the job ran at once: the tests' immediate backend), with the result.
    expect(page.get_by_role("status")).to_contain_text("Editie 1 van")
    expect(page.get_by_role("link", name="Editie 1 bekijken")).to_be_visible()
    check_page(page, "1b-opdracht")
    page.context.clear_cookies()

    page.goto("/rapportages/")
    check_page(page, "2-lijst")
    page.get_by_role("link", name=rapportage.titel, exact=True).click()
    expect(page).to_have_url(
        re.compile(r"/rapportages/diepe-veneuze-trombose-en-longembolie/2022/$")
    )
    expect(page.get_by_role("heading", name="Voortgang per verbeterafspraak")).to_be_visible()
    expect(page.get_by_text("Voorkom onnodige verwijzing")).to_be_visible()
    check_page(page, "3-rapportage")

    with page.expect_download() as download:
        page.goto("/rapportages/")
        page.get_by_role("link", name=f"PDF van {rapportage.titel}").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
