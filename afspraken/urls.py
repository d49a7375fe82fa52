from django.urls import path

from . import views

app_name = "afspraken"
urlpatterns = [
    path("", views.afspraak_list, name="list"),
    path("<int:pk>/", views.afspraak_detail, name="detail"),
    path("<int:pk>/metingen/", views.meting_create, name="meting"),
]
