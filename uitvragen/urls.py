from django.urls import path

from . import views

app_name = "uitvragen"
urlpatterns = [
    path("", views.uitvraag_list, name="list"),
    path("nieuw/", views.uitvraag_create, name="create"),
    path("werklijst/", views.werklijst, name="werklijst"),
    path("werkitem/<int:pk>/", views.werkitem_detail, name="werkitem"),
    path("werkitem/<int:pk>/accepteren/", views.werkitem_accepteren, name="accepteren"),
    path("werkitem/<int:pk>/terugsturen/", views.werkitem_terugsturen, name="terugsturen"),
    path("<int:pk>/", views.uitvraag_detail, name="detail"),
    path("<int:pk>/voortgang/", views.uitvraag_voortgang, name="voortgang"),
    path("<int:pk>/voortgang.xlsx", views.uitvraag_export, name="export"),
    path("<int:pk>/herinneren/", views.uitvraag_herinneren, name="herinneren"),
    path("<int:pk>/sluiten/", views.uitvraag_sluiten, name="sluiten"),
    path("<int:pk>/wederhoor/", views.wederhoor_openen, name="wederhoor_openen"),
]
