from django.apps import AppConfig


class UitvragenConfig(AppConfig):
    name = "uitvragen"
    verbose_name = "Uitvragen"
