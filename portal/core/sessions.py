"""An absolute lifetime for a session, on top of Django's idle timeout.

SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST ends a session after some idle time, but
one in steady use would live for ever. The moment of login is stored in the session, and
after SESSION_ABSOLUTE_AGE seconds from it the user is logged out, however active.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

LOGIN_AT_SESSION_KEY = "portal_login_at"


def record_login_time(sender, request, user, **kwargs):
    """Receiver of `user_logged_in`: the session's lifetime starts at each login."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_SESSION_KEY] = int(time.time())


def end_session_after_absolute_age(get_response):
    def middleware(request):
        if request.user.is_authenticated:
            login_at = request.session.get(LOGIN_AT_SESSION_KEY)
            now = int(time.time())
            if login_at is None:
                # A session from before this middleware: its lifetime starts now.
                request.session[LOGIN_AT_SESSION_KEY] = now
            elif now - login_at > settings.SESSION_ABSOLUTE_AGE:
                logout(request)
                messages.info(request, "U was te lang ingelogd. Log opnieuw in.")
        return get_response(request)

    return middleware
