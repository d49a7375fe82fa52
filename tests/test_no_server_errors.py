"""No request answers a 500, whatever it carries: a walk over every address of the portal.

The addresses come from the URLconf, so a new page is walked without a change here; path
parameters are filled from the rows that `world` makes (a new parameter name needs one line
there, and the walk says so). Each address is asked for:

- with valid path parameters, then with each in turn replaced by a bad one (`abc`, a negative
  number, a number beyond any database integer, a NUL byte, an over-long value);
- with repeated and unknown query parameters and a NUL byte; a list also with a search of
  10,000 characters, bad page numbers and orderings;
- with bad values (`abc` after a good value, a number beyond any integer, an invalid date, an
  over-long value) for every query parameter that the page offers in its own links and GET
  forms: the admin's list filters, date hierarchy, ordering and search, the party pages'
  filters;
- by posting every POST form that the page shows with bad values in all its fields.

Also the admin's autocomplete for every autocomplete field, and the login and password reset
forms. As anonymous visitor, party member, editor and superuser. PostgreSQL is where bad input
bites (NUL bytes, integers beyond `bigint`, values longer than their column), so the walk is
meant to run on both databases. Each request runs in a savepoint, so that a database error in
one does not abort the transaction for the rest.
"""

import datetime
import inspect
import re
import traceback
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from drf_spectacular.generators import SchemaGenerator

from afspraken.models import Verbeterafspraak
from afspraken.services import meld_meting
from portal.core.history import MAX_SEARCH_WORDS
from rapportages.models import GepubliceerdeStand, Opdracht, Rapportage
from tests.factories import (
    EditieFactory,
    IndicatorFactory,
    RapportageFactory,
    VerbeterafspraakFactory,
    VoortgangsupdateFactory,
    body,
)
from uitvragen.services import open_uitvraag
from volgen.models import Volg
from volgen.tokens import afmeldtoken

pytestmark = pytest.mark.django_db

TOO_BIG = "99999999999999999999"  # beyond PostgreSQL's bigint
BAD_PATH_VALUES = ["abc", "-1", TOO_BIG, "\x00", "x" * 300]
# The parameter twice: the admin's field filters take every value, most code the last.
BAD_QUERY_VALUES = [["1", "abc"], TOO_BIG, "2024-13-45", "x" * 300]
BAD_POST_VALUES = ["a\x00b", TOO_BIG, "x" * 300]
LONG_SEARCH = ("zoekterm " * 1112)[:10_000]
EVERY_PAGE_QUERIES = [[("a", "1"), ("a", "2"), ("onbekend", "x")], [("q", "a\x00b")]]
# A page that offers query parameters (a list) gets bad values for these too: pages, ordering,
# search, whether the page links to them or not (one page of results has no page links).
LIST_PARAMETERS = {"pagina", "p", "o", "q"}
LIST_QUERIES = [
    [("pagina", "-1"), ("p", "-1")],
    [("\x00", "1")],
    [("q", LONG_SEARCH)],
    [("q", '"')],
    [("_facets", "True"), ("e", "1")],
]
# A formset's size is kept as the page has it: a huge form count is refused, but only after
# Django has built its maximum of a thousand forms per formset, which takes seconds.
FORMSET_SIZE = re.compile(r"-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$")

# Addresses left out of the loops (the concept PDF renders for seconds) or that change what the
# walk relies on when posted to (logging out, deleting, publishing).
ONCE_ONLY = {"rapportages:concept_pdf"}
NO_POST = re.compile(r"logout|/delete/|publiceren|concept/\d+\.pdf")
# Where a page sends a visitor who may not see it: the login pages, the second factor.
LOGIN = re.compile(r"/(accounts/login|admin/login|accounts/verificatie)/")


