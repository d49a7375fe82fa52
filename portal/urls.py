from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import views

admin.site.site_header = "Passende zorg verbetertrajecten: beheer"
admin.site.site_title = "Passende zorg beheer"
admin.site.index_title = "Beheer door Zorginstituut Nederland"

# The trajectory pages show agreements and reports together, so they belong to the composed site;
# their names stay in the `trajecten` namespace, where `Traject.get_absolute_url()` looks.
trajecten_urls = [
    path("", views.traject_list, name="list"),
    path("<slug:slug>/", views.traject_detail, name="detail"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="trajecten:list", permanent=False)),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("trajecten/", include((trajecten_urls, "trajecten"))),
    path("afspraken/", include("afspraken.urls")),
    path("rapportages/", include("rapportages.urls")),
]
