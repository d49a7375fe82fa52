from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path

from rapportages.feeds import TrajectRapportages

from . import accounts, mfa, views
from .sitemaps import SITEMAPS

# The trajectory pages show agreements and reports together, so they belong to the composed site;
# their names stay in the `trajecten` namespace, where `Traject.get_absolute_url()` looks.
trajecten_urls = [
    path("", views.traject_list, name="list"),
    path("<slug:slug>/", views.traject_detail, name="detail"),
    path("<slug:slug>/feed/", TrajectRapportages(), name="feed"),
    path("<slug:slug>/metingen/", views.meting_create, name="meting"),
]

urlpatterns = [
    path("", views.home, name="home"),
    # An index of sections, each paged (`?p=2`) when it outgrows one sitemap's limit.
    path("sitemap.xml", sitemaps.index, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemaps.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("robots.txt", views.robots_txt, name="robots"),
    path("toegankelijkheid/", views.toegankelijkheid, name="toegankelijkheid"),
    path("admin/", admin.site.urls),
    # Before Django's account pages: a throttled password reset in place of its own.
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/verificatie/", mfa.verify, name="verify_second_factor"),
    path("accounts/verificatie/instellen/", mfa.setup, name="setup_second_factor"),
    path("accounts/verificatie/herstelcodes/", mfa.recovery_codes, name="recovery_codes"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("trajecten/", include((trajecten_urls, "trajecten"))),
    path("start/", views.start, name="start"),
    # Before the app's own routes of the same addresses (whose names `afspraken:list` and
    # `afspraken:detail` stay the ones to reverse): a visitor sees the published state, a
    # logged-in user the live pages.
    path("afspraken/", views.afspraak_list, name="afspraak_list"),
    path("afspraken/<int:pk>/", views.afspraak_detail),
    path("afspraken/", include("afspraken.urls")),
    path("uitvragen/", include("uitvragen.urls")),
    path("rapportages/", include("rapportages.urls")),
    path("volgen/", include("volgen.urls")),
    # Open data: a read-only JSON API with its schema and docs (portal/api/).
    path("api/v1/", include("portal.api.urls")),
]