@pytest.fixture
def world(alice, staff, afspraak, dvt):
    """A row behind every path parameter: an agreement with progress, a trajectory report, an
    implementation-wide report and an end evaluation with an edition each, a concept report,
    history."""
    VoortgangsupdateFactory(verbeterafspraak=afspraak, peildatum=datetime.date(2022, 10, 1))
    editie = EditieFactory(rapportage=RapportageFactory(traject=dvt, jaar=2022), published_by=staff)
    GepubliceerdeStand.objects.create(
        editie=editie,
        verbeterafspraak=afspraak,
        traject=dvt,
        peildatum=editie.peildatum,
        published_at=editie.published_at,
        nummer=afspraak.nummer,
        titel=afspraak.titel,
        thema=afspraak.thema.naam,
        regiehouder=afspraak.regiehouder.afkorting,
        partijen="NHG, NIV",
        status="op_schema",
    )
    EditieFactory(
        rapportage=RapportageFactory(soort=Rapportage.Soort.IMPLEMENTATIE, traject=None, jaar=2022),
        published_by=staff,
    )
    concept = RapportageFactory(traject=dvt, jaar=2023)
    EditieFactory(
        rapportage=RapportageFactory(soort=Rapportage.Soort.EINDEVALUATIE, traject=dvt, jaar=2024),
        published_by=staff,
    )
    indicator = IndicatorFactory(verbeterafspraak=afspraak, streefjaar=None, streefwaarde=None)
    meld_meting(
        indicator=indicator, user=staff, jaar=2021, waarde=39, peildatum=datetime.date(2022, 3, 1)
    )
    opdracht = Opdracht.objects.create(
        soort=Opdracht.Soort.CONCEPT_PDF,
        rapportage=concept,
        status=Opdracht.Status.KLAAR,
        pdf=b"%PDF-1.7",
        verloopt_op=timezone.now() + datetime.timedelta(hours=1),
    )
    uitvraag = open_uitvraag(
        jaar=2022,
        peildatum=datetime.date(2022, 10, 1),
        deadline=datetime.date(2022, 11, 1),
        user=staff,
        notify=False,
    )
    volg = Volg.objects.create(user=alice, verbeterafspraak=afspraak)
    dvt.bevries_tot(editie.peildatum)  # as publishing does: the open data shows its figures
    return {
        ("afspraken", "pk"): afspraak.pk,
        ("", "pk"): afspraak.pk,  # the agreement page at the portal level (a visitor's view)
        ("", "section"): "afspraken",  # a section of the sitemap
        # One value for a round's and a work item's pages: an item's, so its pages are tried
        # with a row behind them (the round's pages have tests of their own).
        ("uitvragen", "pk"): uitvraag.werkitems.order_by("pk").first().pk,
        ("rapportages", "pk"): concept.pk,
        ("rapportages", "opdracht"): opdracht.pk,
        ("rapportages", "formaat"): "csv",
        ("rapportages", "slug"): dvt.slug,
        ("rapportages", "jaar"): 2022,
        ("rapportages", "nummer"): 1,
        ("rapportages", "traject"): dvt.pk,  # of hoor en wederhoor's staff pages
        ("trajecten", "slug"): dvt.slug,
        ("volgen", "slug"): dvt.slug,
        ("volgen", "pk"): afspraak.pk,
        ("volgen", "volg_id"): volg.pk,
        ("volgen", "token"): afmeldtoken([volg.pk]),
        ("", "uidb64"): urlsafe_base64_encode(force_bytes(alice.pk)),
        ("", "token"): default_token_generator.make_token(alice),
        ("admin", "app_label"): "afspraken",
        ("admin", "url"): "onbekend/",
        ("admin", "content_type_id"): ContentType.objects.get_for_model(Verbeterafspraak).pk,
        ("admin", "object_id"): afspraak.pk,  # of the admin's view_on_site
        # The open data: one value for every collection's id (the report's: also an edition's).
        ("api", "slug"): dvt.slug,
        ("api", "afkorting"): afspraak.regiehouder.afkorting,
        ("api", "id"): afspraak.pk,
        ("api", "pk"): editie.pk,
    }


PARAMETER = re.compile(r"<(?:\w+:)?(?P<route>\w+)>|\(\?P<(?P<named>\w+)>[^()]*\)|\([^()]*\)")


