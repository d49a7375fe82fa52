"""A reporting round (*uitvraag*): Zorginstituut asks the parties for the state of their
agreements and the figures of their indicators, reviews what comes in and reminds who is late.

A round has a work item (`Werkitem`) per question to one party; the item points at the
progress update or measurement that answers it (both append-only: a revised answer is a new
one) and keeps its review state. `Beoordeling` is the exchange on an item, only ever added to:
each answer, acceptance and sending back, with its comment. `Herinnering` records who was
reminded on which day, so that a reminder goes out at most once a day per person.

*Hoor en wederhoor*: when the concept report is ready, staff set the round's `wederhoor_tot`;
until that day each party involved in an agreement says whether it agrees with the concept
text about it (`Reactie`, only ever added to: the newest per round, agreement and party
counts).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from afspraken.models import (
    Indicator,
    Meting,
    Partij,
    Verbeterafspraak,
    Voortgangsupdate,
    is_redacteur,
    partij_ids_for,
)
from portal.core.appendonly import AppendOnlyModel, AppendOnlyQuerySet
from trajecten.models import Traject

BERICHT_MAX_LENGTH = 2_000
OPMERKING_MAX_LENGTH = 2_000


class UitvraagQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Uitvraag.Status.OPEN)


class Uitvraag(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        GESLOTEN = "gesloten", "Gesloten"

    jaar = models.PositiveSmallIntegerField("jaar")
    peildatum = models.DateField(
        "peildatum", help_text="De datum waarop de gevraagde stand van zaken geldt."
    )
    deadline = models.DateField("deadline", help_text="Uiterlijk op deze dag antwoorden.")
    bericht = models.TextField(
        "bericht",
        blank=True,
        max_length=BERICHT_MAX_LENGTH,
        validators=[MaxLengthValidator(BERICHT_MAX_LENGTH)],
        help_text="Een korte toelichting voor de partijen; staat in de mail en boven hun "
        "werklijst.",
    )
    trajecten = models.ManyToManyField(Traject, related_name="uitvragen", verbose_name="trajecten")
    status = models.CharField("status", max_length=10, choices=Status, default=Status.OPEN)
    gesloten_op = models.DateTimeField("gesloten op", null=True, blank=True, editable=False)
    gesloten_bij = models.CharField(
        "gesloten bij",
        max_length=400,
        blank=True,
        editable=False,
        help_text="Wat de uitvraag sloot, als het een publicatie was: welke editie van welke "
        "rapportage.",
    )
    wederhoor_tot = models.DateField(
        "hoor en wederhoor tot en met",
        null=True,
        blank=True,
        help_text="Tot en met deze dag reageren de partijen op de concepttekst over hun "
        "afspraken. Leeg: nog niet geopend.",
    )
    geopend_door = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="geopend door",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField("geopend op", auto_now_add=True)
    updated_at = models.DateTimeField("gewijzigd op", auto_now=True)

    objects = UitvraagQuerySet.as_manager()

    class Meta:
        verbose_name = "uitvraag"
        verbose_name_plural = "uitvragen"
        ordering = ["-jaar"]
        constraints = [
            models.UniqueConstraint(
                fields=["jaar"],
                name="uitvraag_een_per_jaar",
                violation_error_message="Er is al een uitvraag voor dit jaar.",
            ),
            models.CheckConstraint(
                condition=Q(jaar__gte=2000) & Q(jaar__lte=2100),
                name="uitvraag_jaar_redelijk",
                violation_error_message="Vul een jaar tussen 2000 en 2100 in.",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("peildatum")),
                name="uitvraag_deadline_na_peildatum",
                violation_error_message="De deadline moet na de peildatum liggen.",
            ),
            models.CheckConstraint(
                condition=Q(wederhoor_tot__isnull=True)
                | Q(wederhoor_tot__gt=models.F("peildatum")),
                name="uitvraag_wederhoor_na_peildatum",
                violation_error_message="Hoor en wederhoor loopt tot een dag na de peildatum.",
            ),
        ]

    def __str__(self):
        return f"Uitvraag {self.jaar}"

    def get_absolute_url(self):
        return reverse("uitvragen:detail", kwargs={"pk": self.pk})

    def clean(self):
        # The constraint again, for a form without the peildatum (the admin shows it read-only,
        # and Django then leaves out the constraints that name it).
        super().clean()
        if self.peildatum and self.deadline and self.deadline <= self.peildatum:
            raise ValidationError({"deadline": "De deadline moet na de peildatum liggen."})

    @property
    def meetjaar(self) -> int:
        """The year whose figures the round asks for: the figures of a year are known in the
        spring after it, so a round in year N asks for those of N − 1."""
        return self.jaar - 1

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_verlopen(self, on: datetime.date | None = None) -> bool:
        return (on or timezone.localdate()) > self.deadline

    def is_wederhoor_open(self, on: datetime.date | None = None) -> bool:
        """Whether the parties may react to the concept text now: the round is open (closing
        it freezes the reactions) and the window runs to and including `wederhoor_tot`."""
        return (
            self.is_open
            and self.wederhoor_tot is not None
            and (on or timezone.localdate()) <= self.wederhoor_tot
        )


def indicator_expects_figure(indicator: Indicator, meetjaar: int) -> bool:
    """Whether a round asks for the indicator's figure of `meetjaar`: the one rule.

    From the year after the baseline (the baseline itself is known) up to and including the
    target year; an indicator without a target is followed every year. After its target year
    an indicator has had its say; the end evaluation looks back on it.
    """
    if meetjaar <= indicator.basisjaar:
        return False
    return indicator.streefjaar is None or meetjaar <= indicator.streefjaar


# What a party must still do: answer, or answer again after a sending back.
TE_DOEN = ["open", "teruggestuurd"]


class WerkitemQuerySet(models.QuerySet):
    def for_user(self, user):
        """The items a user may see: all for an editor, else those of the user's parties."""
        if not user.is_authenticated:
            return self.none()
        if is_redacteur(user):
            return self.all()
        return self.filter(partij__in=sorted(partij_ids_for(user)))

    def te_doen(self):
        return self.filter(status__in=TE_DOEN)

    def with_details(self):
        return self.select_related("uitvraag", "partij", "traject", "verbeterafspraak", "indicator")

    def tellingen(self) -> dict:
        """Aggregates: the number of items per review state, and in all (`totaal`)."""
        counts = {status: Count("pk", filter=Q(status=status)) for status in Werkitem.Status.values}
        counts["totaal"] = Count("pk")
        return counts


