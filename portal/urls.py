from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import accounts, mfa, views

# The trajectory pages show agreements and reports together, so they belong to the composed site;
# their names stay in the `trajecten` namespace, where `Traject.get_absolute_url()` looks.
trajecten_urls = [
    path("", views.traject_list, name="list"),
    path("<slug:slug>/", views.traject_detail, name="detail"),
    path("<slug:slug>/metingen/", views.meting_create, name="meting"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="trajecten:list", permanent=False)),
    path("admin/", admin.site.urls),
    # Before Django's account pages: a throttled password reset in place of its own.
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/verificatie/", mfa.verify, name="verify_second_factor"),
    path("accounts/verificatie/instellen/", mfa.setup, name="setup_second_factor"),
    path("accounts/verificatie/herstelcodes/", mfa.recovery_codes, name="recovery_codes"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("trajecten/", include((trajecten_urls, "trajecten"))),
    path("start/", views.start, name="start"),
    path("afspraken/", include("afspraken.urls")),
    path("uitvragen/", include("uitvragen.urls")),
    path("rapportages/", include("rapportages.urls")),
]
