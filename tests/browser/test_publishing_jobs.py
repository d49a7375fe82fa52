"""Staff publish from the concept page; the real worker does the work while the page follows it."""

import datetime

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from rapportages.models import Editie
from tests.factories import RapportageFactory, VoortgangsupdateFactory
from tests.mfa import authenticator_app
from tests.rapportages.test_publishing_jobs import DATABASE_QUEUE, Worker

from .conftest import enter_code, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def width():
    return 1280  # one width: the worker's start takes seconds


@override_settings(TASKS=DATABASE_QUEUE)
def test_the_page_follows_the_worker_until_the_edition_is_there(page, check_page, staff, afspraak):
    VoortgangsupdateFactory(verbeterafspraak=afspraak, peildatum=datetime.date(2022, 10, 1))
    rapportage = RapportageFactory(
        traject=afspraak.traject, jaar=2022, peildatum=datetime.date(2022, 11, 1)
    )
    authenticator_app(staff)
    page.goto(f"/accounts/login/?next={rapportage.get_concept_url()}")
    log_in(page, "redactie")
    enter_code(page, staff)
    page.get_by_label("Ik heb dit concept gecontroleerd en wil het nu publiceren.").check()
    page.get_by_role("button", name="Publiceren als editie 1").click()

    # Back at once, with the job waiting for a worker.
    status = page.get_by_role("status")
    expect(status).to_contain_text("Bezig: in de wachtrij.")
    check_page(page, "1-wachtrij")
    assert not Editie.objects.exists()

    worker = Worker("--batch")
    assert worker.finish() == 0, worker
    # The page's script notices without a reload.
    expect(status).to_contain_text("Editie 1 van", timeout=15_000)
    page.get_by_role("link", name="Editie 1 bekijken").click()
    expect(page.locator(".omslag__editie")).to_contain_text("Editie 1, gepubliceerd op")
