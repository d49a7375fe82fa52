from django.contrib.auth.models import Group, Permission
from django.db import transaction

REDACTIE_GROEP = "Redactie Zorginstituut"
REDACTIE_APPS = ["trajecten", "afspraken", "rapportages"]


@transaction.atomic
def ensure_redactiegroep() -> Group:
    """The group of Zorginstituut staff: every permission on the portal's own data.

    Staff also manage user accounts, so that they can add members to a party.
    """
    group, _ = Group.objects.get_or_create(name=REDACTIE_GROEP)
    permissions = Permission.objects.filter(content_type__app_label__in=REDACTIE_APPS) | (
        Permission.objects.filter(
            content_type__app_label="auth",
            content_type__model="user",
            codename__in=["view_user", "add_user", "change_user"],
        )
    )
    group.permissions.set(permissions)
    return group
