import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from afspraken.models import Verbeterafspraak, status_label
from trajecten.models import Traject

# The longest staff texts of a report, in characters: several pages each. They are rendered
# whenever a report is built, so their length bounds that work. Django checks `max_length` of a
# TextField only in forms, so each field has a validator too, which `full_clean()` runs.
INLEIDING_MAX_LENGTH = 20_000
VERVOLG_MAX_LENGTH = 10_000
CONCLUSIES_MAX_LENGTH = 20_000
SAMENVATTING_MAX_LENGTH = 3_000


def may_see_concepts(user) -> bool:
    """Zorginstituut's editors see reports before they are published; nobody else does, staff
    with other work (the account administrators) included."""
    return user.is_authenticated and user.is_staff and user.has_perm("rapportages.view_rapportage")


class RapportageQuerySet(models.QuerySet):
    def for_user(self, user):
        """Reports the user may open: all for an editor, else those with a published edition."""
        if may_see_concepts(user):
            return self.all()
        return self.published()

    def published(self):
        """Reports with at least one published edition; the others are concepts."""
        return self.filter(pk__in=Editie.objects.values("rapportage"))

    def with_latest_editie(self):
        """Annotate `latest_editie_nummer` and `latest_published_at` (None when never published)."""
        latest = Editie.objects.filter(rapportage=OuterRef("pk")).order_by("-nummer")
        return self.annotate(
            latest_editie_nummer=Subquery(latest.values("nummer")[:1]),
            latest_published_at=Subquery(latest.values("published_at")[:1]),
        )


