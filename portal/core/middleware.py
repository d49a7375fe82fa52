from django.core.exceptions import BadRequest


def refuse_nul_bytes(get_response):
    """A NUL byte in the query string is a 400, before any view passes it to the database.

    No address of the portal takes one, and PostgreSQL refuses a string that holds one with an
    error that would otherwise be a 500 (an admin search or autocomplete term, a filter). Form
    fields refuse NUL bytes in posted data themselves.
    """

    def middleware(request):
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                raise BadRequest("Het adres bevat een ongeldig teken.")
        return get_response(request)

    return middleware


def no_store_for_users(get_response):
    """A page for a logged-in user is kept in no cache, the browser's included.

    What a logged-in user sees (their party's agreements, a concept report, the admin) must
    not be there for the next person at a shared computer, nor in a proxy. Public pages for
    visitors stay cacheable, and a view that sets Cache-Control itself keeps it.
    """

    def middleware(request):
        response = get_response(request)
        # The header first: a response that says how to cache it needs no look at the user.
        if not response.has_header("Cache-Control") and request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response

    return middleware
