from django.contrib import admin
from django.urls import include, path

from rapportages.feeds import TrajectRapportages

from . import accounts, mfa, views

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
    path("admin/", admin.site.urls),
    # Before Django's account pages: a throttled password reset in place of its own.
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/verificatie/", mfa.verify, name="verify_second_factor"),
    path("accounts/verificatie/instellen/", mfa.setup, name="setup_second_factor"),
    path("accounts/verificatie/herstelcodes/", mfa.recovery_codes, name="recovery_codes"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("trajecten/", include((trajecten_urls, "trajecten"))),
    path("start/", views.start, name="start"),
    # Before the app's own route of the same address (whose name `afspraken:detail` stays the
    # one to reverse): a visitor sees the published state, a logged-in user the live page.
    path("afspraken/<int:pk>/", views.afspraak_detail),
    path("afspraken/", include("afspraken.urls")),
    path("uitvragen/", include("uitvragen.urls")),
    path("rapportages/", include("rapportages.urls")),
    # Open data: a read-only JSON API with its schema and docs (portal/api/).
    path("api/v1/", include("portal.api.urls")),
]
