"""*Hoor en wederhoor*: the parties check the concept text about their agreements.

Staff open the window (`open_wederhoor()`) once the concept report is ready; until its last
day each party involved in an agreement of the round, as regiehouder or betrokken (the notion
of `Verbeterafspraak.objects.involving()`), reacts per agreement with akkoord or an opmerking
(`reageer()`). Reactions are only ever added; the newest per round, agreement and party counts.
Closing the round (publishing the report does so) freezes them. Which text the parties see is
the reports' business (`rapportages.wederhoor`); this module keeps the rules.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from afspraken.models import Lidmaatschap, Partij, Verbeterafspraak, is_redacteur

from .models import Reactie, Uitvraag
from .tasks import mail_wederhoor


def open_wederhoor(
    *, uitvraag: Uitvraag, tot: datetime.date, user, notify: bool = True
) -> Uitvraag:
    """Open (or move) the review window of an open round, to and including `tot`, and queue
    the mail that invites the members of the parties concerned, in one transaction."""
    if not is_redacteur(user):
        raise PermissionDenied
    if tot < timezone.localdate():
        raise ValidationError({"wederhoor_tot": "Kies vandaag of een dag in de toekomst."})
    with transaction.atomic():
        locked = Uitvraag.objects.select_for_update().get(pk=uitvraag.pk)
        if not locked.is_open:
            raise ValidationError(
                "Deze uitvraag is gesloten; hoor en wederhoor kan niet meer worden geopend."
            )
        locked.wederhoor_tot = tot
        locked.full_clean()
        locked.save(update_fields=["wederhoor_tot", "updated_at"])
        if notify:
            mail_wederhoor.enqueue(locked.pk)
    uitvraag.wederhoor_tot = locked.wederhoor_tot
    return locked


def reageer(
    *,
    uitvraag: Uitvraag,
    verbeterafspraak: Verbeterafspraak,
    partij: Partij,
    user,
    soort: str,
    opmerking: str = "",
) -> Reactie:
    """Record a party's reaction on the concept text about one of its agreements.

    Refused (PermissionDenied) unless the user is a member of the party and the party is
    regiehouder or betrokken of the agreement, which lies in one of the round's trajectories;
    refused with a message while the window is not open or once the round is closed."""
    if not Lidmaatschap.objects.filter(user=user.pk, partij=partij.pk).exists():
        raise PermissionDenied("U spreekt niet namens deze partij.")
    if not (
        Verbeterafspraak.objects.filter(
            pk=verbeterafspraak.pk, traject__in=uitvraag.trajecten.values("pk")
        )
        .involving([partij.pk])
        .exists()
    ):
        raise PermissionDenied("Deze afspraak is niet van deze partij in deze uitvraag.")
    opmerking = opmerking.strip()
    with transaction.atomic():
        # The lock waits for a closing that is under way, so nothing is added after it.
        locked = Uitvraag.objects.select_for_update().get(pk=uitvraag.pk)
        if not locked.is_open:
            raise ValidationError(
                "Deze uitvraag is gesloten; het concept ligt vast en reageren kan niet meer."
            )
        if locked.wederhoor_tot is None:
            raise ValidationError("Hoor en wederhoor is voor deze uitvraag nog niet geopend.")
        if not locked.is_wederhoor_open():
            raise ValidationError(
                "De termijn voor hoor en wederhoor is verstreken op "
                f"{date_format(locked.wederhoor_tot, 'j F Y')}."
            )
        reactie = Reactie(
            uitvraag=locked,
            verbeterafspraak=verbeterafspraak,
            partij=partij,
            soort=soort,
            opmerking=opmerking,
            door=user,
        )
        reactie.full_clean()
        reactie.save()
    return reactie
