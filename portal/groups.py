from django.contrib.auth.models import Group, Permission
from django.db import transaction

REDACTIE_GROEP = "Redactie Zorginstituut"
REDACTIE_APPS = ["trajecten", "afspraken", "rapportages"]
# Never edited or deleted by anyone: a progress update (a correction is a new one) and a
# published edition (a new edition is published instead).
FINAL_MODELS = ["voortgangsupdate", "editie"]


@transaction.atomic
def ensure_redactiegroep() -> Group:
    """The group of Zorginstituut staff: every permission on the portal's own data.

    Staff also manage user accounts, so that they can add members to a party.
    """
    group, _ = Group.objects.get_or_create(name=REDACTIE_GROEP)
    own_data = Permission.objects.filter(content_type__app_label__in=REDACTIE_APPS).exclude(
        content_type__model__in=FINAL_MODELS,
        codename__regex=r"^(change|delete)_",
    )
    permissions = own_data | (
        Permission.objects.filter(
            content_type__app_label="auth",
            content_type__model="user",
            codename__in=["view_user", "add_user", "change_user"],
        )
    )
    group.permissions.set(permissions)
    return group
