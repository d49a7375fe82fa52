"""Writes of the composed site that touch mail: the invitation to set a password."""

from django.db import transaction

from .tasks import mail_wachtwoord_instellen


def stuur_wachtwoordmail(*, accounts) -> list:
    """Queue a mail with a link to set a password to each active account with an e-mail
    address, in one job in the transaction's queue; returns the accounts it goes to.

    Whoever may change an account decides (the admin action asks `can_change_account`); the
    mail goes only to the account's own address, so it hands the sender nothing.
    """
    ontvangers = [account for account in accounts if account.is_active and account.email]
    with transaction.atomic():
        if ontvangers:
            mail_wachtwoord_instellen.enqueue(sorted(account.pk for account in ontvangers))
    return ontvangers
