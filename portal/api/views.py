"""The open data's endpoints: read-only, for anyone, paginated, answering a repeated request
with 304 and counting requests per client address."""

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404
from django.utils.cache import get_conditional_response
from django.utils.csp import CSP
from django.utils.functional import cached_property
from django.utils.http import http_date
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, routers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler

from afspraken.models import Partij
from rapportages.models import Editie, GepubliceerdeStand
from trajecten.models import Traject

from . import filters, published, serializers
from .versie import huidige_versie

# Anyone may keep an answer, but must ask again before using it: with the ETag that costs a 304.
CACHE_CONTROL = "public, no-cache"
# The browsable pages (DRF's, and Swagger UI at /api/v1/docs/) load only our own files, but set
# inline styles; the portal's policy holds otherwise.
PAGES_CSP = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}


class PagesCspMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response._csp_config = PAGES_CSP  # as Django's csp_override() sets it
        return response


class RootView(PagesCspMixin, routers.APIRootView):
    """The list of endpoints at /api/v1/."""


class Paginering(PageNumberPagination):
    page_size = 50
    max_page_size = 100
    page_query_param = "pagina"
    page_size_query_param = "per_pagina"
    invalid_page_message = "Deze pagina bestaat niet."
    page_query_description = "Het nummer van de pagina, vanaf 1."
    page_size_query_description = "Hoeveel per pagina: standaard 50, hoogstens 100."


class Throttled(exceptions.Throttled):
    default_detail = "Te veel verzoeken vanaf dit adres."
    extra_detail_singular = "Probeer het over {wait} seconde opnieuw."
    extra_detail_plural = "Probeer het over {wait} seconden opnieuw."


