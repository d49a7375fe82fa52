from django.urls import path

from . import views

app_name = "trajecten"
urlpatterns = [
    path("", views.traject_list, name="list"),
    path("<slug:slug>/", views.traject_detail, name="detail"),
]
