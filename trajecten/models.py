import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.core.versie import bump_versie

# The longest description, in characters. Django checks `max_length` of a TextField only in
# forms, so the field has a validator too, which `full_clean()` runs.
OMSCHRIJVING_MAX_LENGTH = 5_000


class TrajectQuerySet(models.QuerySet):
    def with_huidige_fase(self, on: datetime.date | None = None):
        """Annotate `huidige_fase_code`: the phase whose period contains the date."""
        on = on or timezone.localdate()
        periods = Faseperiode.objects.filter(traject=OuterRef("pk")).containing(on)
        return self.annotate(huidige_fase_code=Subquery(periods.values("fase")[:1]))

    def in_fase(self, fase: str, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.filter(
            pk__in=Faseperiode.objects.filter(fase=fase).containing(on).values("traject")
        )

    def with_details(self):
        return self.prefetch_related("faseperiodes", "themas")


class Traject(models.Model):
    class Afsluiting(models.TextChoices):
        AFGEROND = "afgerond", "Afgerond"
        OVERGEDRAGEN = "overgedragen", "Afgerond en overgedragen"

    naam = models.CharField("naam", max_length=200, unique=True)
    slug = models.SlugField("slug", max_length=200, unique=True)
    domein = models.CharField(
        "domein", max_length=100, help_text="Bijvoorbeeld ‘Hart, vaat en long’."
    )
    icd10_codes = models.CharField(
        "ICD-10-codes", max_length=200, blank=True, help_text="Bijvoorbeeld ‘I80.2, I26’."
    )
    omschrijving = models.TextField(
        "korte omschrijving",
        blank=True,
        max_length=OMSCHRIJVING_MAX_LENGTH,
        validators=[MaxLengthValidator(OMSCHRIJVING_MAX_LENGTH)],
    )
    signalementdatum = models.DateField(
        "datum verbetersignalement",
        null=True,
        blank=True,
        help_text="Datum waarop het verbetersignalement is vastgesteld; "
        "hiermee begint de implementatiefase.",
    )
    publicatie_url = models.URLField("link naar de publicatie", blank=True)
    afsluiting = models.CharField(
        "afsluiting",
        max_length=20,
        choices=Afsluiting,
        blank=True,
        help_text="Vul dit in als het traject is afgerond.",
    )
    overgedragen_aan = models.CharField(
        "overgedragen aan",
        max_length=200,
        blank=True,
        help_text="Programma dat het traject heeft overgenomen, "
        "bijvoorbeeld ‘Zorgevaluatie en Gepast Gebruik’.",
    )
    bevroren_tot = models.DateField(
        "voortgang vastgelegd tot en met",
        null=True,
        blank=True,
        editable=False,
        help_text="Wordt gezet bij het publiceren van een rapportage over dit traject. "
        "Voortgang met een peildatum op of vóór deze datum kan niet meer worden toegevoegd, "
        "zodat een gepubliceerde rapportage klopt met de tijdlijn.",
    )
    versie = models.PositiveIntegerField(
        "versie",
        default=1,
        help_text="Telt bij elke wijziging op, zodat twee beheerders elkaars wijziging niet "
        "ongemerkt overschrijven.",
    )
    created_at = models.DateTimeField("aangemaakt op", auto_now_add=True)
    updated_at = models.DateTimeField("gewijzigd op", auto_now=True)

    objects = TrajectQuerySet.as_manager()
    history = HistoricalRecords(
        verbose_name="wijziging in traject", verbose_name_plural="wijzigingen in trajecten"
    )

    class Meta:
        verbose_name = "traject"
        verbose_name_plural = "trajecten"
        ordering = ["naam"]
        constraints = [
            models.CheckConstraint(
                condition=Q(overgedragen_aan="") | Q(afsluiting="overgedragen"),
                name="traject_overgedragen_aan_alleen_bij_overdracht",
                violation_error_message="Vul ‘overgedragen aan’ alleen in bij een overgedragen "
                "traject.",
            ),
        ]

    def __str__(self):
        return self.naam

    def save(self, *args, **kwargs):
        bump_versie(self, kwargs)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("trajecten:detail", kwargs={"slug": self.slug})

    @property
    def is_afgerond(self) -> bool:
        return bool(self.afsluiting)

    def is_bevroren_op(self, on: datetime.date) -> bool:
        """Whether progress dated `on` falls under a published report of this trajectory."""
        return self.bevroren_tot is not None and on <= self.bevroren_tot

    def bevries_tot(self, peildatum: datetime.date) -> None:
        """Freeze progress up to the date: a report showing the trajectory at it is published.

        Whoever publishes decides; this trajectory only records the date, so that every way of
        adding progress can check it. The date only moves forward. Saving raises `versie`, so
        an editor who had the trajectory open cannot write the old date back.
        """
        if self.bevroren_tot is None or self.bevroren_tot < peildatum:
            self.bevroren_tot = peildatum
            self.save(update_fields=["bevroren_tot", "updated_at"])

    def faseperiode_op(self, on: datetime.date | None = None) -> "Faseperiode | None":
        """The period containing the date; uses prefetched periods when present."""
        on = on or timezone.localdate()
        for periode in self.faseperiodes.all():
            if periode.contains(on):
                return periode
        return None

    def fase_steps(self, on: datetime.date | None = None) -> list[dict]:
        """The four phases in order, each marked 'afgerond', 'huidig' or 'komend' at the date.

        A closed trajectory has every phase behind it. Uses prefetched periods when present.
        """
        on = on or timezone.localdate()
        periodes = {periode.fase: periode for periode in self.faseperiodes.all()}
        current = self.huidige_fase(on)
        steps = []
        for fase in Faseperiode.Fase:
            periode = periodes.get(fase.value)
            if self.is_afgerond or (periode and periode.einddatum and periode.einddatum <= on):
                state = "afgerond"
            elif periode and periode.contains(on):
                state = "huidig"
            elif current and Faseperiode.VOLGORDE[fase] < Faseperiode.VOLGORDE[current]:
                state = "afgerond"  # an earlier phase that was never recorded
            else:
                state = "komend"
            steps.append(
                {"code": fase.value, "label": fase.label, "state": state, "periode": periode}
            )
        return steps

    def huidige_fase(self, on: datetime.date | None = None) -> str:
        """Phase code at the date, or '' when none applies (not started, or closed)."""
        periode = self.faseperiode_op(on)
        return periode.fase if periode else ""


class FaseperiodeQuerySet(models.QuerySet):
    def containing(self, on: datetime.date):
        return self.filter(Q(einddatum__isnull=True) | Q(einddatum__gt=on), startdatum__lte=on)

    def overlapping(self, startdatum: datetime.date, einddatum: datetime.date | None):
        qs = self.filter(Q(einddatum__isnull=True) | Q(einddatum__gt=startdatum))
        if einddatum is not None:
            qs = qs.filter(startdatum__lt=einddatum)
        return qs


class Faseperiode(models.Model):
    """One phase of a trajectory as a period [startdatum, einddatum).

    The end date is exclusive, so the next phase may start on the day the previous one ends
    (the verbetersignalement closes the verdiepingsfase and opens the implementatiefase on
    the same day). An open end date means the phase is still running.
    """

    class Fase(models.TextChoices):
        SCREENING = "screening", "Screeningsfase"
        VERDIEPING = "verdieping", "Verdiepingsfase"
        IMPLEMENTATIE = "implementatie", "Implementatiefase"
        EVALUATIE = "evaluatie", "Evaluatiefase"

    VOLGORDE = {fase: index for index, fase in enumerate(Fase.values)}

    traject = models.ForeignKey(
        Traject, on_delete=models.CASCADE, related_name="faseperiodes", verbose_name="traject"
    )
    fase = models.CharField("fase", max_length=20, choices=Fase)
    startdatum = models.DateField("startdatum")
    einddatum = models.DateField(
        "einddatum", null=True, blank=True, help_text="Leeg laten zolang de fase loopt."
    )

    objects = FaseperiodeQuerySet.as_manager()
    history = HistoricalRecords(
        verbose_name="wijziging in faseperiode", verbose_name_plural="wijzigingen in faseperiodes"
    )

    class Meta:
        verbose_name = "faseperiode"
        verbose_name_plural = "faseperiodes"
        ordering = ["traject", "startdatum"]
        constraints = [
            models.UniqueConstraint(
                fields=["traject", "fase"],
                name="faseperiode_fase_eenmaal_per_traject",
                violation_error_message="Elke fase komt maar één keer voor in een traject.",
            ),
            models.CheckConstraint(
                condition=Q(einddatum__isnull=True) | Q(einddatum__gt=F("startdatum")),
                name="faseperiode_einde_na_start",
                violation_error_message="De einddatum van een fase moet na de startdatum liggen.",
            ),
        ]

    def __str__(self):
        return f"{self.get_fase_display()} ({self.periode_display()})"

    def periode_display(self) -> str:
        start = self.startdatum.strftime("%d-%m-%Y")
        if self.einddatum is None:
            return f"sinds {start}"
        return f"{start} tot {self.einddatum.strftime('%d-%m-%Y')}"

    @property
    def volgorde(self) -> int:
        return self.VOLGORDE[self.fase]

    def contains(self, on: datetime.date) -> bool:
        return self.startdatum <= on and (self.einddatum is None or on < self.einddatum)

    def clean(self):
        super().clean()
        if not (self.traject_id and self.fase and self.startdatum):
            return
        if self.einddatum is not None and self.einddatum <= self.startdatum:
            return  # reported by the check constraint
        if getattr(self, "skip_sequence_check", False):
            return  # the admin inline checks all periods of the trajectory together
        others = Faseperiode.objects.filter(traject_id=self.traject_id).exclude(pk=self.pk)
        check_sequence([*others, self], changed=self)


def check_sequence(periodes: list[Faseperiode], *, changed: Faseperiode | None = None) -> None:
    """Raise a ValidationError when periods overlap or go back in phase order.

    Used by Faseperiode.clean() for a single row and by the admin inline for the whole set,
    since an inline validates its rows before any of them is saved.
    """
    ordered = sorted(periodes, key=lambda p: p.volgorde)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        overlaps = earlier.einddatum is None or earlier.einddatum > later.startdatum
        if overlaps and (changed is None or changed in (earlier, later)):
            raise ValidationError(
                f"De {later.get_fase_display().lower()} begint op "
                f"{later.startdatum:%d-%m-%Y}, maar de "
                f"{earlier.get_fase_display().lower()} loopt dan nog"
                + (
                    " (geen einddatum)."
                    if earlier.einddatum is None
                    else f" (tot {earlier.einddatum:%d-%m-%Y})."
                )
                + " Fasen volgen elkaar op in de vaste volgorde en mogen niet overlappen."
            )


class Thema(models.Model):
    traject = models.ForeignKey(
        Traject, on_delete=models.CASCADE, related_name="themas", verbose_name="traject"
    )
    naam = models.CharField("naam", max_length=200)
    volgorde = models.PositiveSmallIntegerField("volgorde", default=0)

    history = HistoricalRecords(
        verbose_name="wijziging in thema", verbose_name_plural="wijzigingen in thema's"
    )

    class Meta:
        verbose_name = "thema"
        verbose_name_plural = "thema's"
        ordering = ["traject", "volgorde", "naam"]
        constraints = [
            models.UniqueConstraint(
                fields=["traject", "naam"],
                name="thema_naam_uniek_per_traject",
                violation_error_message="Dit traject heeft al een thema met deze naam.",
            ),
            # Lets an agreement's (thema, traject) pair be checked by a composite foreign key.
            models.UniqueConstraint(fields=["id", "traject"], name="thema_id_traject_uniek"),
        ]

    def __str__(self):
        return self.naam
