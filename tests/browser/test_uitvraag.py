"""A reporting round in the browser: staff open it, a member answers two items, staff accept
one and send one back, the member answers again; the reminder trigger runs twice; the response
rate; hoor en wederhoor; staff publish, which closes the round. axe on every page, at desktop
and 360 px."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from tests.factories import (
    IndicatorFactory,
    LidmaatschapFactory,
    RapportageFactory,
    UserFactory,
    VerbeterafspraakFactory,
)
from tests.mfa import authenticator_app
from uitvragen.models import Uitvraag, Werkitem

from .conftest import enter_code, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in_staff(page, staff):
    page.context.clear_cookies()
    page.goto("/accounts/login/?next=/uitvragen/")
    log_in(page, "redactie")
    enter_code(page, staff)


def log_in_member(page, username):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    log_in(page, username)


def test_a_whole_round(page, check_page, staff, alice, charlie, afspraak, nhg, niv):
    IndicatorFactory(verbeterafspraak=afspraak, leverancier=nhg, streefjaar=2030)
    # A second party with an agreement of its own, that will not answer in time.
    LidmaatschapFactory(partij=niv, user=UserFactory(username="dora"))
    van_niv = VerbeterafspraakFactory(
        traject=afspraak.traject, thema=afspraak.thema, nummer=2, regiehouder=niv
    )
    authenticator_app(staff)
    peildatum = datetime.date.today() - datetime.timedelta(days=7)

    # Staff open the round.
    log_in_staff(page, staff)
    expect(page.get_by_role("heading", level=1)).to_have_text("Uitvragen")
    check_page(page, "1-uitvragen-leeg")
    page.get_by_role("link", name="Nieuwe uitvraag openen").click()
    page.get_by_label("Jaar").fill(str(peildatum.year))
    page.get_by_label("Peildatum").fill(peildatum.isoformat())
    page.get_by_label("Deadline").fill((peildatum + datetime.timedelta(days=30)).isoformat())
    page.get_by_label("Bericht").fill("Graag uw stand van zaken.")
    check_page(page, "2-nieuwe-uitvraag")
    page.get_by_role("button", name="Uitvraag openen en partijen mailen").click()
    expect(page.get_by_text("is geopend")).to_be_visible()
    check_page(page, "3-uitvraag")
    assert sorted(m.to for m in mail.outbox) == [["alice@example.org"], ["dora@example.org"]]

    # The member lands on the worklist and answers both items.
    log_in_member(page, "alice")
    expect(page).to_have_url(re.compile(r"/uitvragen/werklijst/$"))
    expect(page.get_by_text("Graag uw stand van zaken.")).to_be_visible()
    check_page(page, "4-werklijst")
    page.get_by_role("link", name=re.compile("Voortgang afspraak 1")).click()
    check_page(page, "5-werkitem-beantwoorden")
    page.get_by_label("Loopt volgens planning").check()
    page.get_by_label("Voortgang", exact=True).fill("De werkgroep is gestart.")
    page.get_by_role("button", name="Antwoord versturen").click()
    expect(page.get_by_text("Uw antwoord is verstuurd.")).to_be_visible()
    page.get_by_role("link", name=re.compile("Cijfer")).click()
    page.get_by_label("Waarde").fill("38,5")
    page.get_by_role("button", name="Antwoord versturen").click()
    expect(page.get_by_text("Uw antwoord is verstuurd.")).to_be_visible()

    # Staff accept the figure and send the progress back.
    log_in_staff(page, staff)
    page.get_by_role("link", name=re.compile("Uitvraag")).first.click()
    page.get_by_role("link", name=re.compile("Cijfer")).click()
    page.get_by_role("button", name="Accepteren").click()
    expect(page.get_by_text("Geaccepteerd: Cijfer")).to_be_visible()
    page.get_by_role("link", name=re.compile("Voortgang afspraak 1")).click()
    expect(page.get_by_text("De werkgroep is gestart.")).to_be_visible()
    check_page(page, "6-werkitem-beoordelen")
    page.get_by_label("Wat moet er beter?").fill("Welke regio's doen mee?")
    page.get_by_role("button", name="Terugsturen").click()
    expect(page.get_by_text("Teruggestuurd naar NHG")).to_be_visible()
    page.get_by_role("link", name="Respons").click()
    expect(page.get_by_role("img", name=re.compile("Staafdiagram"))).to_be_visible()
    check_page(page, "7-respons")

    # The member sees the comment and answers again.
    log_in_member(page, "alice")
    expect(page.get_by_text("Welke regio's doen mee?")).to_be_visible()
    check_page(page, "8-werklijst-teruggestuurd")
    page.get_by_role("link", name=re.compile("Voortgang afspraak 1")).click()
    expect(page.get_by_role("heading", name="Opnieuw beantwoorden")).to_be_visible()
    page.get_by_label("Voortgang", exact=True).fill(
        "Drie regio's doen mee; de rest volgt in het voorjaar."
    )
    page.get_by_role("button", name="Antwoord versturen").click()
    expect(page.get_by_text("Uw antwoord is verstuurd.")).to_be_visible()
    assert sorted(Werkitem.objects.values_list("status", flat=True)) == [
        "geaccepteerd",
        "ingediend",
        "open",
    ]

    # The reminder trigger, run twice on a reminder day, mails once, and only the member of
    # the party with an item still open.
    uitvraag = Uitvraag.objects.get()
    dag = uitvraag.deadline - datetime.timedelta(days=settings.UITVRAAG_HERINNEREN_DAGEN_VOOR[0])
    mail.outbox.clear()
    call_command("herinner_uitvragen", "--datum", dag.isoformat())
    call_command("herinner_uitvragen", "--datum", dag.isoformat())
    assert [m.to for m in mail.outbox] == [["dora@example.org"]]

    # The response rate: per party, what is answered, accepted, waiting and open.
    log_in_staff(page, staff)
    page.goto(uitvraag.get_absolute_url())
    page.get_by_role("link", name="Respons").click()
    partijen = page.locator("section[aria-labelledby=kop-partij] table")
    rows = {
        row.locator("th").inner_text(): [cell.inner_text() for cell in row.locator("td").all()]
        for row in partijen.locator("tbody tr").all()
    }
    # Total, answered, accepted, waiting, sent back, open, late, response rate.
    assert rows == {
        "NHG": ["2", "2", "1", "1", "0", "0", "0", "100 %"],
        "NIV": ["1", "0", "0", "0", "0", "1", "0", "0 %"],
    }

    # Hoor en wederhoor on the concept of the year's report, then staff publish it.
    rapportage = RapportageFactory(
        traject=afspraak.traject,
        jaar=uitvraag.jaar,
        peildatum=uitvraag.peildatum,
        titel=f"Voortgangsrapportage {uitvraag.jaar}",
    )
    page.goto(uitvraag.get_absolute_url())
    page.get_by_label("Reageren kan tot en met").fill(
        (datetime.date.today() + datetime.timedelta(days=7)).isoformat()
    )
    page.get_by_role("button", name="Hoor en wederhoor openen").click()
    expect(page.get_by_text("Hoor en wederhoor is open tot en met")).to_be_visible()
    log_in_member(page, "alice")
    page.goto("/uitvragen/werklijst/")
    page.get_by_role("link", name="Naar de concepttekst").click()
    eigen = page.locator(f"#afspraak-{afspraak.pk}")
    eigen.get_by_role("radio", name="Akkoord").check()
    eigen.get_by_role("button", name="Reactie opslaan").click()
    expect(page.get_by_text("Uw reactie op afspraak 1 is opgeslagen namens NHG.")).to_be_visible()
    expect(page.locator(f"#afspraak-{van_niv.pk}")).to_have_count(0)  # not her party's

    log_in_staff(page, staff)
    page.goto(rapportage.get_concept_url())
    expect(page.get_by_text(re.compile("wacht op beoordeling"))).not_to_have_count(0)
    page.get_by_label("Ik heb dit concept gecontroleerd en wil het nu publiceren.").check()
    page.get_by_role("button", name="Publiceren als editie 1").click()
    expect(page.get_by_role("status")).to_contain_text("Editie 1 van")
    uitvraag.refresh_from_db()
    assert uitvraag.status == Uitvraag.Status.GESLOTEN
    page.goto(uitvraag.get_absolute_url())
    expect(page.get_by_text(re.compile("publicatie van editie 1"))).to_be_visible()
    check_page(page, "9-uitvraag-gesloten")

    # An outsider sees nothing of it.
    log_in_member(page, "charlie")
    expect(page).to_have_url(re.compile(r"/afspraken/$"))
    page.goto("/uitvragen/werklijst/")
    expect(page.get_by_text("Er loopt nu geen uitvraag voor uw organisatie.")).to_be_visible()
    check_page(page, "10-werklijst-leeg")
