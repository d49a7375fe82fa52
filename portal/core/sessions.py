"""How long a session lives: an idle timeout, refreshed at most once a minute, and an absolute
lifetime on top of it.

Idle timeout: a session expires SESSION_COOKIE_AGE seconds after it was last saved, in the
database and in the browser's cookie alike. Saving it on every request
(SESSION_SAVE_EVERY_REQUEST) kept that exact, at the cost of a write and a commit per page;
`refresh_idle_expiry` saves a session that nothing else changed only when its last save is at
least REFRESH_SECONDS old. A session in use therefore ends between SESSION_COOKIE_AGE minus a
minute and SESSION_COOKIE_AGE after its last request, and one request in a minute costs no write.

Absolute lifetime: with the idle timeout alone a session in steady use would live for ever. The
moment of login is stored in the session, and after SESSION_ABSOLUTE_AGE seconds from it the
user is logged out, however active.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

LOGIN_AT_SESSION_KEY = "portal_login_at"
# When the session was last saved, as far as this module knows (seconds since the epoch).
REFRESHED_AT_SESSION_KEY = "portal_refreshed_at"
REFRESH_SECONDS = 60


def record_login_time(sender, request, user, **kwargs):
    """Receiver of `user_logged_in`: the session's lifetime starts at each login, and its idle
    time too (logging in saves the session)."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT_SESSION_KEY] = now
        request.session[REFRESHED_AT_SESSION_KEY] = now


def refresh_idle_expiry(get_response):
    """Moves a session's expiry forward when it was last saved a minute or more ago.

    Placed right after SessionMiddleware, so that it sees the session as the view and the other
    middleware left it. A session that is saved anyway gets the time of this save. An empty one
    (no cookie, expired, just logged out) is left alone, so no session is created for nothing,
    and so is one the request never loaded (a public page that needs no user): that costs no
    query here either.
    """

    def middleware(request):
        response = get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed or session.session_key is None:
            return response
        refreshed_at = session.get(REFRESHED_AT_SESSION_KEY)
        if not session.keys():
            return response
        now = int(time.time())
        if (
            session.modified
            or not isinstance(refreshed_at, int)
            # A time in the future (a clock set back) counts as due, not as fresh for ever.
            or not 0 <= now - refreshed_at < REFRESH_SECONDS
        ):
            session[REFRESHED_AT_SESSION_KEY] = now  # marks it modified: SessionMiddleware saves
        return response

    return middleware


def end_session_after_absolute_age(get_response):
    def middleware(request):
        # Without a session cookie nobody is logged in; the session is left untouched.
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
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