class Rapportage(models.Model):
    """A report: a trajectory's yearly progress report, the implementation-wide one of a year,
    or a trajectory's end evaluation over its whole course.

    The record holds the staff texts; the report itself is built from the agreements as they
    stood at the peildatum. Publishing freezes that build as an `Editie`.
    """

    class Soort(models.TextChoices):
        TRAJECT = "traject", "Voortgangsrapportage traject"
        IMPLEMENTATIE = "implementatie", "Voortgangsrapportage implementatiefase"
        EINDEVALUATIE = "eindevaluatie", "Eindevaluatie"

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
    samenvatting = models.TextField(
        "samenvatting in eenvoudige taal",
        blank=True,
        max_length=SAMENVATTING_MAX_LENGTH,
        validators=[MaxLengthValidator(SAMENVATTING_MAX_LENGTH)],
        help_text="Een korte samenvatting voor iedereen, op taalniveau B1: korte zinnen, "
        "gewone woorden. Staat bovenaan de rapportage, op de webpagina en in de PDF.",
    )
    inleiding = models.TextField(
        "inleiding",
        blank=True,
        max_length=INLEIDING_MAX_LENGTH,
        validators=[MaxLengthValidator(INLEIDING_MAX_LENGTH)],
    )
    vervolg = models.TextField(
        "vervolg",
        blank=True,
        max_length=VERVOLG_MAX_LENGTH,
        validators=[MaxLengthValidator(VERVOLG_MAX_LENGTH)],
        help_text="Slottekst: wat er nu gebeurt en wanneer de volgende rapportage verschijnt.",
    )
    conclusies = models.TextField(
        "conclusies",
        blank=True,
        max_length=CONCLUSIES_MAX_LENGTH,
        validators=[MaxLengthValidator(CONCLUSIES_MAX_LENGTH)],
        help_text="Alleen bij een eindevaluatie: zijn de doelen bereikt, en wat heeft het traject "
        "opgeleverd?",
    )
    brief_datum = models.DateField(
        "datum van de brief aan de minister",
        null=True,
        blank=True,
        help_text="De brief waarmee de rapportage naar de minister van VWS ging, als die er is.",
    )
    brief_kenmerk = models.CharField("kenmerk van de brief", max_length=100, blank=True)
    publicatiedatum = models.DateField(
        "publicatiedatum",
        null=True,
        blank=True,
        help_text="Alleen voor een rapportage die al eerder buiten het portaal is verschenen: "
        "de eerste editie krijgt deze datum. Niet in de toekomst, en na publiceren niet meer te "
        "wijzigen.",
    )
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

    objects = RapportageQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "rapportage"
        verbose_name_plural = "rapportages"
        ordering = ["-jaar", "soort", "traject__naam"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(soort__in=["traject", "eindevaluatie"]) & Q(traject__isnull=False))
                | (Q(soort="implementatie") & Q(traject__isnull=True)),
                name="rapportage_traject_past_bij_soort",
                violation_error_message="Een trajectrapportage en een eindevaluatie horen bij een "
                "traject; de implementatiebrede rapportage niet.",
            ),
            models.UniqueConstraint(
                fields=["traject"],
                condition=Q(soort="eindevaluatie"),
                name="rapportage_eindevaluatie_uniek",
                violation_error_message="Dit traject heeft al een eindevaluatie.",
            ),
            models.CheckConstraint(
                condition=Q(soort="eindevaluatie") | Q(conclusies=""),
                name="rapportage_conclusies_bij_eindevaluatie",
                violation_error_message="Conclusies horen bij een eindevaluatie; schrijf ze bij "
                "een voortgangsrapportage in de inleiding of het vervolg.",
            ),
            models.CheckConstraint(
                condition=(Q(brief_datum__isnull=True) & Q(brief_kenmerk=""))
                | (Q(brief_datum__isnull=False) & ~Q(brief_kenmerk="")),
                name="rapportage_brief_datum_en_kenmerk",
                violation_error_message="Vul bij de brief aan de minister zowel de datum als het "
                "kenmerk in, of geen van beide.",
            ),
            models.CheckConstraint(
                condition=Q(publicatiedatum__isnull=True)
                | Q(publicatiedatum__gte=models.F("peildatum")),
                name="rapportage_publicatie_na_peildatum",
                violation_error_message="De publicatiedatum ligt niet vóór de peildatum.",
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

    def get_absolute_url(self):
        return self._reverse("")

    def get_pdf_url(self):
        return self._reverse("_pdf")

    def clean(self):
        super().clean()
        if self.publicatiedatum and self.publicatiedatum > timezone.localdate():
            raise ValidationError(
                {"publicatiedatum": "De publicatiedatum ligt niet in de toekomst."}
            )
        if self.pk is not None:
            stored = Rapportage.objects.filter(pk=self.pk, edities__isnull=False).values_list(
                "publicatiedatum", flat=True
            )[:1]
            if stored and stored[0] != self.publicatiedatum:
                raise ValidationError(
                    {
                        "publicatiedatum": "Deze rapportage is al gepubliceerd; haar "
                        "publicatiedatum blijft zoals die was."
                    }
                )

    def _reverse(self, suffix: str, **kwargs) -> str:
        """The report's address; `suffix` picks the page, the PDF or an edition of either."""
        if self.soort == self.Soort.IMPLEMENTATIE:
            kwargs["jaar"] = self.jaar
            return reverse(f"rapportages:implementatie{suffix}", kwargs=kwargs)
        if self.soort == self.Soort.EINDEVALUATIE:
            return reverse(
                f"rapportages:eindevaluatie{suffix}", kwargs={"slug": self.traject.slug, **kwargs}
            )
        return reverse(
            f"rapportages:traject{suffix}",
            kwargs={"slug": self.traject.slug, "jaar": self.jaar, **kwargs},
        )

    def get_concept_url(self):
        return reverse("rapportages:concept", kwargs={"pk": self.pk})

    @property
    def is_implementatiebreed(self) -> bool:
        return self.soort == self.Soort.IMPLEMENTATIE

    @property
    def is_eindevaluatie(self) -> bool:
        return self.soort == self.Soort.EINDEVALUATIE

    def filename(self) -> str:
        """File name for the PDF download, without extension."""
        if self.is_eindevaluatie:
            return f"eindevaluatie-{self.traject.slug}"
        subject = "implementatie" if self.is_implementatiebreed else self.traject.slug
        return f"voortgangsrapportage-{subject}-{self.jaar}"


class EditieQuerySet(models.QuerySet):
    def for_links(self):
        """Editions with what a link to them and its text need (title, date, number, address),
        without their stored HTML and PDF: for lists, feeds and the sitemap."""
        return self.select_related("rapportage__traject").only(
            "nummer",
            "titel",
            "peildatum",
            "published_at",
            "rapportage__soort",
            "rapportage__jaar",
            "rapportage__titel",
            "rapportage__traject__slug",
            "rapportage__traject__naam",
        )


class Editie(models.Model):
    """A published edition: the exact HTML and PDF as they were published, never rebuilt.

    Kept in the database rather than on disk, since the app servers share no file system.
    """

    rapportage = models.ForeignKey(
        Rapportage, on_delete=models.PROTECT, related_name="edities", verbose_name="rapportage"
    )
    nummer = models.PositiveSmallIntegerField("editie")
    titel = models.CharField("titel", max_length=300)
    peildatum = models.DateField("peildatum")
    html = models.TextField("HTML")
    pdf = models.BinaryField("PDF")
    html_sha256 = models.CharField("SHA-256 van de HTML", max_length=64)
    pdf_sha256 = models.CharField("SHA-256 van de PDF", max_length=64)
    published_at = models.DateTimeField("gepubliceerd op", default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="gepubliceerd door",
    )

    objects = EditieQuerySet.as_manager()

    class Meta:
        verbose_name = "editie"
        verbose_name_plural = "edities"
        ordering = ["rapportage", "-nummer"]
        constraints = [
            models.UniqueConstraint(
                fields=["rapportage", "nummer"],
                name="editie_nummer_uniek_per_rapportage",
                violation_error_message="Deze rapportage heeft al een editie met dit nummer.",
            ),
            models.CheckConstraint(
                condition=Q(nummer__gte=1),
                name="editie_nummer_vanaf_een",
                violation_error_message="Edities worden genummerd vanaf 1.",
            ),
        ]

    def __str__(self):
        return f"{self.titel}, editie {self.nummer}"

    def get_absolute_url(self):
        return self.rapportage._reverse("_editie", nummer=self.nummer)

    def get_pdf_url(self):
        return self.rapportage._reverse("_editie_pdf", nummer=self.nummer)

    @staticmethod
    def checksum(content: bytes | str) -> str:
        if isinstance(content, str):
            content = content.encode("utf-8")
        return hashlib.sha256(content).hexdigest()

    def is_intact(self) -> bool:
        """Whether the stored bytes still match the checksums taken when publishing."""
        return self.checksum(self.html) == self.html_sha256 and (
            self.checksum(bytes(self.pdf)) == self.pdf_sha256
        )


class OpdrachtQuerySet(models.QuerySet):
    def actief(self):
        """Jobs still waiting or running."""
        return self.filter(status__in=Opdracht.ACTIEF)


class Opdracht(models.Model):
    """Background work on a report: publishing it, or making its concept PDF.

    The job is done by a worker (`rapportages/tasks.py`); this row is what the editors' pages
    show of it: its state, stage and pages while it runs, its result (the edition made, or the
    concept PDF for a limited time) or a Dutch error when it failed. `poging` counts the
    attempts: a job whose worker stopped (its `hartslag` went silent) is tried again, and a
    run of an earlier attempt changes nothing any more. A publishing job records its edition in
    the same transaction that stores it, so a second run finds it and publishes nothing twice.
    """

    # Its state and heartbeat change every few seconds while it runs, and no kept page shows
    # them; the edition it stores is watched (portal/core/datacache.py).
    data_version_unwatched = True

    class Soort(models.TextChoices):
        PUBLICEREN = "publiceren", "publiceren"
        CONCEPT_PDF = "concept_pdf", "concept-PDF maken"

    class Status(models.TextChoices):
        WACHTRIJ = "wachtrij", "in de wachtrij"
        BEZIG = "bezig", "bezig"
        KLAAR = "klaar", "klaar"
        MISLUKT = "mislukt", "mislukt"

    class Fase(models.TextChoices):
        WACHTRIJ = "wachtrij", "in de wachtrij"
        INHOUD = "inhoud", "inhoud opbouwen"
        OPMAAK = "opmaak", "pagina-opmaak"
        PDF = "pdf", "PDF samenstellen"
        OPSLAAN = "opslaan", "opslaan"
        KLAAR = "klaar", "klaar"

    ACTIEF = (Status.WACHTRIJ, Status.BEZIG)

    soort = models.CharField("soort", max_length=20, choices=Soort)
    rapportage = models.ForeignKey(
        Rapportage, on_delete=models.CASCADE, related_name="opdrachten", verbose_name="rapportage"
    )
    aangevraagd_door = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="aangevraagd door",
    )
    nummer = models.PositiveSmallIntegerField(
        "editienummer", null=True, blank=True, help_text="De editie die publiceren moet maken."
    )
    status = models.CharField("status", max_length=10, choices=Status, default=Status.WACHTRIJ)
    fase = models.CharField("fase", max_length=10, choices=Fase, default=Fase.WACHTRIJ)
    pagina = models.PositiveIntegerField("pagina's opgemaakt", null=True, blank=True)
    paginas = models.PositiveIntegerField("pagina's", null=True, blank=True)
    poging = models.PositiveSmallIntegerField("poging", default=1)
    taak_id = models.CharField("taak", max_length=64, blank=True)
    hartslag = models.DateTimeField("laatste teken van leven", null=True, blank=True)
    editie = models.OneToOneField(
        Editie,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opdracht",
        verbose_name="editie",
    )
    pdf = models.BinaryField("concept-PDF", null=True, blank=True)
    verloopt_op = models.DateTimeField("concept-PDF beschikbaar tot", null=True, blank=True)
    fout = models.CharField("foutmelding", max_length=500, blank=True)
    aangemaakt_op = models.DateTimeField("aangemaakt op", default=timezone.now)
    gestart_op = models.DateTimeField("gestart op", null=True, blank=True)
    klaar_op = models.DateTimeField("klaar op", null=True, blank=True)

    objects = OpdrachtQuerySet.as_manager()

    class Meta:
        verbose_name = "opdracht"
        verbose_name_plural = "opdrachten"
        ordering = ["-aangemaakt_op"]
        constraints = [
            models.UniqueConstraint(
                fields=["rapportage", "soort"],
                condition=Q(status__in=["wachtrij", "bezig"]),
                name="opdracht_een_actief_per_rapportage_en_soort",
                violation_error_message="Voor deze rapportage loopt al zo'n opdracht.",
            ),
            models.CheckConstraint(
                condition=Q(soort="concept_pdf") | Q(pdf__isnull=True),
                name="opdracht_pdf_alleen_bij_concept",
                violation_error_message="Alleen een concept-PDF wordt bij de opdracht bewaard.",
            ),
            models.CheckConstraint(
                condition=Q(soort="publiceren") | Q(editie__isnull=True),
                name="opdracht_editie_alleen_bij_publiceren",
                violation_error_message="Alleen publiceren maakt een editie.",
            ),
        ]
        indexes = [models.Index(fields=["status", "hartslag"], name="opdracht_status_hartslag")]

    def __str__(self):
        return f"{self.get_soort_display()}: {self.rapportage}"

    @property
    def is_actief(self) -> bool:
        return self.status in self.ACTIEF

    def voortgang(self) -> str:
        """The stage in words, with pages where known: "pagina-opmaak, 1.200 pagina's"."""
        if self.status == self.Status.WACHTRIJ:
            return "in de wachtrij"
        text = self.get_fase_display()
        if self.fase == self.Fase.OPMAAK and self.pagina:
            text += f", pagina {_dutch_number(self.pagina)}"
        elif self.fase in (self.Fase.PDF, self.Fase.OPSLAAN) and self.paginas:
            text += f", {_dutch_number(self.paginas)} pagina's"
        return text


