"""The follow mail, sent by background work (`manage.py task_worker`), never in a request.

A job gets the `Volgbericht`s that one change queued and sends each at most once: it takes the
record under a lock (a second run of the job, or a retry, skips one being sent and finds a sent
one done) and marks it in the same transaction as it sends. When it runs it checks again that
the person still follows (an unsubscribe meanwhile stops the mail), still may see the agreement
(a status is live data) and has an active account with an address.

Plain Dutch text, short, with a link to the page at `PORTAAL_URL` and the one-click unsubscribe
of RFC 8058 (`List-Unsubscribe` and `List-Unsubscribe-Post`; the mail server should sign the
mail with DKIM for mail clients to offer it).
"""

import email.policy
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from afspraken.models import Verbeterafspraak, status_label
from rapportages.models import GepubliceerdeStand

from .models import Volgbericht
from .tokens import afmeldtoken


def _url(path: str) -> str:
    return urljoin(settings.PORTAAL_URL, path)


def afmeld_url(volg_ids) -> str:
    return _url(reverse("volgen:afmelden", args=[afmeldtoken(volg_ids)]))


@task
def mail_volgberichten(bericht_ids: list[int]) -> int:
    """Send the waiting follow mails among these; returns how many went."""
    sent = 0
    for pk in bericht_ids:
        with transaction.atomic():
            bericht = (
                Volgbericht.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related(
                    "user",
                    "voortgangsupdate__verbeterafspraak__traject",
                    "editie__rapportage__traject",
                )
                .filter(pk=pk, status=Volgbericht.Status.WACHTRIJ)
                .first()
            )
            if bericht is None:
                continue  # sent already, or being sent by another run
            message = _message(bericht)
            if message is None:
                bericht.status = Volgbericht.Status.VERVALLEN
            else:
                mailers.default.send_messages([message])
                bericht.status = Volgbericht.Status.VERZONDEN
                sent += 1
            bericht.verzonden_op = timezone.now()
            bericht.save(update_fields=["status", "verzonden_op"])
    return sent


def _message(bericht: Volgbericht) -> EmailMessage | None:
    """The mail, or None when it should not go (any more)."""
    user = bericht.user
    # The agreements first, then the trajectories: "deze afspraak en het traject".
    volgen = list(
        bericht.volgen.with_details().order_by(F("traject_id").asc(nulls_first=True), "pk")
    )
    if not volgen or not user.is_active or not user.email:
        return None
    if bericht.voortgangsupdate_id:
        afspraak = bericht.voortgangsupdate.verbeterafspraak
        if not Verbeterafspraak.objects.for_user(user).filter(pk=afspraak.pk).exists():
            return None
        onderwerp, inhoud = _statuswijziging(bericht)
    else:
        onderwerp, inhoud = _editie(bericht, volgen)
    afmelden = afmeld_url(volg.pk for volg in volgen)
    waarom = " en ".join(volg.beschrijving for volg in volgen)
    tekst = (
        f"Beste {user.get_full_name() or user.username},\n\n"
        f"{inhoud}\n\n"
        f"U krijgt dit bericht omdat u {waarom} volgt in het portaal Passende zorg "
        f"verbetertrajecten. Niet meer volgen, met één klik: {afmelden}\n\n"
        "Met vriendelijke groet,\nZorginstituut Nederland\n"
    )
    return Volgmail(
        " ".join(onderwerp.split()),  # a title is one line in a header, whatever was typed
        tekst,
        None,
        [user.email],
        headers={
            "List-Unsubscribe": f"<{afmelden}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",  # no out-of-office replies (RFC 3834)
        },
    )


class _OneLine(UnstructuredHeader):
    """A header written on one line, however long (RFC 5322 allows 998 characters)."""

    def fold(self, *, policy):
        return f"{self.name}: {self}{policy.linesep}"


_HEADERS = HeaderRegistry()
# Beyond 78 characters the email package folds a header into encoded words, and a URL so
# folded is no URL to a mail program.
_HEADERS.map_to_type("list-unsubscribe", _OneLine)


class Volgmail(EmailMessage):
    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(header_factory=_HEADERS))


def _statuswijziging(bericht: Volgbericht) -> tuple[str, str]:
    update = bericht.voortgangsupdate
    afspraak = update.verbeterafspraak
    inhoud = (
        f"De status van verbeterafspraak {afspraak} ({afspraak.traject.naam}) is gewijzigd "
        f"van ‘{status_label(bericht.vorige_status)}’ naar ‘{status_label(update.status)}’, "
        f"per {date_format(update.peildatum, 'j F Y')}.\n\n"
        f"Bekijk de afspraak: {_url(afspraak.get_absolute_url())}"
    )
    return f"Status gewijzigd: {afspraak}", inhoud


def _editie(bericht: Volgbericht, volgen) -> tuple[str, str]:
    editie = bericht.editie
    afspraak_ids = [volg.verbeterafspraak_id for volg in volgen if volg.verbeterafspraak_id]
    # The agreements as this edition shows them: published, so anyone may read them.
    standen = dict(
        GepubliceerdeStand.objects.filter(
            editie=editie, verbeterafspraak__in=afspraak_ids
        ).values_list("verbeterafspraak_id", "status")
    )
    regels = []
    for volg in volgen:
        regel = f"- {volg.beschrijving}"
        if volg.verbeterafspraak_id in standen:
            regel += f": {status_label(standen[volg.verbeterafspraak_id]).lower()}"
        regels.append(regel)
    titel = editie.titel + (f", editie {editie.nummer}" if editie.nummer > 1 else "")
    inhoud = (
        f"Zorginstituut Nederland heeft een rapportage gepubliceerd: {titel}, met de stand "
        f"van zaken op {date_format(editie.peildatum, 'j F Y')}. Daarin staat wat u volgt:\n\n"
        + "\n".join(regels)
        + f"\n\nLees de rapportage: {_url(editie.get_absolute_url())}"
    )
    return f"Rapportage gepubliceerd: {editie.titel}", inhoud
