"""/api/v1/: the endpoints, the OpenAPI schema and its browsable page.

The version is in the path: a change that breaks what reusers read gets /api/v2/ beside it.
"""

from django.urls import path
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter()
router.APIRootView = views.RootView
router.include_format_suffixes = False  # one address per resource; Accept picks the format
router.register("trajecten", views.TrajectViewSet, basename="traject")
router.register("partijen", views.PartijViewSet, basename="partij")
router.register("verbeterafspraken", views.VerbeterafspraakViewSet, basename="verbeterafspraak")
router.register("indicatoren", views.IndicatorViewSet, basename="indicator")
router.register("rapportages", views.RapportageViewSet, basename="rapportage")
router.register("edities", views.EditieViewSet, basename="editie")

urlpatterns = [
    *router.urls,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        # Swagger UI from our static files, its start-up script from its own address (the split
        # view) rather than inline.
        csp_override(views.PAGES_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
]
