import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction

from .models import Partij, Verbeterafspraak, Voortgangsupdate


class UpdateConflict(Exception):
    """Someone recorded an update after the form was opened; the new one is not saved."""

    def __init__(self, newer_updates: list[Voortgangsupdate]):
        super().__init__("Er is intussen een nieuwe voortgangsupdate vastgelegd.")
        self.newer_updates = newer_updates

    @property
    def latest_pk(self) -> int:
        return max(update.pk for update in self.newer_updates)


def rapporteer_voortgang(
    *,
    afspraak: Verbeterafspraak,
    user,
    status: str,
    peildatum: datetime.date,
    tekst: str,
    toelichting: str = "",
    verwachte_datum: datetime.date | None = None,
    partij: Partij | None = None,
    last_seen: int | None,
) -> Voortgangsupdate:
    """Add an update to the agreement's timeline.

    `last_seen` is the id of the newest update the user had before them when they wrote
    theirs (None: there was none). If another update was recorded since, nothing is saved and
    UpdateConflict says which, so that the user can check their status against it and send
    again. The agreement row is locked meanwhile, so of two simultaneous reports the second
    always sees the first.
    """
    if not user.has_perm("afspraken.add_voortgangsupdate", afspraak):
        raise PermissionDenied
    if partij is not None and partij not in afspraak.partijen():
        raise PermissionDenied
    delayed = status == Voortgangsupdate.Status.VERTRAAGD  # only a delay has a new date
    with transaction.atomic():
        Verbeterafspraak.objects.select_for_update().filter(pk=afspraak.pk).get()
        newer = list(
            Voortgangsupdate.objects.filter(verbeterafspraak=afspraak, pk__gt=last_seen or 0)
            .select_related("partij", "auteur")
            .order_by("pk")
        )
        if newer:
            raise UpdateConflict(newer)
        update = Voortgangsupdate(
            verbeterafspraak=afspraak,
            status=status,
            peildatum=peildatum,
            tekst=tekst,
            toelichting=toelichting,
            verwachte_datum=verwachte_datum if delayed else None,
            partij=partij,
            auteur=user,
        )
        update.full_clean()
        update.save()
    return update
