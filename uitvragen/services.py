"""Everything that changes a round: opening and closing it, answering, reviewing, reminding.

Each page, the admin, the cron command and the demo loader come here, so the rules hold for
all of them. An answer is added through `rapporteer_voortgang()` or `meld_meting()`, the one
way to add progress or a figure, in the same transaction as the item that records it. Mail is
never sent here: the job that sends it is put in the queue in the same transaction (the queue
lives in the database), so that no mail leaves for a round that was not stored.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from afspraken.models import (
    Indicator,
    Meting,
    Partij,
    Verbeterafspraak,
    Voortgangsupdate,
    is_redacteur,
)
from afspraken.services import meld_meting, rapporteer_voortgang
from trajecten.models import Faseperiode, Traject

from .models import (
    TE_DOEN,
    Beoordeling,
    Herinnering,
    Uitvraag,
    Werkitem,
    indicator_expects_figure,
)
from .tasks import mail_herinneringen, mail_uitnodiging


def standaard_trajecten(peildatum: datetime.date):
    """The trajectories a round covers unless staff choose otherwise: those in the
    implementatiefase at its peildatum."""
    return Traject.objects.in_fase(Faseperiode.Fase.IMPLEMENTATIE, peildatum)


def _require_redacteur(user) -> None:
    if not is_redacteur(user):
        raise PermissionDenied


def open_uitvraag(
    *,
    jaar: int,
    peildatum: datetime.date,
    deadline: datetime.date,
    bericht: str = "",
    trajecten: list[Traject] | None = None,
    user,
    notify: bool = True,
) -> Uitvraag:
    """Open a round: the round, its work items and the job that mails the parties, all or
    nothing, in a fixed number of queries whatever the number of agreements.

    The regiehouder of each agreement of the covered trajectories gets an item for its
    progress; the party that delivers an indicator's figures gets one for the figure of the
    round's `meetjaar` when `indicator_expects_figure()` says so. Without `trajecten`, those
    in the implementatiefase at the peildatum. Betrokken parties get no
    item: an agreement has one timeline and one status, which its regiehouder reports after
    consulting them, as in the yearly reports; they still see the agreement and may add to it.
    """
    _require_redacteur(user)
    trajecten = list(standaard_trajecten(peildatum) if trajecten is None else trajecten)
    if not trajecten:
        raise ValidationError({"trajecten": "Kies ten minste één traject."})
    with transaction.atomic():
        uitvraag = Uitvraag(
            jaar=jaar, peildatum=peildatum, deadline=deadline, bericht=bericht, geopend_door=user
        )
        uitvraag.full_clean()
        uitvraag.save()
        uitvraag.trajecten.set(trajecten)
        items = [
            Werkitem(
                uitvraag=uitvraag,
                partij_id=regiehouder_id,
                traject_id=traject_id,
                soort=Werkitem.Soort.VOORTGANG,
                verbeterafspraak_id=afspraak_id,
            )
            for afspraak_id, traject_id, regiehouder_id in Verbeterafspraak.objects.filter(
                traject__in=trajecten
            )
            .order_by("traject_id", "nummer")
            .values_list("pk", "traject_id", "regiehouder_id")
        ]
        indicatoren = Indicator.objects.filter(traject__in=trajecten).only(
            "pk", "traject_id", "verbeterafspraak_id", "leverancier_id", "basisjaar", "streefjaar"
        )
        items += [
            Werkitem(
                uitvraag=uitvraag,
                partij_id=indicator.leverancier_id,
                traject_id=indicator.traject_id,
                soort=Werkitem.Soort.METING,
                verbeterafspraak_id=indicator.verbeterafspraak_id,
                indicator=indicator,
                jaar=uitvraag.meetjaar,
            )
            for indicator in indicatoren.order_by("pk")
            if indicator_expects_figure(indicator, uitvraag.meetjaar)
        ]
        Werkitem.objects.bulk_create(items, batch_size=1_000)
        if notify and items:
            mail_uitnodiging.enqueue(uitvraag.pk)
    return uitvraag


def sluit_uitvraag(*, uitvraag: Uitvraag, user) -> Uitvraag:
    """Close a round: nothing more is answered, reviewed or reminded."""
    _require_redacteur(user)
    _sluit(uitvraag)
    uitvraag.refresh_from_db()
    return uitvraag


def sluit_na_publicatie(*, jaar: int, trajecten, bij: str) -> Uitvraag | None:
    """Close the open round of `jaar` when a report just published covers every trajectory
    it asks about (the implementation-wide report does, a trajectory's own report seldom):
    that edition is the round's outcome, so nothing in it changes any more. Returns the round
    closed, or None.

    Called by publishing, inside its transaction (a publication that fails leaves the round
    open), which has checked the right to publish; `trajecten` are the pks of the trajectories
    the report covers (a queryset of them will do), `bij` says which edition closed it.
    """
    with transaction.atomic():
        uitvraag = Uitvraag.objects.open().select_for_update().filter(jaar=jaar).first()
        if uitvraag is None or uitvraag.trajecten.exclude(pk__in=trajecten).exists():
            return None
        _sluit(uitvraag, bij=bij)
    uitvraag.refresh_from_db()
    return uitvraag


def _sluit(uitvraag: Uitvraag, *, bij: str = "") -> None:
    now = timezone.now()
    Uitvraag.objects.open().filter(pk=uitvraag.pk).update(
        status=Uitvraag.Status.GESLOTEN, gesloten_op=now, gesloten_bij=bij, updated_at=now
    )


def _lock_item(werkitem: Werkitem) -> Werkitem:
    return (
        Werkitem.objects.select_for_update(of=("self",))
        .select_related("uitvraag", "partij", "traject", "verbeterafspraak", "indicator")
        .get(pk=werkitem.pk)
    )


def _check_answerable(locked: Werkitem, user) -> None:
    if locked.partij_id not in {p.pk for p in Partij.objects.for_user(user)}:
        raise PermissionDenied  # only the party asked answers, for itself
    if not locked.uitvraag.is_open:
        raise ValidationError("Deze uitvraag is gesloten; er kan niets meer worden beantwoord.")
    if not locked.is_te_doen:
        raise ValidationError(
            "Dit werkitem is al beantwoord. Wacht op de beoordeling door het Zorginstituut."
            if locked.status == Werkitem.Status.INGEDIEND
            else "Dit werkitem is al geaccepteerd."
        )


def beantwoord_voortgang(
    *,
    werkitem: Werkitem,
    user,
    status: str,
    peildatum: datetime.date,
    tekst: str,
    toelichting: str = "",
    verwachte_datum: datetime.date | None = None,
    last_seen: int | None,
) -> Voortgangsupdate:
    """Answer a progress item with a new update on the agreement's timeline, for the item's
    party; the item is then waiting for review. Refusals as `rapporteer_voortgang()`'s."""
    with transaction.atomic():
        locked = _lock_item(werkitem)
        if locked.soort != Werkitem.Soort.VOORTGANG:
            raise ValidationError("Dit werkitem vraagt om een cijfer, niet om voortgang.")
        _check_answerable(locked, user)
        update = rapporteer_voortgang(
            afspraak=locked.verbeterafspraak,
            user=user,
            status=status,
            peildatum=peildatum,
            tekst=tekst,
            toelichting=toelichting,
            verwachte_datum=verwachte_datum,
            partij=locked.partij,
            last_seen=last_seen,
        )
        locked.voortgangsupdate = update
        _record(locked, Beoordeling.Actie.BEANTWOORD, user, voortgangsupdate=update)
    return update


def beantwoord_meting(
    *,
    werkitem: Werkitem,
    user,
    waarde: Decimal,
    peildatum: datetime.date,
    bron: str = "",
    toelichting: str = "",
) -> Meting:
    """Answer a figure item with a new measurement of the item's year, through
    `meld_meting()`; the item is then waiting for review."""
    with transaction.atomic():
        locked = _lock_item(werkitem)
        if locked.soort != Werkitem.Soort.METING:
            raise ValidationError("Dit werkitem vraagt om voortgang, niet om een cijfer.")
        _check_answerable(locked, user)
        meting = meld_meting(
            indicator=locked.indicator,
            user=user,
            jaar=locked.jaar,
            waarde=waarde,
            peildatum=peildatum,
            bron=bron,
            toelichting=toelichting,
            partij=locked.partij,
        )
        locked.meting = meting
        _record(locked, Beoordeling.Actie.BEANTWOORD, user, meting=meting)
    return meting


def accepteer(*, werkitem: Werkitem, user) -> Werkitem:
    """Accept the answer waiting for review: it is the party's answer for the round."""
    return _review(werkitem, user, Beoordeling.Actie.GEACCEPTEERD, opmerking="")


def stuur_terug(*, werkitem: Werkitem, user, opmerking: str) -> Werkitem:
    """Send the answer back with a comment: the item is on the party's worklist again, and
    their revised answer will be a new update or measurement."""
    if not opmerking.strip():
        raise ValidationError({"opmerking": "Zeg bij het terugsturen wat er beter moet."})
    return _review(werkitem, user, Beoordeling.Actie.TERUGGESTUURD, opmerking=opmerking.strip())


def _review(werkitem: Werkitem, user, actie: str, *, opmerking: str) -> Werkitem:
    _require_redacteur(user)
    with transaction.atomic():
        locked = _lock_item(werkitem)
        if not locked.uitvraag.is_open:
            raise ValidationError("Deze uitvraag is gesloten.")
        if locked.status != Werkitem.Status.INGEDIEND:
            raise ValidationError(
                "Dit werkitem wacht niet op een beoordeling; misschien heeft iemand anders het "
                "net beoordeeld."
            )
        if actie == Beoordeling.Actie.GEACCEPTEERD:
            _check_not_frozen(locked)
        _record(locked, actie, user, opmerking=opmerking)
    return locked


def _check_not_frozen(locked: Werkitem) -> None:
    """An answer dated in a period that a published report froze cannot count any more:
    accepting it would add to that period afterwards, as a new update there would (which
    `Voortgangsupdate.clean()` refuses). Sending it back asks for a newer one."""
    peildatum = locked.antwoord.peildatum
    if locked.traject.is_bevroren_op(peildatum):
        raise ValidationError(
            f"Dit antwoord geldt per {peildatum:%d-%m-%Y}, en over die periode is al een "
            f"rapportage gepubliceerd (tot en met {locked.traject.bevroren_tot:%d-%m-%Y}). "
            "Accepteren zou die rapportage achteraf veranderen. Stuur het terug en vraag om "
            "een antwoord met een latere peildatum."
        )


# The item's state after each step of the exchange.
NA_ACTIE = {
    Beoordeling.Actie.BEANTWOORD: Werkitem.Status.INGEDIEND,
    Beoordeling.Actie.GEACCEPTEERD: Werkitem.Status.GEACCEPTEERD,
    Beoordeling.Actie.TERUGGESTUURD: Werkitem.Status.TERUGGESTUURD,
}


def _record(locked: Werkitem, actie: str, user, *, opmerking: str = "", **antwoord) -> None:
    """Move the item on and add the step to its history; both checked before either is
    stored."""
    locked.status = NA_ACTIE[actie]
    if actie != Beoordeling.Actie.GEACCEPTEERD:
        locked.opmerking = opmerking  # the comment stays with the item until it is answered
    stap = Beoordeling(werkitem=locked, actie=actie, opmerking=opmerking, door=user, **antwoord)
    locked.full_clean()
    stap.full_clean()
    locked.save()
    stap.save()


# Reminders.


def herinnering_dagen() -> tuple[list[int], list[int]]:
    """Days before and after the deadline on which the cron command reminds."""
    return settings.UITVRAAG_HERINNEREN_DAGEN_VOOR, settings.UITVRAAG_HERINNEREN_DAGEN_NA


def uitvragen_met_herinnering(on: datetime.date) -> list[Uitvraag]:
    """The open rounds for which `on` is a reminder day."""
    voor, na = herinnering_dagen()
    deadlines = {on + datetime.timedelta(days=d) for d in voor}
    deadlines |= {on - datetime.timedelta(days=d) for d in na}
    return list(Uitvraag.objects.open().filter(deadline__in=deadlines).order_by("jaar"))


def ontvangers(uitvraag: Uitvraag):
    """The people who get the round's mail: active members, with an address, of a party
    with something still to do in it."""
    partijen = Werkitem.objects.filter(uitvraag=uitvraag, status__in=TE_DOEN).values("partij")
    return (
        get_user_model()
        .objects.filter(is_active=True, lidmaatschappen__partij__in=partijen)
        .exclude(email="")
        .distinct()
    )


def verstuur_herinneringen(
    *, uitvraag: Uitvraag, on: datetime.date | None = None, handmatig_door=None
) -> int:
    """Queue a reminder for everyone with something open in the round who has not had one
    today; returns how many. Each is recorded (person, day) under a unique constraint, in the
    transaction that queues the mail, so a trigger run twice, or a button pressed twice,
    sends nothing twice."""
    if handmatig_door is not None:
        _require_redacteur(handmatig_door)
    if not uitvraag.is_open:
        return 0
    on = on or timezone.localdate()
    for _attempt in range(2):  # a simultaneous trigger may have taken some of them
        try:
            with transaction.atomic():
                user_ids = list(ontvangers(uitvraag).values_list("pk", flat=True))
                done = set(
                    Herinnering.objects.filter(datum=on, user__in=user_ids).values_list(
                        "user_id", flat=True
                    )
                )
                nieuw = [pk for pk in user_ids if pk not in done]
                if not nieuw:
                    return 0
                Herinnering.objects.bulk_create(
                    Herinnering(
                        user_id=pk, datum=on, uitvraag=uitvraag, handmatig_door=handmatig_door
                    )
                    for pk in nieuw
                )
                mail_herinneringen.enqueue(uitvraag.pk, sorted(nieuw))
                return len(nieuw)
        except IntegrityError:
            continue
    return 0
