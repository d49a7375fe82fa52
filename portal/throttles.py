"""Throttles on logging in and on password-reset mails, kept in the database.

Logging in (django-axes): failures count per username, from whatever address, and per
address, across usernames, each against its own limit within the cool-off period.
A username tried from many addresses (a botnet guessing one password) is stopped by the
first; an address trying one password on many usernames (password spraying) by the second.
An address has a higher limit than a username, because an organisation's people share one
address behind NAT.
"""

import datetime

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from .models import PasswordResetRequest

# django-axes stores the username in a varchar(255).
AXES_USERNAME_LENGTH = 255


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The username as axes records it: what was posted, cut to fit its column.

    No account has a username that long (Django allows 150 characters), so cutting merges
    nothing real, and a 256-character username is a failed login rather than a 500 on
    PostgreSQL.
    """
    field = str(settings.AXES_USERNAME_FORM_FIELD)
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    if username is None:
        return None
    return str(username).replace("\x00", "")[:AXES_USERNAME_LENGTH]


class LoginThrottle(AxesDatabaseHandler):
    """Axes' database handler, with a limit per username and a higher one per address.

    Axes compares one failure count with one limit (AXES_FAILURE_LIMIT, the username's).
    The address's failures count towards that limit only beyond the extra it is allowed,
    AXES_IP_FAILURE_LIMIT minus AXES_FAILURE_LIMIT, so each reaches the limit at its own
    number of failures.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        by_username = _failures(recent.filter(username=axes_username(request, credentials)))
        by_address = _failures(recent.filter(ip_address=request.axes_ip_address))
        allowance = settings.AXES_IP_FAILURE_LIMIT - settings.AXES_FAILURE_LIMIT
        return max(by_username, by_address - allowance)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """After a successful login, forget that username's failures, not the address's:
        otherwise one account of their own would let an attacker reset the address's count
        between rounds of guessing others' passwords."""
        count, _ = AccessAttempt.objects.filter(
            username=axes_username(request, credentials)
        ).delete()
        return count


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


RESET_WINDOW = datetime.timedelta(hours=1)
RESET_LIMIT_PER_EMAIL = 3
RESET_LIMIT_PER_ADDRESS = 10


def allow_password_reset(request, email: str) -> bool:
    """Whether another password-reset mail may go out for this address and this client, and
    if so, count it: at most 3 an hour per e-mail address and 10 an hour per IP address.

    Counted by the e-mail address typed, known or not, so that being throttled does not tell
    whether an account has it.
    """
    now = timezone.now()
    PasswordResetRequest.objects.filter(created_at__lt=now - RESET_WINDOW).delete()
    email = email.strip().lower()
    ip_address = get_client_ip_address(request)
    recent = PasswordResetRequest.objects.filter(created_at__gte=now - RESET_WINDOW)
    if recent.filter(email=email).count() >= RESET_LIMIT_PER_EMAIL:
        return False
    if ip_address and recent.filter(ip_address=ip_address).count() >= RESET_LIMIT_PER_ADDRESS:
        return False
    PasswordResetRequest.objects.create(email=email, ip_address=ip_address)
    return True