def walk(patterns=None, route="", namespace=""):
    """Every URL pattern: (its whole route or regex, its namespace, its view)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from walk(
                entry.url_patterns, route + str(entry.pattern), entry.namespace or namespace
            )
        else:
            yield route + str(entry.pattern), namespace, entry.callback


def parameter_names(route, view):
    """The route's parameters in order; an unnamed regex group takes the view's argument name."""
    wrapped = inspect.unwrap(view)
    positional = [name for name in inspect.signature(wrapped).parameters if name != "request"]
    names, unnamed = [], iter(positional)
    for match in PARAMETER.finditer(route):
        names.append(match["route"] or match["named"] or next(unnamed))
    return names


def model_admin_of(view):
    """The ModelAdmin behind an admin view, whether wrapped by get_urls() or a bound method."""
    while view is not None:
        owner = getattr(view, "model_admin", None) or getattr(view, "__self__", None)
        if owner is not None:
            return owner
        view = getattr(view, "__wrapped__", None)
    return None


def path_values(world, namespace, names, view):
    values = {}
    model_admin = model_admin_of(view)
    if isinstance(model_admin, admin.ModelAdmin):
        # An admin page of one object: its first row, however the view names the parameter.
        obj = model_admin.model._default_manager.order_by("pk").first()
        for name in {"object_id", "id", "pk"} & set(names):
            values[name] = obj.pk if obj else 1
        if "version_id" in names and obj is not None:
            values["version_id"] = obj.history.first().history_id
    for name in names:
        key = (namespace, name)
        if name not in values:
            assert key in world, f"No value for the path parameter {key}: add one to `world`."
            values[name] = world[key]
    return values


def build(route, names, values):
    parts = iter(names)

    def fill(match):
        return quote(str(values[next(parts)]), safe="")

    return "/" + PARAMETER.sub(fill, route).replace("^", "").replace("$", "")


def addresses(world, include):
    """(label, path, valid) for every URL pattern whose view `include` accepts: filled with
    valid values, then with one bad value at a time."""
    for route, namespace, view in walk():
        if not include(view):
            continue
        names = parameter_names(route, view)
        values = path_values(world, namespace, names, view)
        label = f"{namespace}:{getattr(view, '__name__', view)}"
        yield label, build(route, names, values), True
        for name in names:
            for bad in BAD_PATH_VALUES:
                yield label, build(route, names, {**values, name: bad}), False


class Forms(HTMLParser):
    """The query parameters a page offers (its links to itself, its GET forms) and its POST
    forms: their actions and fields, with the values the page gives them."""

    def __init__(self):
        super().__init__()
        self.query_names = set()
        self.post_forms = []  # (action, {name: value})
        self._form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and (attrs.get("href") or "").startswith("?"):
            self.query_names.update(name for name, _ in parse_qsl(attrs["href"][1:]))
        elif tag == "form":
            method = (attrs.get("method") or "get").lower()
            self._form = (method, attrs.get("action") or "", {})
        elif tag in ("input", "select", "textarea") and self._form and attrs.get("name"):
            self._form[2][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form" and self._form:
            method, action, fields = self._form
            if method == "get":
                self.query_names.update(fields)
            else:
                fields.pop("csrfmiddlewaretoken", None)
                self.post_forms.append((action, fields))
            self._form = None


class Walker:
    def __init__(self, client):
        client.raise_request_exception = False
        self.client = client
        self.count = 0
        self.failures = []

    def request(self, method, path, data=None):
        self.count += 1
        savepoint = transaction.savepoint_create()
        if method == "get":
            query = urlencode(data or [])
            response = self.client.get(f"{path}?{query}" if query else path)
        else:
            response = self.client.post(path, data)
        if response.status_code >= 500:
            transaction.savepoint_rollback(savepoint)
            error = where(response.exc_info)
            shown = f"{path}?{urlencode(data)}" if method == "get" and data else path
            data_shown = "" if method == "get" else f" {data!r:.200}"
            self.failures.append(
                f"{method.upper()} {shown[:300]}{data_shown} → {response.status_code}: {error}"
            )
        else:
            transaction.savepoint_commit(savepoint)
        return response


def where(exc_info) -> str:
    """The exception and the line that raised it, in the portal's code and in all."""
    if not exc_info:
        return ""
    frames = traceback.extract_tb(exc_info[2])
    own = [frame for frame in frames if "site-packages" not in frame.filename]
    lines = [f"{frame.filename}:{frame.lineno}" for frame in (own[-1:] + frames[-1:])]
    return f"{exc_info[1]!r:.300} at {' via '.join(lines)}"


_api_schema = {}