class Werkitem(models.Model):
    """One question of a round to one party: the progress of an agreement, or an indicator's
    figure for the round's `meetjaar`."""

    class Soort(models.TextChoices):
        VOORTGANG = "voortgang", "Voortgang"
        METING = "meting", "Cijfer"

    class Status(models.TextChoices):
        OPEN = "open", "Nog te beantwoorden"
        INGEDIEND = "ingediend", "Ingediend, wacht op beoordeling"
        GEACCEPTEERD = "geaccepteerd", "Geaccepteerd"
        TERUGGESTUURD = "teruggestuurd", "Teruggestuurd"

    uitvraag = models.ForeignKey(
        Uitvraag, on_delete=models.CASCADE, related_name="werkitems", verbose_name="uitvraag"
    )
    partij = models.ForeignKey(
        Partij, on_delete=models.PROTECT, related_name="werkitems", verbose_name="partij"
    )
    traject = models.ForeignKey(
        Traject, on_delete=models.PROTECT, related_name="werkitems", verbose_name="traject"
    )
    soort = models.CharField("soort", max_length=10, choices=Soort)
    verbeterafspraak = models.ForeignKey(
        Verbeterafspraak,
        on_delete=models.PROTECT,
        related_name="werkitems",
        verbose_name="verbeterafspraak",
        null=True,
        blank=True,
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        related_name="werkitems",
        verbose_name="indicator",
        null=True,
        blank=True,
    )
    jaar = models.PositiveSmallIntegerField(
        "meetjaar", null=True, blank=True, help_text="Het jaar waarover een cijfer gevraagd is."
    )
    status = models.CharField("status", max_length=20, choices=Status, default=Status.OPEN)
    voortgangsupdate = models.ForeignKey(
        Voortgangsupdate,
        on_delete=models.PROTECT,
        related_name="werkitems",
        verbose_name="antwoord (voortgang)",
        null=True,
        blank=True,
    )
    meting = models.ForeignKey(
        Meting,
        on_delete=models.PROTECT,
        related_name="werkitems",
        verbose_name="antwoord (cijfer)",
        null=True,
        blank=True,
    )
    opmerking = models.TextField(
        "opmerking bij terugsturen",
        blank=True,
        max_length=OPMERKING_MAX_LENGTH,
        validators=[MaxLengthValidator(OPMERKING_MAX_LENGTH)],
    )
    created_at = models.DateTimeField("aangemaakt op", auto_now_add=True)
    updated_at = models.DateTimeField("gewijzigd op", auto_now=True)

    objects = WerkitemQuerySet.as_manager()

    class Meta:
        verbose_name = "werkitem"
        verbose_name_plural = "werkitems"
        ordering = ["traject__naam", "verbeterafspraak__nummer", "soort", "indicator__naam", "pk"]
        indexes = [models.Index(fields=["uitvraag", "partij", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["uitvraag", "verbeterafspraak", "partij"],
                condition=Q(soort="voortgang"),
                name="werkitem_voortgang_uniek",
                violation_error_message="Deze uitvraag vraagt deze partij al naar de voortgang "
                "van deze afspraak.",
            ),
            models.UniqueConstraint(
                fields=["uitvraag", "indicator"],
                condition=Q(soort="meting"),
                name="werkitem_meting_uniek",
                violation_error_message="Deze uitvraag vraagt al naar dit cijfer.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        soort="voortgang",
                        verbeterafspraak__isnull=False,
                        indicator__isnull=True,
                        jaar__isnull=True,
                        meting__isnull=True,
                    )
                    | Q(soort="meting", indicator__isnull=False, jaar__isnull=False)
                    & Q(voortgangsupdate__isnull=True)
                ),
                name="werkitem_soort_past_bij_vraag_en_antwoord",
                violation_error_message="Een werkitem vraagt naar voortgang van een afspraak of "
                "naar een cijfer van een indicator, en krijgt een antwoord van die soort.",
            ),
            models.CheckConstraint(
                condition=Q(status="open")
                | Q(voortgangsupdate__isnull=False)
                | Q(meting__isnull=False),
                name="werkitem_beantwoord_heeft_antwoord",
                violation_error_message="Een beantwoord werkitem heeft een antwoord.",
            ),
            models.CheckConstraint(
                condition=~Q(status="teruggestuurd") | ~Q(opmerking=""),
                name="werkitem_teruggestuurd_met_opmerking",
                violation_error_message="Zeg bij het terugsturen wat er beter moet.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "ingediend", "geaccepteerd", "teruggestuurd"]),
                name="werkitem_status_bekend",
                violation_error_message="Onbekende status.",
            ),
        ]

    def __str__(self):
        return f"{self.uitvraag}: {self.vraag} ({self.partij})"

    def get_absolute_url(self):
        return reverse("uitvragen:werkitem", kwargs={"pk": self.pk})

    @property
    def vraag(self) -> str:
        if self.soort == self.Soort.METING:
            return f"Cijfer {self.jaar}: {self.indicator.naam}"
        afspraak = self.verbeterafspraak
        return f"Voortgang afspraak {afspraak.nummer}. {afspraak.titel}"

    @property
    def is_te_doen(self) -> bool:
        return self.status in TE_DOEN

    @property
    def antwoord(self):
        return self.voortgangsupdate or self.meting


