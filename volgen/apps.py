from django.apps import AppConfig


class VolgenConfig(AppConfig):
    """Following an agreement or a trajectory by mail, above the apps whose changes it hears of."""

    name = "volgen"
    verbose_name = "Volgen"

    def ready(self):
        from afspraken.signals import status_gewijzigd
        from rapportages.signals import editie_gepubliceerd

        from . import receivers

        status_gewijzigd.connect(receivers.status_gewijzigd, dispatch_uid="volgen_status")
        editie_gepubliceerd.connect(receivers.editie_gepubliceerd, dispatch_uid="volgen_editie")
