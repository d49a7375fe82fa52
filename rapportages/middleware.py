from django.conf import settings
from django.urls import Resolver404, resolve

from . import serving
from .views import EDITIE_VIEWS


def published_editions(get_response):
    """Answers an anonymous visitor's request for a published edition before the rest of the
    middleware, as whitenoise answers for a static file.

    An edition is the same for everyone and its view asks nothing of the user, the session, CSRF
    or messages, so for a visitor without a session the middleware below this one would only
    cost time (most of a request's, for a document that is sent as a file). Placed after the
    middleware that puts headers on every answer (security, X-Frame-Options, CSP, language,
    the host check) and before the session, so the answer carries the same headers as through
    the view (tests/rapportages/test_serving.py compares them) at little cost. The address is
    resolved through the URLconf and served by the function the view calls; an address without
    an edition, a logged-in user (who may need a second factor first) and everything else go on
    to the view as before.
    """

    def middleware(request):
        if request.method in ("GET", "HEAD") and (
            settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            document = EDITIE_VIEWS.get(match.func) if match is not None else None
            if document is not None:
                address = {"jaar": None, "slug": None, "nummer": None, **match.kwargs}
                response = serving.serve_published(request, document=document, **address)
                if response is not None:
                    return response
        return get_response(request)

    return middleware
