import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from .models import Indicator, Meting, Partij, Verbeterafspraak, Voortgangsupdate, is_redacteur
from .signals import status_gewijzigd


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
    """Add an update to the agreement's timeline: the one way every entry point adds one.

    The party pages, the admin and the demo loader all come here, so the rules of
    `Voortgangsupdate.clean()` (no future date, not before the newest update, not inside the
    trajectory's frozen period) hold for each of them; a refusal is a ValidationError with a
    Dutch message per field.

    `last_seen` is the id of the newest update the user had before them when they wrote
    theirs (None: there was none). If another update was recorded since, nothing is saved and
    UpdateConflict says which, so that the user can check their status against it and send
    again. The agreement and its trajectory are locked meanwhile: of two simultaneous reports
    the second always sees the first, and a report being published (which locks the trajectory
    to freeze it) is either seen complete or waited for.
    """
    if not user.has_perm("afspraken.add_voortgangsupdate", afspraak):
        raise PermissionDenied
    if not is_redacteur(user) and partij not in afspraak.partijen_for(user):
        raise PermissionDenied  # a party member speaks for one of their own parties
    with transaction.atomic():
        locked = (
            Verbeterafspraak.objects.select_for_update(of=("self", "traject"))
            .select_related("traject")
            .get(pk=afspraak.pk)
        )
        newer = list(
            Voortgangsupdate.objects.filter(verbeterafspraak=afspraak, pk__gt=last_seen or 0)
            .select_related("partij", "auteur")
            .order_by("pk")
        )
        if newer:
            raise UpdateConflict(newer)
        update = Voortgangsupdate(
            verbeterafspraak=locked,
            status=status,
            peildatum=peildatum,
            tekst=tekst,
            toelichting=toelichting,
            verwachte_datum=verwachte_datum,
            partij=partij,
            auteur=user,
        )
        update.full_clean()
        vorige_status = locked.huidige_status  # read under the lock: the status it replaces
        update.save()
        # As stored by `save()`, worked out by the database rather than assumed.
        locked.refresh_from_db(fields=["huidige_status", "laatste_update"])
        if locked.laatste_update_id == update.pk and locked.huidige_status != vorige_status:
            status_gewijzigd.send(
                sender=Verbeterafspraak,
                afspraak=locked,
                update=update,
                vorige_status=vorige_status,
            )
    return update


def meld_meting(
    *,
    indicator: Indicator,
    user,
    jaar: int,
    waarde: Decimal,
    peildatum: datetime.date,
    bron: str = "",
    toelichting: str = "",
    partij: Partij | None = None,
) -> Meting:
    """Add a measurement to an indicator: the one way every entry point adds one.

    The rules of `Meting.clean()` hold (a value the unit allows, a year from the baseline on,
    no future date, not inside the trajectory's frozen period). A correction is a new
    measurement of the same year. The indicator and its trajectory are locked meanwhile, as
    for a progress update, so that a report being published sees it or refuses it.
    A member reports for the party that delivers the figures; an editor for it or as
    Zorginstituut.
    """
    if not user.has_perm("afspraken.add_meting", indicator):
        raise PermissionDenied
    if not is_redacteur(user):
        partij = indicator.leverancier
    with transaction.atomic():
        locked = (
            Indicator.objects.select_for_update(of=("self", "traject"))
            .select_related("traject", "verbeterafspraak")
            .get(pk=indicator.pk)
        )
        meting = Meting(
            indicator=locked,
            jaar=jaar,
            waarde=waarde,
            peildatum=peildatum,
            bron=bron,
            toelichting=toelichting,
            partij=partij,
            auteur=user,
        )
        meting.full_clean()
        meting.save()
    return meting
