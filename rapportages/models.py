from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from trajecten.models import Traject


class Rapportage(models.Model):
    """A yearly progress report: per trajectory, or implementation-wide for a year."""

    class Soort(models.TextChoices):
        TRAJECT = "traject", "Voortgangsrapportage traject"
        IMPLEMENTATIE = "implementatie", "Voortgangsrapportage implementatiefase"

    class Status(models.TextChoices):
        CONCEPT = "concept", "Concept"
        GEPUBLICEERD = "gepubliceerd", "Gepubliceerd"

    soort = models.CharField("soort", max_length=20, choices=Soort, default=Soort.TRAJECT)
    traject = models.ForeignKey(
        Traject,
        on_delete=models.PROTECT,
        related_name="rapportages",
        verbose_name="traject",
        null=True,
        blank=True,
        help_text="Leeg bij de implementatiebrede rapportage.",
    )
    jaar = models.PositiveSmallIntegerField("verslagjaar")
    titel = models.CharField("titel", max_length=300)
    peildatum = models.DateField(
        "peildatum", help_text="De rapportage toont elke afspraak zoals die op deze datum stond."
    )
    inleiding = models.TextField("inleiding", blank=True)
    vervolg = models.TextField(
        "vervolg",
        blank=True,
        help_text="Slottekst: wat er nu gebeurt en wanneer de volgende rapportage verschijnt.",
    )
    status = models.CharField("status", max_length=20, choices=Status, default=Status.CONCEPT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="aangemaakt door",
    )
    created_at = models.DateTimeField("aangemaakt op", auto_now_add=True)
    updated_at = models.DateTimeField("gewijzigd op", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "rapportage"
        verbose_name_plural = "rapportages"
        ordering = ["-jaar", "soort", "traject__naam"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(soort="traject") & Q(traject__isnull=False))
                | (Q(soort="implementatie") & Q(traject__isnull=True)),
                name="rapportage_traject_past_bij_soort",
                violation_error_message="Een trajectrapportage hoort bij een traject; de "
                "implementatiebrede rapportage niet.",
            ),
            models.UniqueConstraint(
                fields=["traject", "jaar"],
                condition=Q(soort="traject"),
                name="rapportage_traject_jaar_uniek",
                violation_error_message="Er is al een rapportage voor dit traject en dit jaar.",
            ),
            models.UniqueConstraint(
                fields=["jaar"],
                condition=Q(soort="implementatie"),
                name="rapportage_implementatie_jaar_uniek",
                violation_error_message="Er is al een implementatiebrede rapportage voor dit jaar.",
            ),
            models.CheckConstraint(
                condition=Q(jaar__gte=2000) & Q(jaar__lte=2100),
                name="rapportage_jaar_redelijk",
                violation_error_message="Vul een verslagjaar tussen 2000 en 2100 in.",
            ),
        ]

    def __str__(self):
        return self.titel
