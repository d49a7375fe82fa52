"""What `afspraken` tells the apps above it, which it does not know.

Each signal is sent inside the transaction that made the change, so that what a receiver
writes, and the background work it queues (the queue lives in the database), stands or falls
with the change itself.
"""

from django.dispatch import Signal

# An agreement's status changed: a new update whose status differs from the status the
# agreement had (NO_STATUS before its first update). An update that keeps the status, a text
# only, is no change. Sent by `rapporteer_voortgang()`, under the agreement's lock, with
# `afspraak`, `update` and `vorige_status`.
status_gewijzigd = Signal()