def _dutch_number(number: int) -> str:
    return f"{number:,}".replace(",", ".")


class GepubliceerdeStandQuerySet(models.QuerySet):
    def nieuwste(self):
        """Per agreement only its newest published state: that of the edition with the latest
        peildatum covering it, and of the later published one on the same peildatum (a
        trajectory's report and the implementation-wide report of the same year)."""
        newest = self.model.objects.filter(verbeterafspraak=OuterRef("verbeterafspraak")).order_by(
            "-peildatum", "-published_at", "-pk"
        )
        return self.filter(pk=Subquery(newest.values("pk")[:1]))


class GepubliceerdeStand(models.Model):
    """An agreement as an edition published it: what anyone may see of it.

    Written with the edition, in the same transaction, from the very content the edition was
    built from, and never changed after: the public pages and the open data read the newest
    row of each agreement, so nothing a party enters after a report, and no concept, is public
    until the next report is published. Title, number and theme are kept as published too, so
    an editor's later change shows in public only with the next edition.
    """

    editie = models.ForeignKey(
        Editie, on_delete=models.PROTECT, related_name="standen", verbose_name="editie"
    )
    verbeterafspraak = models.ForeignKey(
        Verbeterafspraak,
        on_delete=models.PROTECT,
        related_name="gepubliceerde_standen",
        verbose_name="verbeterafspraak",
    )
    traject = models.ForeignKey(
        Traject, on_delete=models.PROTECT, related_name="+", verbose_name="traject"
    )
    peildatum = models.DateField("peildatum van de rapportage")
    published_at = models.DateTimeField("gepubliceerd op")
    nummer = models.PositiveIntegerField("nummer")
    titel = models.CharField("titel", max_length=300)
    thema = models.CharField("thema", max_length=200)
    regiehouder = models.CharField("regiehouder", max_length=50)
    partijen = models.CharField(
        "partijen", max_length=500, help_text="Afkortingen, regiehouder eerst."
    )
    status = models.CharField("status", max_length=20)
    status_peildatum = models.DateField("stand per", null=True, blank=True)
    # Copies of the update's HTML, sanitised when it was stored: written here, never typed.
    tekst_html = models.TextField("voortgang", blank=True, editable=False)
    toelichting_html = models.TextField("toelichting", blank=True, editable=False)
    verwachte_datum = models.DateField("verwacht gereed", null=True, blank=True)

    objects = GepubliceerdeStandQuerySet.as_manager()

    class Meta:
        verbose_name = "gepubliceerde stand"
        verbose_name_plural = "gepubliceerde standen"
        ordering = ["traject_id", "nummer"]
        constraints = [
            models.UniqueConstraint(
                fields=["editie", "verbeterafspraak"],
                name="stand_een_per_afspraak_per_editie",
                violation_error_message="Deze editie heeft al een stand van deze afspraak.",
            )
        ]
        indexes = [
            models.Index(
                fields=["verbeterafspraak", "-peildatum", "-published_at"],
                name="stand_nieuwste_per_afspraak",
            ),
            models.Index(fields=["traject", "nummer"], name="stand_per_traject"),
        ]

    def __str__(self):
        return f"{self.nummer}. {self.titel} ({self.editie})"

    def get_absolute_url(self):
        return reverse("afspraken:detail", kwargs={"pk": self.verbeterafspraak_id})

    @property
    def status_label(self) -> str:
        return status_label(self.status)
