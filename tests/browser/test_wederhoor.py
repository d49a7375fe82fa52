"""Hoor en wederhoor in the browser: staff open the review window on the round's page, a
member sees the concept text about their party's agreements only, comments on one and agrees
with the other, and staff see both reactions beside the text; axe on every page, at desktop
and 360 px."""

import datetime
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from afspraken.models import Status
from tests.factories import RapportageFactory, VerbeterafspraakFactory, VoortgangsupdateFactory
from tests.mfa import authenticator_app
from uitvragen.models import Reactie
from uitvragen.services import open_uitvraag

from .test_uitvraag import log_in_member, log_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hoor_en_wederhoor(page, check_page, staff, alice, charlie, afspraak, nhg, zn):
    authenticator_app(staff)
    betrokken = VerbeterafspraakFactory(
        traject=afspraak.traject,
        thema=afspraak.thema,
        nummer=2,
        titel="Gebruik de beslisregel",
        regiehouder=zn,
        betrokken_partijen=[nhg],
    )
    other = VerbeterafspraakFactory(
        traject=afspraak.traject,
        thema=afspraak.thema,
        nummer=3,
        titel="Meet de wachttijd",
        regiehouder=zn,
    )
    for agreement, tekst in [
        (afspraak, "De standaard is herzien."),
        (betrokken, "De beslisregel is vertaald."),
        (other, "De wachttijd wordt gemeten."),
    ]:
        VoortgangsupdateFactory(
            verbeterafspraak=agreement,
            peildatum=datetime.date(2025, 10, 1),
            status=Status.OP_SCHEMA,
            tekst=tekst,
        )
    uitvraag = open_uitvraag(
        jaar=2025,
        peildatum=datetime.date(2025, 10, 1),
        deadline=datetime.date(2025, 11, 15),
        user=staff,
        notify=False,
    )
    RapportageFactory(
        traject=afspraak.traject,
        jaar=2025,
        peildatum=datetime.date(2025, 11, 1),
        titel="Voortgangsrapportage Diepe veneuze trombose 2025",
    )
    tot = datetime.date.today() + datetime.timedelta(days=14)

    # Staff open the window on the round's page.
    log_in_staff(page, staff)
    page.goto(uitvraag.get_absolute_url())
    page.get_by_label("Reageren kan tot en met").fill(tot.isoformat())
    page.get_by_role("button", name="Hoor en wederhoor openen").click()
    expect(page.get_by_text("Hoor en wederhoor is open tot en met")).to_be_visible()
    check_page(page, "1-uitvraag-wederhoor-open")
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "charlie@example.org"]

    # The member follows the link on the worklist and sees their two agreements only.
    log_in_member(page, "alice")
    page.goto("/uitvragen/werklijst/")
    check_page(page, "2-werklijst-met-wederhoor")
    page.get_by_role("link", name="Naar de concepttekst").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Concepttekst over uw afspraken")
    expect(page.get_by_text("De standaard is herzien.")).to_be_visible()
    expect(page.get_by_text("De beslisregel is vertaald.")).to_be_visible()
    expect(page.get_by_text("Meet de wachttijd")).to_have_count(0)
    expect(page.get_by_text("De wachttijd wordt gemeten.")).to_have_count(0)
    check_page(page, "3-wederhoor-partij")

    # A comment without text is refused, in Dutch, and the choice stays.
    first = page.locator(f"#afspraak-{afspraak.pk}")
    first.get_by_role("radio", name="Opmerking").check()
    first.get_by_role("button", name="Reactie opslaan").click()
    first = page.locator(f"#afspraak-{afspraak.pk}")
    expect(first.get_by_text("Uw reactie is nog niet opgeslagen.")).to_be_visible()
    check_page(page, "4-wederhoor-fout")
    first.get_by_label("Uw opmerking").fill("Noem ook de drie regio's.")
    first.get_by_role("button", name="Reactie opslaan").click()
    expect(page.get_by_text("Uw reactie op afspraak 1 is opgeslagen namens NHG.")).to_be_visible()
    second = page.locator(f"#afspraak-{betrokken.pk}")
    second.get_by_role("radio", name="Akkoord").check()
    second.get_by_role("button", name="Reactie opslaan").click()
    expect(page.get_by_text("Uw reactie op afspraak 2 is opgeslagen namens NHG.")).to_be_visible()
    check_page(page, "5-wederhoor-gereageerd")
    assert sorted(Reactie.objects.values_list("soort", flat=True)) == ["akkoord", "opmerking"]

    # Staff see both reactions beside the text.
    log_in_staff(page, staff)
    page.goto(uitvraag.get_absolute_url())
    page.get_by_role("link", name="Reacties van de partijen bekijken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hoor en wederhoor 2025")
    check_page(page, "6-wederhoor-overzicht")
    page.get_by_role("link", name=re.compile("Diepe veneuze trombose")).first.click()
    expect(page.get_by_text("Noem ook de drie regio's.")).to_be_visible()
    expect(page.get_by_text("De standaard is herzien.")).to_be_visible()
    expect(page.locator(f"#afspraak-{betrokken.pk}").get_by_text("Akkoord")).to_be_visible()
    check_page(page, "7-wederhoor-traject")
    page.get_by_label("Alleen afspraken met een opmerking").check()
    page.get_by_role("button", name="Tonen").click()
    expect(page.get_by_text("Gebruik de beslisregel")).to_have_count(0)
    expect(page.get_by_text("Voorkom onnodige verwijzing")).to_be_visible()
