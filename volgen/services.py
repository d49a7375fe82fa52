"""Following by mail: to follow and to stop, and what a change tells the followers.

The receivers (`volgen/receivers.py`) call `meld_statuswijziging()` and `meld_editie()` inside
the transaction of the change. Each records a `Volgbericht` per person, under a unique
constraint, and queues one job that mails them, in that same transaction (the queue lives in
the database), as the reporting rounds do with their mail: no mail for a change that was not
stored, and a trigger run twice records and queues nothing the second time. The job
(`volgen/tasks.py`) sends each mail once and checks again, when it runs, that the person still
follows and may still see the agreement.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from afspraken.models import Verbeterafspraak, Voortgangsupdate
from rapportages.models import Editie, GepubliceerdeStand
from trajecten.models import Traject

from .models import Volg, Volgbericht
from .tasks import mail_volgberichten


def _onderwerp(onderwerp: Traject | Verbeterafspraak) -> dict:
    if isinstance(onderwerp, Traject):
        return {"traject": onderwerp}
    return {"verbeterafspraak": onderwerp}


def volg(*, user, onderwerp: Traject | Verbeterafspraak) -> Volg:
    """Follow a trajectory, or an agreement the user may see; following twice is once."""
    if not user.is_authenticated:
        raise PermissionDenied
    if (
        isinstance(onderwerp, Verbeterafspraak)
        and not Verbeterafspraak.objects.for_user(user).filter(pk=onderwerp.pk).exists()
    ):
        raise PermissionDenied
    volg, _ = Volg.objects.get_or_create(user=user, **_onderwerp(onderwerp))
    return volg


def ontvolg(*, user, onderwerp: Traject | Verbeterafspraak) -> bool:
    """Stop following; whether the user did follow it."""
    return _delete(Volg.objects.for_user(user).filter(**_onderwerp(onderwerp))) > 0


def stop_volgen(*, volg_ids: Iterable[int]) -> int:
    """Stop the follows of a mail's unsubscribe link, those not stopped already; how many."""
    return _delete(Volg.objects.filter(pk__in=list(volg_ids)))


def _delete(volgen) -> int:
    return volgen.delete()[1].get(Volg._meta.label, 0)


def meld_statuswijziging(
    *, afspraak: Verbeterafspraak, update: Voortgangsupdate, vorige_status: str
) -> int:
    """Queue a mail to each person who follows the agreement or its trajectory, but the one
    who reported the change; returns how many were new. Whether they may see the agreement is
    checked when the mail goes."""
    volgers = (
        Volg.objects.of_afspraak(afspraak)
        .exclude(user=update.auteur_id)
        .values_list("pk", "user_id")
    )
    return _meld(volgers, {"voortgangsupdate": update}, vorige_status=vorige_status)


def meld_editie(*, editie: Editie) -> int:
    """Queue a mail to each person who follows an agreement or a trajectory the edition shows
    (its `GepubliceerdeStand` rows, or the report's own trajectory); returns how many were new.
    The edition is public, so anyone who follows may hear of it."""
    standen = GepubliceerdeStand.objects.filter(editie=editie)
    shows = Q(verbeterafspraak__in=standen.values("verbeterafspraak")) | Q(
        traject__in=standen.values("traject")
    )
    traject_id = editie.rapportage.traject_id
    if traject_id is not None:
        shows |= Q(traject=traject_id)
    return _meld(Volg.objects.filter(shows).values_list("pk", "user_id"), {"editie": editie})


def _meld(volgers, change: dict, **fields) -> int:
    """A `Volgbericht` per person not yet told of the change, with the follows it is for, and
    one job that mails them."""
    per_user = defaultdict(list)
    for volg_id, user_id in volgers:
        per_user[user_id].append(volg_id)
    if not per_user:
        return 0
    told = set(
        Volgbericht.objects.filter(user__in=list(per_user), **change).values_list(
            "user_id", flat=True
        )
    )
    berichten = Volgbericht.objects.bulk_create(
        Volgbericht(user_id=user_id, **change, **fields)
        for user_id in sorted(per_user)
        if user_id not in told
    )
    if not berichten:
        return 0
    through = Volgbericht.volgen.through
    through.objects.bulk_create(
        through(volgbericht_id=bericht.pk, volg_id=volg_id)
        for bericht in berichten
        for volg_id in per_user[bericht.user_id]
    )
    # In the transaction of the change, as the reporting rounds queue their mail.
    mail_volgberichten.enqueue([bericht.pk for bericht in berichten])
    return len(berichten)
