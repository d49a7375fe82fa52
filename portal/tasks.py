"""Account mail, sent by background work (`manage.py task_worker`), never in a request."""

from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, mailers
from django.tasks import task
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def wachtwoord_link(user) -> str:
    """The link of Django's password reset, as the 'Wachtwoord vergeten?' mail has it: the
    same pages set the password, with the same token, valid for PASSWORD_RESET_TIMEOUT."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return urljoin(settings.PORTAAL_URL, path)


@task
def mail_wachtwoord_instellen(user_ids: list[int]) -> int:
    """Mail each of these people a link to set their password; returns the mails sent.

    The link is made when the job runs, so it is valid for its whole time from the mail on;
    an account made inactive or left without an address meanwhile gets nothing.
    """
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    uren = settings.PASSWORD_RESET_TIMEOUT // 3600
    login = urljoin(settings.PORTAAL_URL, reverse("login"))
    messages = []
    for user in users.order_by("pk"):
        tekst = (
            f"Beste {user.get_full_name() or user.get_username()},\n\n"
            "Zorginstituut Nederland nodigt u uit om een wachtwoord in te stellen voor uw "
            "account op het Passende zorg portaal, waarin de partijen de voortgang van hun "
            "verbeterafspraken bijhouden.\n\n"
            f"Kies uw wachtwoord via deze link:\n{wachtwoord_link(user)}\n\n"
            f"De link werkt {uren} uur en één keer. Is hij verlopen, vraag dan een nieuwe aan "
            f"met ‘Wachtwoord vergeten?’ op de inlogpagina:\n{login}\n\n"
            f"Uw gebruikersnaam is: {user.get_username()}\n\n"
            "Met vriendelijke groet,\nZorginstituut Nederland\n"
        )
        messages.append(
            EmailMessage(
                "Stel uw wachtwoord in voor het Passende zorg portaal", tekst, None, [user.email]
            )
        )
    if messages:
        mailers.default.send_messages(messages)
    return len(messages)
