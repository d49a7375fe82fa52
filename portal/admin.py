"""The admin of accounts: what an editor may change depends on the rights they hold.

Django's own user admin lets anyone with `change_user` make themselves superuser and set
anyone's password. This one asks `portal/accounts.py`: fields an editor may not set are
read-only (the page ignores them when posted), a role or permission they may not hand out is
refused by the form, and an account they may not change is shown, not saved.
"""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from afspraken.admin import warn_members_without_email
from afspraken.models import Lidmaatschap
from portal.core.history import BadInputMixin

from .accounts import (
    can_change_account,
    can_grant_staff,
    can_set_password,
    grantable_groups,
    grantable_permissions,
)
from .services import stuur_wachtwoordmail

User = get_user_model()


class AccountChangeForm(UserChangeForm):
    """Refuses a change of roles or permissions that the editor may not hand out.

    Only what changes is checked: an account may keep a role its editor cannot give.
    """

    editor = None  # set per request by AccountAdmin.get_form

    def clean_groups(self):
        return self._only_grantable("groups", grantable_groups, "de rol")

    def clean_user_permissions(self):
        return self._only_grantable("user_permissions", grantable_permissions, "het recht")

    def _only_grantable(self, name, grantable, noun):
        chosen = self.cleaned_data[name]
        if self.editor.is_superuser:
            return chosen
        before = set(getattr(self.instance, name).all()) if self.instance.pk else set()
        refused = sorted(str(item) for item in (set(chosen) ^ before) - grantable(self.editor))
        if refused:
            raise ValidationError(
                [f"U mag {noun} ‘{item}’ niet toekennen of intrekken." for item in refused]
            )
        return chosen


class AccountCreationForm(AdminUserCreationForm):
    """A new account has an e-mail address: that is how its owner sets a password, the first
    time (*Mail sturen om een wachtwoord in te stellen*) and whenever it is forgotten. The
    "+" beside a party's member opens this form too."""

    class Meta(AdminUserCreationForm.Meta):
        fields = ["username", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields[
            "email"
        ].help_text = "Nodig om een wachtwoord in te stellen: het portaal mailt daarvoor een link."


@admin.action(description="Mail sturen om een wachtwoord in te stellen", permissions=["change"])
def send_password_mail(modeladmin, request, queryset):
    """For a new member (or anyone locked out of their password): a link to set one, mailed by
    background work to the account's own address."""
    accounts = [account for account in queryset if can_change_account(request.user, account)]
    ontvangers = stuur_wachtwoordmail(accounts=accounts)
    for account in ontvangers:
        modeladmin.log_change(request, account, "Mail gestuurd om een wachtwoord in te stellen.")
    if ontvangers:
        names = ", ".join(account.get_username() for account in ontvangers)
        modeladmin.message_user(
            request, f"Een mail om een wachtwoord in te stellen gaat naar: {names}."
        )
    skipped = [account for account in accounts if account not in ontvangers]
    if skipped:
        names = ", ".join(account.get_username() for account in skipped)
        modeladmin.message_user(
            request,
            f"Geen mail naar {names}: geen e-mailadres, of het account is niet actief.",
            messages.WARNING,
        )
    refused = len(queryset) - len(accounts)
    if refused:
        modeladmin.message_user(
            request,
            f"{refused} account(s) mag u niet wijzigen; die krijgen geen mail.",
            messages.WARNING,
        )


@admin.action(description="Tweede factor opnieuw laten instellen", permissions=["change"])
def reset_second_factor(modeladmin, request, queryset):
    """For someone who lost their phone: their authenticator app and recovery codes are
    removed, and they set up a new one when they next log in."""
    accounts = [account for account in queryset if can_change_account(request.user, account)]
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user__in=accounts).delete()
    if accounts:
        names = ", ".join(account.get_username() for account in accounts)
        modeladmin.message_user(
            request, f"Bij de volgende inlog stellen zij een nieuwe tweede factor in: {names}."
        )
    skipped = len(queryset) - len(accounts)
    if skipped:
        modeladmin.message_user(
            request,
            f"{skipped} account(s) mag u niet wijzigen; daar is niets veranderd.",
            messages.WARNING,
        )


admin.site.unregister(User)


# The queue of background work, which superusers may look into: django-tasks-db names it and
# two of its columns in English, outside any translation (its fields are in locale/nl/).
apps.get_app_config("django_tasks_database").verbose_name = "Achtergrondtaken"


class TaakAdmin(DBTaskResultAdmin):
    @admin.display(description="foutmelding (traceback)")
    def formatted_traceback(self, obj):
        return super().formatted_traceback(obj)

    @admin.display(description="uitvoeren na")
    def display_run_after(self, obj):
        return super().display_run_after(obj)


admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaakAdmin)
# Replaced by the account page's 'Tweede factor' and the action above: the device admins
# would show every secret and recovery code.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


# The account administrators' other pages (roles, lock-outs) refuse bad input like the
# portal's own admin pages do.
for model, model_admin in [
    (Group, GroupAdmin),
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
]:
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (BadInputMixin, model_admin), {}))


@admin.register(User)
class AccountAdmin(BadInputMixin, DjangoUserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "email", "usable_password", "password1", "password2"],
            },
        )
    ]
    actions = [send_password_mail, reset_second_factor]
    list_display = ["username", "email", "first_name", "last_name", "is_active", "is_staff"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        fieldsets = [
            (name, {**options, "fields": list(options["fields"])})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if not can_set_password(request.user, obj):
            # The password field is only a link to the set-password page, refused anyway.
            fieldsets[0][1]["fields"].remove("password")
        return [*fieldsets, ("Tweede factor", {"fields": ["second_factor"]})]

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "second_factor"]
        readonly += ["last_login", "date_joined"]
        if not request.user.is_superuser:
            readonly.append("is_superuser")
        if not can_grant_staff(request.user):
            readonly.append("is_staff")
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            return form
        return type(form.__name__, (form,), {"editor": request.user})

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_change_account(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and can_change_account(request.user, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        account = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and account is not None:
            warn_members_without_email(request, Lidmaatschap.objects.filter(user=account))
        return response

    def user_change_password(self, request, id, form_url=""):
        account = self.get_object(request, unquote(id))
        if account is not None and not can_set_password(request.user, account):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    @admin.display(description="tweede factor")
    def second_factor(self, obj):
        device = TOTPDevice.objects.filter(user=obj, confirmed=True).first()
        if device is None:
            return "Niet ingesteld" + (": nodig bij de volgende inlog" if obj.is_staff else "")
        recovery = StaticDevice.objects.filter(user=obj).first()
        left = recovery.token_set.count() if recovery else 0
        since = date_format(localtime(device.created_at), "j F Y")
        return f"Authenticator-app, ingesteld op {since}; nog {left} ongebruikte herstelcodes"