def exception_handler(exc, context):
    """DRF's, in the portal's words: a 404 says no more than that (DRF would pass on Django's
    English message naming the model), and a 429 when to try again (Retry-After stays)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Niet gevonden.")
    elif isinstance(exc, exceptions.Throttled) and not isinstance(exc, Throttled):
        exc = Throttled(exc.wait)
    return drf_exception_handler(exc, context)


class OpenDataViewSet(PagesCspMixin, viewsets.ReadOnlyModelViewSet):
    """A list and a detail of published data, GET and HEAD only.

    Both carry the version of the whole data set as ETag and Last-Modified, found in one small
    query before anything else is read; a request whose If-None-Match or If-Modified-Since
    matches it gets a 304 without the list or the object being read.
    """

    http_method_names = ["get", "head"]
    pagination_class = Paginering
    filter_backends = [DjangoFilterBackend]

    @cached_property
    def versie(self):
        return huidige_versie()

    def _etag(self) -> str:
        return self.versie.etag(self.request.accepted_renderer.format)

    def _not_modified(self, request):
        last_modified = self.versie.last_modified
        return get_conditional_response(
            request,
            etag=self._etag(),
            last_modified=int(last_modified.timestamp()) if last_modified else None,
        )

    def list(self, request, *args, **kwargs):
        return self._not_modified(request) or super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return self._not_modified(request) or super().retrieve(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code in (200, 304) and "versie" in self.__dict__:
            response["ETag"] = self._etag()
            if self.versie.last_modified is not None:
                response["Last-Modified"] = http_date(self.versie.last_modified.timestamp())
            response["Cache-Control"] = CACHE_CONTROL
        return response


@extend_schema_view(
    list=extend_schema(
        summary="Trajecten",
        description="Alle verbetertrajecten met hun fasen en thema's, op naam.",
    ),
    retrieve=extend_schema(summary="Een traject"),
)
class TrajectViewSet(OpenDataViewSet):
    queryset = Traject.objects.prefetch_related("faseperiodes", "themas").order_by("naam")
    serializer_class = serializers.TrajectSerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"


@extend_schema_view(
    list=extend_schema(
        summary="Partijen",
        description="De partijen die een gepubliceerde rapportage noemt bij een afspraak, of "
        "die de cijfers van een openbare indicator leveren; op afkorting.",
    ),
    retrieve=extend_schema(summary="Een partij"),
)
class PartijViewSet(OpenDataViewSet):
    serializer_class = serializers.PartijSerializer
    lookup_field = "afkorting"
    # Any abbreviation but a control character, which no database column takes.
    lookup_value_regex = r"[^/\x00-\x1f]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema needs the model only
            return Partij.objects.none()
        return published.partijen().order_by("afkorting")


STAND_FIELDS = [
    *["verbeterafspraak", "editie", "peildatum", "published_at", "nummer", "titel", "thema"],
    *["regiehouder", "partijen", "status", "status_peildatum", "tekst_html", "toelichting_html"],
    "verwachte_datum",
]


@extend_schema_view(
    list=extend_schema(
        summary="Verbeterafspraken",
        description="Elke verbeterafspraak die een gepubliceerde rapportage toonde, met haar "
        "stand zoals de nieuwste editie die haar toonde die publiceerde; per traject op nummer. "
        "Wat partijen daarna melden, staat hier pas na de volgende publicatie.",
    ),
    retrieve=extend_schema(
        summary="Een verbeterafspraak",
        description="De afspraak met haar stand in elke editie die haar toonde.",
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    ),
)
class VerbeterafspraakViewSet(OpenDataViewSet):
    queryset = (
        published.standen()
        .select_related("traject")
        .only(*STAND_FIELDS, "traject__slug")
        .order_by("traject__naam", "nummer", "verbeterafspraak")
    )
    filterset_class = filters.VerbeterafspraakFilter
    # `verbeterafspraak__pk`: a number beyond the column's range finds nothing.
    lookup_field = "verbeterafspraak__pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9]+"

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.VerbeterafspraakDetailSerializer
        return serializers.VerbeterafspraakSerializer

    def get_object(self):
        stand = super().get_object()
        stand.alle_standen = list(
            GepubliceerdeStand.objects.filter(verbeterafspraak=stand.verbeterafspraak_id)
            .only(*STAND_FIELDS)
            .order_by("-peildatum", "-published_at", "-pk")
        )
        return stand


@extend_schema_view(
    list=extend_schema(
        summary="Indicatoren",
        description="De indicatoren van de trajecten waarover een rapportage is gepubliceerd "
        "(van een afspraak: als die openbaar is), met hun gepubliceerde metingen.",
    ),
    retrieve=extend_schema(summary="Een indicator"),
)
class IndicatorViewSet(OpenDataViewSet):
    queryset = (
        published.indicatoren()
        .select_related("traject", "leverancier")
        .only(
            *["naam", "definitie", "eenheid", "richting", "basisjaar", "basiswaarde"],
            *["streefjaar", "streefwaarde", "bron", "volgorde", "verbeterafspraak"],
            *["traject__slug", "leverancier__afkorting"],
        )
        .prefetch_related(
            Prefetch(
                "metingen",
                queryset=published.metingen()
                .only("indicator", "jaar", "waarde", "peildatum", "bron", "toelichting")
                .order_by("jaar", "peildatum", "created_at", "pk"),
                to_attr="gepubliceerde_metingen",
            )
        )
        .order_by("traject__naam", "verbeterafspraak__nummer", "volgorde", "naam", "pk")
    )
    serializer_class = serializers.IndicatorSerializer
    filterset_class = filters.IndicatorFilter
    lookup_value_regex = "[0-9]+"


EDITIE_FIELDS = [
    *["rapportage", "nummer", "titel", "peildatum", "published_at", "html_sha256", "pdf_sha256"]
]


@extend_schema_view(
    list=extend_schema(
        summary="Rapportages",
        description="De gepubliceerde rapportages met hun edities, het nieuwste verslagjaar "
        "eerst. Een rapportage die nog niet is gepubliceerd, staat hier niet.",
    ),
    retrieve=extend_schema(summary="Een rapportage"),
)
class RapportageViewSet(OpenDataViewSet):
    queryset = (
        published.rapportages()
        .select_related("traject")
        .only("soort", "jaar", "traject__slug")
        .prefetch_related(
            Prefetch("edities", queryset=Editie.objects.only(*EDITIE_FIELDS).order_by("-nummer"))
        )
        .order_by("-jaar", "soort", "traject__naam", "pk")
    )
    serializer_class = serializers.RapportageSerializer
    filterset_class = filters.RapportageFilter
    lookup_value_regex = "[0-9]+"


@extend_schema_view(
    list=extend_schema(
        summary="Edities",
        description="Alle gepubliceerde edities, de laatst gepubliceerde eerst, met de "
        "adressen van hun HTML en PDF en de SHA-256 van elk: de bytes achter een adres van een "
        "genummerde editie veranderen nooit.",
    ),
    retrieve=extend_schema(summary="Een editie"),
)
class EditieViewSet(OpenDataViewSet):
    queryset = (
        published.edities()
        .select_related("rapportage__traject")
        .only(*EDITIE_FIELDS, "rapportage__soort", "rapportage__jaar", "rapportage__traject__slug")
        .order_by("-published_at", "-pk")
    )
    serializer_class = serializers.EditieSerializer
    filterset_class = filters.EditieFilter
    lookup_value_regex = "[0-9]+"
