from django.urls import path

from . import feeds, views, wederhoor

app_name = "rapportages"
urlpatterns = [
    path("", views.rapportage_list, name="list"),
    path("feed/", feeds.NieuweRapportages(), name="feed"),
    # An edition's agreements as a table (csv or xlsx); an edition's id never changes.
    path("editie/<int:pk>/afspraken.<str:formaat>", views.editie_tabel, name="editie_tabel"),
    # Staff only: the live concept of any report, and publishing it.
    path("concept/<int:pk>/", views.concept_detail, name="concept"),
    path("concept/<int:pk>.pdf", views.concept_pdf, name="concept_pdf"),
    path("concept/<int:pk>/publiceren/", views.publish, name="publiceren"),
    # Background work on a concept (publishing it, its PDF): how far it is, and its result.
    path("concept/<int:pk>/opdracht/<int:opdracht>/", views.opdracht_detail, name="opdracht"),
    path("concept/<int:pk>/opdracht/<int:opdracht>.pdf", views.opdracht_pdf, name="opdracht_pdf"),
    # Hoor en wederhoor on a round's concept text: the parties' page and the staff's overview.
    path("wederhoor/<int:pk>/", wederhoor.wederhoor, name="wederhoor"),
    path(
        "wederhoor/<int:pk>/overzicht/",
        wederhoor.wederhoor_overzicht,
        name="wederhoor_overzicht",
    ),
    path(
        "wederhoor/<int:pk>/overzicht/<int:traject>/",
        wederhoor.wederhoor_traject,
        name="wederhoor_traject",
    ),
    # The implementation-wide report; before the trajectory routes, which would match too.
    path("implementatie/<int:jaar>/", views.rapportage_detail, name="implementatie"),
    path("implementatie/<int:jaar>.pdf", views.rapportage_pdf, name="implementatie_pdf"),
    path(
        "implementatie/<int:jaar>/editie/<int:nummer>/",
        views.rapportage_detail,
        name="implementatie_editie",
    ),
    path(
        "implementatie/<int:jaar>/editie/<int:nummer>.pdf",
        views.rapportage_pdf,
        name="implementatie_editie_pdf",
    ),
    # A trajectory's end evaluation: one per trajectory, so no year in its address.
    path("<slug:slug>/eindevaluatie/", views.eindevaluatie_detail, name="eindevaluatie"),
    path("<slug:slug>/eindevaluatie.pdf", views.eindevaluatie_pdf, name="eindevaluatie_pdf"),
    path(
        "<slug:slug>/eindevaluatie/editie/<int:nummer>/",
        views.eindevaluatie_detail,
        name="eindevaluatie_editie",
    ),
    path(
        "<slug:slug>/eindevaluatie/editie/<int:nummer>.pdf",
        views.eindevaluatie_pdf,
        name="eindevaluatie_editie_pdf",
    ),
    path("<slug:slug>/<int:jaar>/", views.rapportage_detail, name="traject"),
    path("<slug:slug>/<int:jaar>.pdf", views.rapportage_pdf, name="traject_pdf"),
    path(
        "<slug:slug>/<int:jaar>/editie/<int:nummer>/",
        views.rapportage_detail,
        name="traject_editie",
    ),
    path(
        "<slug:slug>/<int:jaar>/editie/<int:nummer>.pdf",
        views.rapportage_pdf,
        name="traject_editie_pdf",
    ),
]
