from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Passende zorg verbetertrajecten: beheer"
admin.site.site_title = "Passende zorg beheer"
admin.site.index_title = "Beheer door Zorginstituut Nederland"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="trajecten:list", permanent=False)),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("trajecten/", include("trajecten.urls")),
    path("afspraken/", include("afspraken.urls")),
    path("rapportages/", include("rapportages.urls")),
]
