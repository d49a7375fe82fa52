"""What `rapportages` tells the apps above it, which it does not know."""

from django.dispatch import Signal

# An edition was published: sent by `publiceer_rapportage()` with `editie`, inside the
# publishing transaction, once the edition's `GepubliceerdeStand` rows are stored. A second run
# of the same job finds the edition and sends nothing.
editie_gepubliceerd = Signal()
