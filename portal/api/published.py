"""What the open data shows: only what a published edition made public, and the data that
staff keep in public anyway (trajectories with their phases and themes, parties, indicators).

- An agreement is public once an edition showed it, as that edition showed it
  (`GepubliceerdeStand`); what a party enters after, and every concept, stays out until the
  next edition.
- A party is public when a published state names it, or when it delivers the figures of a
  public indicator.
- An indicator is public when a published report covered its trajectory and, for an
  agreement's indicator, the agreement is public. Its figures are those a report of its
  trajectory could show: known on or before the date up to which the newest report froze the
  trajectory (`Traject.bevroren_tot`), counting a round's answer only once it was accepted
  (`without_unaccepted_answers`).
"""

from django.db.models import Q

from afspraken.models import Partij
from rapportages.models import Editie, GepubliceerdeStand, Rapportage
from rapportages.openbaar import gepubliceerde_indicatoren, gepubliceerde_metingen

# `GepubliceerdeStand.partijen` lists the parties' abbreviations, regiehouder first.
PARTIJEN_SEPARATOR = ", "


def standen():
    """Every agreement's newest published state."""
    return GepubliceerdeStand.objects.nieuwste()


def indicatoren():
    return gepubliceerde_indicatoren()


def metingen():
    """The measurements of public indicators that a published report could show."""
    return gepubliceerde_metingen()


def partijen():
    """Parties named by a published state or delivering a public indicator's figures.

    One query for the distinct lists of abbreviations (a few per trajectory, however many
    editions), split here: the column is text, the same on SQLite and PostgreSQL.
    """
    lists = GepubliceerdeStand.objects.order_by().values_list("partijen", flat=True).distinct()
    afkortingen = {afkorting for names in lists for afkorting in names.split(PARTIJEN_SEPARATOR)}
    return Partij.objects.filter(
        Q(afkorting__in=sorted(afkortingen)) | Q(pk__in=indicatoren().values("leverancier"))
    )


def rapportages():
    return Rapportage.objects.published()


def edities():
    return Editie.objects.all()
