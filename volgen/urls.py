from django.urls import path

from . import views

app_name = "volgen"
urlpatterns = [
    path("", views.volg_list, name="list"),
    path("trajecten/<slug:slug>/", views.volg_traject, name="traject"),
    path("afspraken/<int:pk>/", views.volg_afspraak, name="afspraak"),
    path("<int:volg_id>/stoppen/", views.volg_stoppen, name="stoppen"),
    path("afmelden/<str:token>/", views.afmelden, name="afmelden"),
]
