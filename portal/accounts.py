"""Who may change whose account and hand out which rights, and the password-reset page.

The rules hold for every way of changing an account in the admin (the change page, the
set-password page, the actions); `portal/admin.py` asks them, and its form refuses a change
that breaks them, whatever the page showed.
"""

from django.contrib.auth import views as auth_views
from django.contrib.auth.models import Group, Permission
from django.shortcuts import render

from .groups import BEHEER_GROEP, is_beheerder
from .throttles import allow_password_reset


def can_change_account(editor, account=None) -> bool:
    """Whether the editor may change the account at all (without one: any account).

    A superuser may change every account; no one else a superuser's, nor another account
    administrator's. Other staff accounts only an account administrator may change.
    """
    if editor.is_superuser:
        return True
    if not editor.has_perm("auth.change_user"):
        return False
    if account is None or account.pk == editor.pk:
        return True
    if account.is_superuser or is_beheerder(account):
        return False
    return not account.is_staff or is_beheerder(editor)


def can_set_password(editor, account) -> bool:
    """Whether the editor may set the account's password without knowing the old one.

    Superusers, and account administrators for the accounts they may change. Their own
    password everyone changes with the old one, on the password-change page.
    """
    if editor.is_superuser:
        return True
    return account.pk != editor.pk and is_beheerder(editor) and can_change_account(editor, account)


def can_grant_staff(editor) -> bool:
    """Staff see every agreement and may enter the admin: only account administrators grant
    that, besides superusers."""
    return editor.is_superuser or is_beheerder(editor)


def grantable_groups(editor) -> set[Group]:
    """The roles the editor may give or take away: every one for a superuser; for anyone else
    those whose every permission they hold themselves, and never the account administrators'
    role, which only a superuser gives."""
    groups = Group.objects.prefetch_related("permissions__content_type")
    if editor.is_superuser:
        return set(groups)
    held = editor.get_all_permissions()
    return {
        group
        for group in groups.exclude(name=BEHEER_GROEP)
        if all(_name(permission) in held for permission in group.permissions.all())
    }


def grantable_permissions(editor) -> set[Permission]:
    """The permissions the editor may give or take away: those they hold themselves."""
    permissions = Permission.objects.select_related("content_type")
    if editor.is_superuser:
        return set(permissions)
    held = editor.get_all_permissions()
    return {permission for permission in permissions if _name(permission) in held}


def _name(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, throttled per e-mail address and per client address."""

    def form_valid(self, form):
        if not allow_password_reset(self.request, form.cleaned_data["email"]):
            return render(self.request, "registration/password_reset_throttled.html", status=429)
        return super().form_valid(form)