def api_query_names(path: str) -> set[str]:
    """The query parameters the OpenAPI schema lists for an address of the open data: the
    API's answers are JSON, so its filters and pages are read there instead of from links."""
    if not _api_schema:
        _api_schema.update(SchemaGenerator().get_schema(request=None, public=True))
    for template, operations in _api_schema["paths"].items():
        if re.fullmatch(re.sub(r"\{\w+\}", "[^/]+", template), path):
            parameters = operations["get"].get("parameters", [])
            return {parameter["name"] for parameter in parameters if parameter["in"] == "query"}
    return set()


def html_of(response) -> str:
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return ""
    return body(response).decode()


def walk_site(walker, world, include):
    """Every address `include` accepts; returns the status of each with valid parameters."""
    pages = {}
    for label, path, valid in addresses(world, include):
        response = walker.request("get", path)
        if not valid or label in ONCE_ONLY:
            continue
        pages[path] = response.status_code
        if response.status_code == 302 and LOGIN.match(response["Location"]):
            continue  # the view did not run, so it read nothing of the request
        forms = Forms()
        forms.feed(html_of(response))
        if response.get("Content-Type") == "application/json":
            forms.query_names |= api_query_names(path)
        is_list = bool(forms.query_names)
        for query in EVERY_PAGE_QUERIES + (LIST_QUERIES if is_list else []):
            walker.request("get", path, query)
        for name in sorted(forms.query_names | (LIST_PARAMETERS if is_list else set())):
            for bad in BAD_QUERY_VALUES:
                values = bad if isinstance(bad, list) else [bad]
                walker.request("get", path, [(name, value) for value in values])
        for action, fields in forms.post_forms:
            target = action if action.startswith("/") else path
            if NO_POST.search(target):
                continue
            for bad in BAD_POST_VALUES:
                data = {
                    name: value if FORMSET_SIZE.search(name) else bad
                    for name, value in fields.items()
                }
                walker.request("post", target, data)
    return pages


def walk_autocomplete(walker):
    """The admin's autocomplete, for every autocomplete field of every admin and inline."""
    fields = [
        (owner.model, name)
        for model_admin in admin.site._registry.values()
        for owner in [model_admin, *model_admin.inlines]
        for name in owner.autocomplete_fields
    ]
    for model, field_name in fields:
        base = [
            ("app_label", model._meta.app_label),
            ("model_name", model._meta.model_name),
            ("field_name", field_name),
        ]
        for extra in [
            [("term", "a")],
            [("term", "\x00")],
            [("term", LONG_SEARCH)],
            [("term", "a"), ("page", "abc")],
            [("term", "a"), ("page", TOO_BIG)],
            [("term", "a"), ("page", "-1")],
        ]:
            walker.request("get", "/admin/autocomplete/", base + extra)
    for bad in ["abc", TOO_BIG, "\x00", "x" * 300]:
        walker.request(
            "get", "/admin/autocomplete/", [("app_label", bad), ("model_name", bad), ("term", "a")]
        )


def walk_logins(walker):
    """Logging in and resetting a password with over-long, NUL and odd values."""
    for path in ["/accounts/login/", "/admin/login/"]:
        for username in ["x" * 256, "x" * 10_000, "a\x00b", "alice", ""]:
            walker.request("post", path, {"username": username, "password": "x" * 1000})
    for email in ["x" * 300 + "@example.org", "a\x00b@example.org", "alice@example.org", "x"]:
        walker.request("post", "/accounts/password_reset/", {"email": email})


def editor_cannot_open(editor):
    """Admin pages of models that an editor may not see (groups, devices, login attempts)."""

    def include(view):
        model_admin = model_admin_of(view)
        if not isinstance(model_admin, admin.ModelAdmin):
            return False
        opts = model_admin.model._meta
        return not any(
            editor.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
            for action in ("view", "change")
        )

    return include


@pytest.mark.parametrize("role", ["anonymous", "alice", "staff", "superuser"])
def test_no_request_answers_a_server_error(role, client, world, staff, request):
    """As anonymous visitor and party member everywhere, as editor everywhere an editor may
    go, and as superuser where an editor may not. Staff as if past their second factor (see
    the `client` fixture)."""
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    walker = Walker(client)
    beyond_editor = editor_cannot_open(staff)
    include = {
        "staff": lambda view: not beyond_editor(view),
        "superuser": beyond_editor,
    }.get(role, lambda view: True)
    pages = walk_site(walker, world, include)
    walk_autocomplete(walker)
    walk_logins(walker)

    assert not walker.failures, f"{len(walker.failures)} of {walker.count} requests:\n" + "\n".join(
        walker.failures[:50]
    )
    # A guard on the walk itself: had staff been sent elsewhere (to log in, to their second
    # factor), it would have tested little.
    reached = [path for path, status in pages.items() if status == 200]
    assert len(reached) >= {"anonymous": 10, "alice": 15, "staff": 60, "superuser": 5}[role]


