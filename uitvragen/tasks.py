"""The round's mail, sent by background work (`manage.py task_worker`), never in a request.

A job is queued in the transaction that opens a round, records its reminders or opens its
review window (*hoor en wederhoor*); it reads what is open when it runs, so a person who
answered everything meanwhile gets nothing. Plain Dutch text, with a link to the worklist (or
the review page) at `PORTAAL_URL`.
"""

from collections import defaultdict
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, mailers
from django.tasks import task
from django.urls import reverse
from django.utils.formats import date_format

from afspraken.models import Lidmaatschap, Verbeterafspraak

from .models import TE_DOEN, Uitvraag, Werkitem


def werklijst_url() -> str:
    return urljoin(settings.PORTAAL_URL, reverse("uitvragen:werklijst"))


def _te_doen_per_user(uitvraag: Uitvraag, user_ids=None) -> dict[int, dict[str, int]]:
    """Per person, per party of theirs, the number of items still to do (two queries)."""
    per_partij = defaultdict(int)
    for partij_id in Werkitem.objects.filter(uitvraag=uitvraag, status__in=TE_DOEN).values_list(
        "partij_id", flat=True
    ):
        per_partij[partij_id] += 1
    leden = Lidmaatschap.objects.filter(partij__in=list(per_partij), user__is_active=True).exclude(
        user__email=""
    )
    if user_ids is not None:
        leden = leden.filter(user__in=user_ids)
    result = defaultdict(dict)
    for user_id, partij_id, naam in leden.values_list("user_id", "partij_id", "partij__naam"):
        result[user_id][naam] = per_partij[partij_id]
    return result


def _send(uitvraag: Uitvraag, per_user: dict, onderwerp: str, opening: str) -> int:
    users = get_user_model().objects.in_bulk(list(per_user))
    deadline = date_format(uitvraag.deadline, "j F Y")
    messages = []
    for user_id, partijen in sorted(per_user.items()):
        user = users[user_id]
        regels = "\n".join(
            f"- {naam}: {aantal} vra{'ag' if aantal == 1 else 'gen'}"
            for naam, aantal in sorted(partijen.items())
        )
        tekst = (
            f"Beste {user.get_full_name() or user.username},\n\n"
            f"{opening}\n\n{regels}\n\n"
            f"De deadline is {deadline}.\n"
            + (f"\n{uitvraag.bericht}\n" if uitvraag.bericht else "")
            + f"\nUw werklijst: {werklijst_url()}\n\n"
            "Met vriendelijke groet,\nZorginstituut Nederland\n"
        )
        messages.append(EmailMessage(onderwerp, tekst, None, [user.email]))
    if messages:
        mailers.default.send_messages(messages)
    return len(messages)


@task
def mail_uitnodiging(uitvraag_id: int) -> int:
    """Tell the members of every party asked that the round is open; returns the mails sent."""
    uitvraag = Uitvraag.objects.get(pk=uitvraag_id)
    return _send(
        uitvraag,
        _te_doen_per_user(uitvraag),
        f"Uitvraag voortgang {uitvraag.jaar}: uw bijdrage gevraagd",
        f"Zorginstituut Nederland vraagt uw organisatie naar de voortgang van de "
        f"verbeterafspraken over {uitvraag.jaar}. In het portaal staat voor u klaar:",
    )


@task
def mail_herinneringen(uitvraag_id: int, user_ids: list[int]) -> int:
    """Remind these people of what their parties still have open; returns the mails sent."""
    uitvraag = Uitvraag.objects.get(pk=uitvraag_id)
    if not uitvraag.is_open:
        return 0
    return _send(
        uitvraag,
        _te_doen_per_user(uitvraag, user_ids),
        f"Herinnering: uitvraag voortgang {uitvraag.jaar}",
        "Dit is een herinnering. Voor uw organisatie staan in het portaal nog vragen open:",
    )


# Hoor en wederhoor.


def wederhoor_url(uitvraag: Uitvraag) -> str:
    """The parties' review page (the reports show the concept text; the address is theirs)."""
    return urljoin(settings.PORTAAL_URL, reverse("rapportages:wederhoor", args=[uitvraag.pk]))


def _afspraken_per_user(uitvraag: Uitvraag) -> dict[int, dict[str, int]]:
    """Per person, per party of theirs, the number of the round's agreements the party is
    regiehouder or betrokken of (three queries)."""
    afspraken = Verbeterafspraak.objects.filter(traject__in=uitvraag.trajecten.values("pk"))
    per_partij = defaultdict(set)
    for afspraak_id, partij_id in afspraken.values_list("pk", "regiehouder_id"):
        per_partij[partij_id].add(afspraak_id)
    betrokken = Verbeterafspraak.betrokken_partijen.through.objects.filter(
        verbeterafspraak__in=afspraken.values("pk")
    )
    for afspraak_id, partij_id in betrokken.values_list("verbeterafspraak_id", "partij_id"):
        per_partij[partij_id].add(afspraak_id)
    leden = Lidmaatschap.objects.filter(partij__in=list(per_partij), user__is_active=True).exclude(
        user__email=""
    )
    result = defaultdict(dict)
    for user_id, partij_id, naam in leden.values_list("user_id", "partij_id", "partij__naam"):
        result[user_id][naam] = len(per_partij[partij_id])
    return result


@task
def mail_wederhoor(uitvraag_id: int) -> int:
    """Invite the members of every party concerned to react on the concept text about their
    agreements; returns the mails sent. Nothing once the round is closed or the window is."""
    uitvraag = Uitvraag.objects.get(pk=uitvraag_id)
    if not uitvraag.is_wederhoor_open():
        return 0
    per_user = _afspraken_per_user(uitvraag)
    users = get_user_model().objects.in_bulk(list(per_user))
    tot = date_format(uitvraag.wederhoor_tot, "j F Y")
    messages = []
    for user_id, partijen in sorted(per_user.items()):
        user = users[user_id]
        regels = "\n".join(
            f"- {naam}: {aantal} afspra{'ak' if aantal == 1 else 'ken'}"
            for naam, aantal in sorted(partijen.items())
        )
        tekst = (
            f"Beste {user.get_full_name() or user.username},\n\n"
            f"De conceptrapportage over {uitvraag.jaar} is klaar. Voordat het Zorginstituut "
            "die publiceert, kunt u de concepttekst over de verbeterafspraken van uw "
            "organisatie nakijken: per afspraak geeft u akkoord of een opmerking.\n\n"
            f"{regels}\n\n"
            f"Dat kan tot en met {tot}.\n\n"
            f"Naar de concepttekst: {wederhoor_url(uitvraag)}\n\n"
            "Met vriendelijke groet,\nZorginstituut Nederland\n"
        )
        messages.append(
            EmailMessage(
                f"Hoor en wederhoor: concepttekst voortgang {uitvraag.jaar}",
                tekst,
                None,
                [user.email],
            )
        )
    if messages:
        mailers.default.send_messages(messages)
    return len(messages)
