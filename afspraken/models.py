import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from trajecten.models import Thema, Traject, bump_versie


def partij_ids_for(user) -> set[int]:
    """Ids of the user's parties, fetched once per user object (one query)."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_partij_ids"):
        user._partij_ids = set(Partij.objects.for_user(user).values_list("pk", flat=True))
    return user._partij_ids


class PartijQuerySet(models.QuerySet):
    def for_user(self, user):
        """The parties the user is a member of."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(lidmaatschappen__user=user)


class Partij(models.Model):
    class Soort(models.TextChoices):
        WETENSCHAPPELIJKE_VERENIGING = (
            "wetenschappelijke_vereniging",
            "Wetenschappelijke vereniging",
        )
        BEROEPSVERENIGING = "beroepsvereniging", "Beroepsvereniging"
        PATIENTENORGANISATIE = "patientenorganisatie", "Patiëntenorganisatie"
        ZORGVERZEKERAARS = "zorgverzekeraars", "Zorgverzekeraars"
        KOEPEL = "koepel", "Koepel"
        KENNISINSTITUUT = "kennisinstituut", "Kennisinstituut"
        OVERHEID = "overheid", "Overheid"

    naam = models.CharField("naam", max_length=200, unique=True)
    afkorting = models.CharField("afkorting", max_length=40, unique=True)
    soort = models.CharField("soort", max_length=40, choices=Soort)
    leden = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Lidmaatschap",
        related_name="partijen",
        verbose_name="leden",
        blank=True,
    )
    created_at = models.DateTimeField("aangemaakt op", auto_now_add=True)
    updated_at = models.DateTimeField("gewijzigd op", auto_now=True)

    objects = PartijQuerySet.as_manager()
    history = HistoricalRecords(
        verbose_name="wijziging in partij", verbose_name_plural="wijzigingen in partijen"
    )

    class Meta:
        verbose_name = "partij"
        verbose_name_plural = "partijen"
        ordering = ["afkorting"]

    def __str__(self):
        return self.afkorting


class Lidmaatschap(models.Model):
    """A user speaks for a party: may report progress on that party's agreements."""

    partij = models.ForeignKey(
        Partij, on_delete=models.CASCADE, related_name="lidmaatschappen", verbose_name="partij"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lidmaatschappen",
        verbose_name="gebruiker",
    )
    created_at = models.DateTimeField("aangemaakt op", auto_now_add=True)

    history = HistoricalRecords(
        verbose_name="wijziging in lidmaatschap",
        verbose_name_plural="wijzigingen in lidmaatschappen",
    )

    class Meta:
        verbose_name = "lidmaatschap"
        verbose_name_plural = "lidmaatschappen"
        ordering = ["partij", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["partij", "user"],
                name="lidmaatschap_uniek",
                violation_error_message="Deze gebruiker is al lid van deze partij.",
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.partij}"


class Status(models.TextChoices):
    """Status of an agreement, as reported in a progress update."""

    NIET_GESTART = "niet_gestart", "Nog niet gestart"
    OP_SCHEMA = "op_schema", "Loopt volgens planning"
    VERTRAAGD = "vertraagd", "Loopt met vertraging"
    AFGEROND = "afgerond", "Afgerond"
    GESTOPT = "gestopt", "Gestopt"
    OVERGEDRAGEN = "overgedragen", "Overgedragen"


