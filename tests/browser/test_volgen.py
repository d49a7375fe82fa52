"""Following by mail, end to end: follow an agreement, a colleague changes its status, the mail
arrives once, and its link stops it with one click; axe-core on every page."""

import datetime
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from afspraken.models import Status
from volgen.models import Volg

from ..volgen.conftest import report
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_follows_an_agreement_gets_the_mail_and_unsubscribes(
    page, check_page, alice, bob, afspraak, dvt
):
    page.goto(f"/accounts/login/?next={afspraak.get_absolute_url()}")
    log_in(page, "alice")
    expect(page.get_by_role("heading", level=1)).to_have_text("1. Voorkom onnodige verwijzing")
    page.get_by_role("button", name="Volgen").click()
    expect(page.get_by_text("U volgt nu deze afspraak.")).to_be_visible()
    expect(page.get_by_role("button", name="Niet meer volgen")).to_be_visible()
    check_page(page, "1-afspraak-gevolgd")

    page.goto(dvt.get_absolute_url())
    page.get_by_role("button", name="Volgen").click()
    expect(page.get_by_text("U volgt nu het traject Diepe veneuze trombose")).to_be_visible()
    check_page(page, "2-traject-gevolgd")

    page.get_by_role("link", name="Wat ik volg").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wat ik volg")
    expect(page.locator(".volg-lijst__item")).to_have_count(2)
    check_page(page, "3-wat-ik-volg")

    # Bob, her colleague, reports a new status: one mail, through the background work.
    report(
        afspraak,
        bob,
        status=Status.VERTRAAGD,
        toelichting="Later.",
        verwachte_datum=datetime.date(2026, 1, 1),
        peildatum=datetime.date(2024, 3, 1),
    )
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert "naar ‘Loopt met vertraging’" in message.body
    link = re.search(r"met één klik: \S+(/volgen/afmelden/\S+/)", message.body)[1]
    assert f"<http://127.0.0.1:8000{link}>" == message.extra_headers["List-Unsubscribe"]

    # The link in a browser asks for the click; only the click stops it (both follows).
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Niet meer volgen")
    expect(page.get_by_role("listitem").filter(has_text="het traject")).to_be_visible()
    assert Volg.objects.count() == 2
    check_page(page, "4-afmelden")
    page.get_by_role("button", name="Niet meer volgen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("U bent afgemeld")
    check_page(page, "5-afgemeld")
    assert not Volg.objects.exists()

    page.goto("/volgen/")
    expect(page.get_by_text("U volgt nog niets.")).to_be_visible()


def test_a_broken_link_says_so(page, check_page, db):
    response = page.goto("/volgen/afmelden/niet-compleet/")
    assert response.status == 400
    page.console_errors.clear()  # the browser's line about that 400, which is the point
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze link werkt niet")
    check_page(page, "1-ongeldige-link")