def test_an_admin_search_uses_only_its_first_words(client, staff, afspraak):
    """Django looks for every word in every search field: a thousand words made one query
    that ran for seconds. The admin searches on the first ten words only."""
    VerbeterafspraakFactory(titel="Iets anders", traject=afspraak.traject)
    client.force_login(staff)
    url = "/admin/afspraken/verbeterafspraak/"
    search_fields = admin.site._registry[Verbeterafspraak].search_fields

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"q": "voorkom " * MAX_SEARCH_WORDS + "nergens " * 990})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [afspraak]
    conditions = max(query["sql"].count(" LIKE ") for query in queries.captured_queries)
    # It took 3.5 s on PostgreSQL; the number of conditions is what bounds the time.
    assert conditions == MAX_SEARCH_WORDS * len(search_fields)

    response = client.get(url, {"q": "nergens " + "voorkom " * 999})
    assert list(response.context["cl"].result_list) == []


def test_an_admin_search_on_a_very_long_word_is_cut(client, staff, afspraak):
    client.force_login(staff)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/afspraken/verbeterafspraak/", {"q": "x" * 10_000})

    assert response.status_code == 200
    sql = "".join(query["sql"] for query in queries.captured_queries)
    assert "x" * 200 in sql
    assert "x" * 201 not in sql


# The 500s the walk found, each with the answer it now gets.


@pytest.mark.parametrize("value", ["abc", TOO_BIG, "-1"])
def test_an_unknown_party_in_the_admin_filter_leaves_the_list_unfiltered(
    client, staff, afspraak, value
):
    other = VerbeterafspraakFactory(traject=afspraak.traject)
    client.force_login(staff)
    response = client.get("/admin/afspraken/verbeterafspraak/", {"partij": value})
    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {afspraak, other}


def test_the_party_filter_finds_regiehouder_and_betrokken_partij(client, staff, afspraak, niv):
    VerbeterafspraakFactory(traject=afspraak.traject)
    client.force_login(staff)
    for partij in [afspraak.regiehouder, niv]:
        response = client.get("/admin/afspraken/verbeterafspraak/", {"partij": partij.pk})
        assert list(response.context["cl"].result_list) == [afspraak]


@pytest.mark.parametrize("value", ["abc", TOO_BIG, "a\x00b"])
def test_an_admin_form_shows_an_invalid_choice_as_an_error(client, staff, afspraak, value):
    """Django's autocomplete widget looks a submitted value up to show it again."""
    client.force_login(staff)
    response = client.post(
        "/admin/afspraken/verbeterafspraak/add/",
        {"traject": value, "regiehouder": value, "betrokken_partijen": [value]},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"traject", "regiehouder", "betrokken_partijen"} <= set(errors)

    partij = afspraak.regiehouder
    response = client.post(
        f"/admin/afspraken/partij/{partij.pk}/change/",
        {
            "afkorting": partij.afkorting,
            "naam": partij.naam,
            "soort": partij.soort,
            "lidmaatschappen-TOTAL_FORMS": "1",
            "lidmaatschappen-INITIAL_FORMS": "0",
            "lidmaatschappen-0-user": value,
        },
    )
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0]["user"]


@pytest.mark.parametrize(
    "path",
    [
        "abc/history/",
        f"{TOO_BIG}/history/",
        "%00/history/",
        "{pk}/history/abc/",
        f"{{pk}}/history/{TOO_BIG}/",
        "abc/history/1/",
    ],
)
def test_a_history_page_of_a_bad_id_is_not_found(client, staff, afspraak, path):
    client.force_login(staff)
    url = "/admin/afspraken/verbeterafspraak/" + path.format(pk=afspraak.pk)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("year", [TOO_BIG, "abc", "0"])
def test_a_bad_year_in_the_date_hierarchy_is_djangos_error_page(client, staff, year):
    client.force_login(staff)
    response = client.get("/admin/afspraken/voortgangsupdate/", {"peildatum__year": year})
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