class BeoordelingQuerySet(AppendOnlyQuerySet):
    pass


class Beoordeling(AppendOnlyModel):
    """A step in the exchange on a work item: an answer, an acceptance or a sending back.
    Never edited or deleted, so the history shows the whole exchange."""

    FINAL = "Een stap in de uitwisseling wordt nooit gewijzigd of verwijderd."

    class Actie(models.TextChoices):
        BEANTWOORD = "beantwoord", "Beantwoord"
        GEACCEPTEERD = "geaccepteerd", "Geaccepteerd"
        TERUGGESTUURD = "teruggestuurd", "Teruggestuurd"

    werkitem = models.ForeignKey(
        Werkitem, on_delete=models.CASCADE, related_name="beoordelingen", verbose_name="werkitem"
    )
    actie = models.CharField("actie", max_length=20, choices=Actie)
    opmerking = models.TextField(
        "opmerking",
        blank=True,
        max_length=OPMERKING_MAX_LENGTH,
        validators=[MaxLengthValidator(OPMERKING_MAX_LENGTH)],
    )
    voortgangsupdate = models.ForeignKey(
        Voortgangsupdate,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="voortgangsupdate",
        null=True,
        blank=True,
    )
    meting = models.ForeignKey(
        Meting,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="meting",
        null=True,
        blank=True,
    )
    door = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="door",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField("op", auto_now_add=True)

    objects = BeoordelingQuerySet.as_manager()

    class Meta:
        verbose_name = "stap in de beoordeling"
        verbose_name_plural = "stappen in de beoordeling"
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(actie="teruggestuurd") | ~Q(opmerking=""),
                name="beoordeling_terugsturen_met_opmerking",
                violation_error_message="Zeg bij het terugsturen wat er beter moet.",
            ),
        ]

    def __str__(self):
        return f"{self.werkitem}: {self.get_actie_display()}"


