"""The changes in the apps below that followers hear of; `VolgenConfig.ready()` connects them.
Each runs inside the transaction of the change, so its records and its queued mail stand or fall
with it."""

from . import services


def status_gewijzigd(sender, *, afspraak, update, vorige_status, **kwargs):
    services.meld_statuswijziging(afspraak=afspraak, update=update, vorige_status=vorige_status)


def editie_gepubliceerd(sender, *, editie, **kwargs):
    services.meld_editie(editie=editie)
