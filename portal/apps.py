from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The composed site: home, trajectory pages, the editors' group and the demo loader."""

    name = "portal"
    verbose_name = "Portaal"