def without_unaccepted_answers(queryset):
    """The updates or measurements of `queryset` that count in a report.

    An update or measurement given as the answer to a round's item counts only once it is
    that item's accepted answer: one waiting for review, sent back, or replaced by a revised
    answer does not, and a report shows what was reported before it. What was reported
    outside any round counts as always. Two subqueries, whatever the number of rows.
    """
    veld = {Voortgangsupdate: "voortgangsupdate", Meting: "meting"}[queryset.model]
    heeft_antwoord = {f"{veld}__isnull": False}
    gegeven = Beoordeling.objects.filter(actie=Beoordeling.Actie.BEANTWOORD, **heeft_antwoord)
    geaccepteerd = Werkitem.objects.filter(status=Werkitem.Status.GEACCEPTEERD, **heeft_antwoord)
    return queryset.exclude(Q(pk__in=gegeven.values(veld)) & ~Q(pk__in=geaccepteerd.values(veld)))


class Herinnering(models.Model):
    """A reminder mailed to a person on a day: at most one a day per person, whatever the
    trigger and however often it runs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="herinneringen",
        verbose_name="ontvanger",
    )
    datum = models.DateField("datum")
    uitvraag = models.ForeignKey(
        Uitvraag,
        on_delete=models.CASCADE,
        related_name="herinneringen",
        verbose_name="uitvraag",
    )
    handmatig_door = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="met de hand verstuurd door",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField("aangemaakt op", auto_now_add=True)

    class Meta:
        verbose_name = "herinnering"
        verbose_name_plural = "herinneringen"
        ordering = ["-datum", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "datum"],
                name="herinnering_een_per_dag_per_persoon",
                violation_error_message="Deze persoon heeft vandaag al een herinnering gehad.",
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.datum:%d-%m-%Y}"


class ReactieQuerySet(AppendOnlyQuerySet):
    def for_user(self, user):
        """The reactions a user may see: all for an editor, else those of the user's parties."""
        if not user.is_authenticated:
            return self.none()
        if is_redacteur(user):
            return self.all()
        return self.filter(partij__in=sorted(partij_ids_for(user)))

    def newest(self):
        """Only the reaction that counts: the newest of each party on each agreement in each
        round (the highest pk: they are only ever added)."""
        later = Reactie.objects.filter(
            uitvraag=models.OuterRef("uitvraag"),
            verbeterafspraak=models.OuterRef("verbeterafspraak"),
            partij=models.OuterRef("partij"),
            pk__gt=models.OuterRef("pk"),
        )
        return self.filter(~models.Exists(later))


class Reactie(AppendOnlyModel):
    """What a party says, in hoor en wederhoor, about the concept text on one of its
    agreements: akkoord, or an opmerking. Never edited or deleted: a party that changes its
    mind reacts again, and the newest reaction counts."""

    FINAL = "Een reactie wordt nooit gewijzigd of verwijderd; reageer opnieuw."

    class Soort(models.TextChoices):
        AKKOORD = "akkoord", "Akkoord"
        OPMERKING = "opmerking", "Opmerking"

    uitvraag = models.ForeignKey(
        Uitvraag, on_delete=models.CASCADE, related_name="reacties", verbose_name="uitvraag"
    )
    verbeterafspraak = models.ForeignKey(
        Verbeterafspraak,
        on_delete=models.PROTECT,
        related_name="reacties",
        verbose_name="verbeterafspraak",
    )
    partij = models.ForeignKey(
        Partij, on_delete=models.PROTECT, related_name="reacties", verbose_name="partij"
    )
    soort = models.CharField("reactie", max_length=10, choices=Soort)
    opmerking = models.TextField(
        "opmerking",
        blank=True,
        max_length=OPMERKING_MAX_LENGTH,
        validators=[MaxLengthValidator(OPMERKING_MAX_LENGTH)],
    )
    door = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="door",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField("op", auto_now_add=True)

    objects = ReactieQuerySet.as_manager()

    class Meta:
        verbose_name = "reactie op het concept"
        verbose_name_plural = "reacties op het concept"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["uitvraag", "verbeterafspraak", "partij"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(soort__in=["akkoord", "opmerking"]),
                name="reactie_soort_bekend",
                violation_error_message="Kies Akkoord of Opmerking.",
            ),
            models.CheckConstraint(
                condition=~Q(soort="opmerking") | ~Q(opmerking=""),
                name="reactie_opmerking_met_tekst",
                violation_error_message="Schrijf bij een opmerking wat er anders moet.",
            ),
            models.CheckConstraint(
                condition=~Q(soort="akkoord") | Q(opmerking=""),
                name="reactie_akkoord_zonder_tekst",
                violation_error_message="Bij akkoord hoort geen opmerking; kies Opmerking als u "
                "iets wilt meegeven.",
            ),
        ]

    def __str__(self):
        return f"{self.uitvraag}: {self.partij} over afspraak {self.verbeterafspraak_id}"