class VerbeterafspraakQuerySet(models.QuerySet):
    def for_user(self, user):
        """Agreements the user sees: all for staff, else those of the user's parties."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.involving(Partij.objects.for_user(user))

    def involving(self, partijen, *, rol: str = ""):
        """Agreements in which one of the parties is regiehouder or betrokken (or `rol` only).

        Subqueries rather than a join, so no agreement comes twice and counts stay right.
        """
        as_regiehouder = Q(regiehouder__in=partijen)
        as_betrokken = Q(
            pk__in=Verbeterafspraak.betrokken_partijen.through.objects.filter(
                partij__in=partijen
            ).values("verbeterafspraak")
        )
        if rol == "regiehouder":
            return self.filter(as_regiehouder)
        if rol == "betrokken":
            return self.filter(as_betrokken).exclude(as_regiehouder)
        return self.filter(as_regiehouder | as_betrokken)

    def with_status_op(self, on: datetime.date | None = None):
        """Annotate `status_code` and `status_peildatum`: the newest update on or before `on`."""
        on = on or timezone.localdate()
        latest = Voortgangsupdate.objects.filter(
            verbeterafspraak=OuterRef("pk"), peildatum__lte=on
        ).order_by("-peildatum", "-created_at", "-pk")
        return self.annotate(
            status_code=Subquery(latest.values("status")[:1]),
            status_peildatum=Subquery(latest.values("peildatum")[:1]),
        )

    def with_details(self):
        return self.select_related("traject", "thema", "regiehouder").prefetch_related(
            "betrokken_partijen"
        )

    def with_timeline(self):
        """`with_details()` plus every update with its party and author, for `update_op()`."""
        return self.with_details().prefetch_related(
            models.Prefetch(
                "voortgangsupdates",
                queryset=Voortgangsupdate.objects.select_related("partij", "auteur"),
            )
        )


class Verbeterafspraak(models.Model):
    traject = models.ForeignKey(
        Traject,
        on_delete=models.PROTECT,
        related_name="verbeterafspraken",
        verbose_name="traject",
    )
    thema = models.ForeignKey(
        Thema, on_delete=models.PROTECT, related_name="verbeterafspraken", verbose_name="thema"
    )
    nummer = models.PositiveSmallIntegerField("nummer")
    titel = models.CharField(
        "titel",
        max_length=300,
        help_text="Gebiedende wijs, bijvoorbeeld ‘Voorkom onnodige verwijzing’.",
    )
    omschrijving = models.TextField("omschrijving", blank=True)
    regiehouder = models.ForeignKey(
        Partij,
        on_delete=models.PROTECT,
        related_name="regieafspraken",
        verbose_name="regiehouder",
        help_text="De partij die de regie heeft over deze afspraak.",
    )
    betrokken_partijen = models.ManyToManyField(
        Partij,
        related_name="betrokken_afspraken",
        verbose_name="betrokken partijen",
        blank=True,
        help_text="Andere partijen die aan deze afspraak werken.",
    )
    streefjaar = models.PositiveSmallIntegerField("streefjaar")
    streefwaarde = models.CharField("streefwaarde", max_length=200, blank=True)
    bron = models.CharField(
        "herkomst",
        max_length=300,
        blank=True,
        help_text="Paragraaf in het verbetersignalement waar de afspraak vandaan komt.",
    )
    bron_url = models.URLField("link naar de herkomst", blank=True)
    versie = models.PositiveIntegerField(
        "versie",
        default=1,
        help_text="Telt bij elke wijziging op, zodat twee beheerders elkaars wijziging niet "
        "ongemerkt overschrijven.",
    )
    created_at = models.DateTimeField("aangemaakt op", auto_now_add=True)
    updated_at = models.DateTimeField("gewijzigd op", auto_now=True)

    objects = VerbeterafspraakQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[betrokken_partijen],
        verbose_name="wijziging in verbeterafspraak",
        verbose_name_plural="wijzigingen in verbeterafspraken",
    )

    class Meta:
        verbose_name = "verbeterafspraak"
        verbose_name_plural = "verbeterafspraken"
        ordering = ["traject__naam", "nummer"]
        constraints = [
            models.UniqueConstraint(
                fields=["traject", "nummer"],
                name="verbeterafspraak_nummer_uniek_per_traject",
                violation_error_message="Dit traject heeft al een verbeterafspraak met dit nummer.",
            ),
            models.CheckConstraint(
                condition=Q(streefjaar__gte=2000) & Q(streefjaar__lte=2100),
                name="verbeterafspraak_streefjaar_redelijk",
                violation_error_message="Vul een streefjaar tussen 2000 en 2100 in.",
            ),
        ]

    def __str__(self):
        return f"{self.nummer}. {self.titel}"

    def save(self, *args, **kwargs):
        bump_versie(self, kwargs)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("afspraken:detail", kwargs={"pk": self.pk})

    def clean(self):
        super().clean()
        if self.thema_id and self.traject_id and self.thema.traject_id != self.traject_id:
            raise ValidationError(
                {"thema": "Kies een thema van hetzelfde traject als de verbeterafspraak."}
            )

    def partijen(self) -> list[Partij]:
        """Regiehouder first, then the other involved parties (uses prefetched parties)."""
        others = [p for p in self.betrokken_partijen.all() if p.pk != self.regiehouder_id]
        return [self.regiehouder, *sorted(others, key=lambda p: p.afkorting)]

    def partijen_for(self, user) -> list[Partij]:
        """The involved parties the user is a member of (uses prefetched parties)."""
        ids = partij_ids_for(user)
        return [p for p in self.partijen() if p.pk in ids]

    def rol_for(self, partij_ids: set[int]) -> str:
        """'regiehouder', 'betrokken' or '' for the first of the parties that takes part."""
        if self.regiehouder_id in partij_ids:
            return "regiehouder"
        if any(p.pk in partij_ids for p in self.betrokken_partijen.all()):
            return "betrokken"
        return ""

    def timeline(self) -> list["Voortgangsupdate"]:
        """Updates newest first, each with `previous_status`: the status it replaced."""
        updates = sorted(self.voortgangsupdates.all(), key=Voortgangsupdate.timeline_key)
        previous = ""
        for update in updates:
            update.previous_status = previous
            previous = update.status
        return updates[::-1]

    def update_op(self, on: datetime.date | None = None) -> "Voortgangsupdate | None":
        """The newest update on or before the date; uses prefetched updates when present."""
        on = on or timezone.localdate()
        candidates = [u for u in self.voortgangsupdates.all() if u.peildatum <= on]
        if not candidates:
            return None
        return max(candidates, key=Voortgangsupdate.timeline_key)

    def status_op(self, on: datetime.date | None = None) -> str:
        """Status code at the date, or '' when nothing has been reported yet."""
        update = self.update_op(on)
        return update.status if update else ""


class Voortgangsupdate(models.Model):
    """A progress report on an agreement. Never edited: a correction is a new update."""

    Status = Status

    verbeterafspraak = models.ForeignKey(
        Verbeterafspraak,
        on_delete=models.CASCADE,
        related_name="voortgangsupdates",
        verbose_name="verbeterafspraak",
    )
    peildatum = models.DateField("peildatum", default=timezone.localdate)
    status = models.CharField("status", max_length=20, choices=Status)
    tekst = models.TextField("voortgang")
    toelichting = models.TextField(
        "toelichting",
        blank=True,
        help_text="Verplicht bij ‘loopt met vertraging’ en ‘gestopt’: waarom?",
    )
    verwachte_datum = models.DateField(
        "nieuwe verwachte datum",
        null=True,
        blank=True,
        help_text="Verplicht bij ‘loopt met vertraging’: wanneer is de afspraak nu naar "
        "verwachting gerealiseerd?",
    )
    partij = models.ForeignKey(
        Partij,
        on_delete=models.PROTECT,
        related_name="voortgangsupdates",
        verbose_name="namens partij",
        null=True,
        blank=True,
    )
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="voortgangsupdates",
        verbose_name="auteur",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField("vastgelegd op", auto_now_add=True)

    history = HistoricalRecords(
        verbose_name="wijziging in voortgangsupdate",
        verbose_name_plural="wijzigingen in voortgangsupdates",
    )

    class Meta:
        verbose_name = "voortgangsupdate"
        verbose_name_plural = "voortgangsupdates"
        ordering = ["-peildatum", "-created_at", "-pk"]
        indexes = [models.Index(fields=["verbeterafspraak", "peildatum"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=[Status.VERTRAAGD, Status.GESTOPT]) | ~Q(toelichting=""),
                name="voortgangsupdate_toelichting_bij_vertraging_of_stop",
                violation_error_message="Licht toe waarom de afspraak vertraagd of gestopt is.",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.VERTRAAGD) | Q(verwachte_datum__isnull=False),
                name="voortgangsupdate_verwachte_datum_bij_vertraging",
                violation_error_message="Geef bij een vertraging de nieuwe verwachte datum op.",
            ),
        ]

    def __str__(self):
        return f"{self.verbeterafspraak} – {self.get_status_display()} ({self.peildatum:%d-%m-%Y})"

    @staticmethod
    def timeline_key(update: "Voortgangsupdate"):
        return (update.peildatum, update.created_at, update.pk or 0)
