"""The two staff roles, as Django groups: the editors and the account administrators.

Each role holds only what its work needs. Neither hands out a right it does not hold itself
(`portal/accounts.py` decides who may change which account), and only a superuser appoints
either role.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

REDACTIE_GROEP = "Redactie Zorginstituut"
BEHEER_GROEP = "Beheer Zorginstituut"
REDACTIE_APPS = ["trajecten", "afspraken", "uitvragen", "rapportages"]
# Never edited or deleted by anyone: a progress update (a correction is a new one), a
# published edition (a new edition is published instead), a step in a round's review and a
# party's reaction in hoor en wederhoor.
FINAL_MODELS = ["voortgangsupdate", "editie", "beoordeling", "reactie"]

# The audit trail (django-simple-history's Historical* models): read by both roles, written
# only by the models themselves.
AUDIT_TRAIL = Q(
    content_type__app_label__in=REDACTIE_APPS, content_type__model__startswith="historical"
)
VIEW = Q(codename__startswith="view_")


def _permissions(*conditions: Q):
    query = Q()
    for condition in conditions:
        query |= condition
    return Permission.objects.filter(query)


def _auth(model: str, *actions: str) -> Q:
    return Q(
        content_type__app_label="auth",
        content_type__model=model,
        codename__in=[f"{action}_{model}" for action in actions],
    )


@transaction.atomic
def ensure_redactiegroep() -> Group:
    """The editors: every right on the portal's own data, and reading the audit trail.

    No right on accounts beyond seeing them, which choosing a party's member needs: creating
    an account or setting its password is issuing a credential, which is the account
    administrators' work (otherwise an editor could make an account, or reset a member's
    password, and report progress in that member's name).
    """
    group, _ = Group.objects.get_or_create(name=REDACTIE_GROEP)
    own_data = (
        Q(content_type__app_label__in=REDACTIE_APPS)
        & ~Q(content_type__model__startswith="historical")
        & ~(Q(content_type__model__in=FINAL_MODELS) & Q(codename__regex=r"^(change|delete)_"))
    )
    group.permissions.set(_permissions(own_data, AUDIT_TRAIL & VIEW, _auth("user", "view")))
    return group


@transaction.atomic
def ensure_beheergroep() -> Group:
    """The account administrators: accounts, lock-outs and the audit trail, no content.

    They add and change accounts (not delete them: an account that did something stays, made
    inactive), see the roles, read and clear login lock-outs (django-axes) and read the audit
    trail.
    """
    group, _ = Group.objects.get_or_create(name=BEHEER_GROEP)
    axes = Q(content_type__app_label="axes") & (VIEW | Q(codename="delete_accessattempt"))
    group.permissions.set(
        _permissions(
            _auth("user", "view", "add", "change"),
            _auth("group", "view"),
            axes,
            AUDIT_TRAIL & VIEW,
        )
    )
    return group


def is_beheerder(user) -> bool:
    return user.is_active and user.groups.filter(name=BEHEER_GROEP).exists()


def ensure_roles(**kwargs) -> None:
    """Both roles, with the permissions of the models as they are now. Run after every
    `migrate` (a new model's permissions join its role) and by the demo loader."""
    ensure_redactiegroep()
    ensure_beheergroep()
