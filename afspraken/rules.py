"""Who may do what with agreements: the only place these rules are written down.

A member of a party may see and report on the agreements in which that party is regiehouder
or betrokken; Zorginstituut's editors (`is_redacteur`) may do so on every agreement. Nobody
edits or deletes an update in the portal: a correction is a new update. The predicates read the
agreement's own parties, the same data `VerbeterafspraakQuerySet.for_user()` filters on, so
there is no second permission table to keep in step.
"""

import rules

from .models import is_redacteur, partij_ids_for


@rules.predicate
def is_member_of_involved_partij(user, afspraak) -> bool:
    if afspraak is None or not user.is_authenticated:
        return False
    return bool(afspraak.partijen_for(user))


@rules.predicate
def is_active_user(user) -> bool:
    return user.is_active


keeps_agreements = rules.predicate(is_redacteur)

can_view_afspraak = is_active_user & (keeps_agreements | is_member_of_involved_partij)
can_report_voortgang = is_active_user & (keeps_agreements | is_member_of_involved_partij)

rules.add_perm("afspraken.view_verbeterafspraak", can_view_afspraak)
rules.add_perm("afspraken.add_voortgangsupdate", can_report_voortgang)


@rules.predicate
def is_member_of_leverancier(user, indicator) -> bool:
    """The user speaks for the party that delivers the indicator's figures."""
    if indicator is None or not user.is_authenticated:
        return False
    return indicator.leverancier_id in partij_ids_for(user)


can_report_meting = is_active_user & (keeps_agreements | is_member_of_leverancier)
rules.add_perm("afspraken.add_meting", can_report_meting)
