import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords

from portal.core.appendonly import AppendOnlyModel, AppendOnlyQuerySet
from portal.core.versie import bump_versie
from trajecten.models import Thema, Traject

from .markup import render_markdown

# The longest texts, in characters. A text is shown on every page of its agreement and in the
# reports; without a limit one post can make all of those slow. Django checks `max_length` of
# a TextField only in forms, so each field has a validator too, which `full_clean()` runs.
OMSCHRIJVING_MAX_LENGTH = 5_000
TEKST_MAX_LENGTH = 20_000
TOELICHTING_MAX_LENGTH = 5_000


def is_redacteur(user) -> bool:
    """Zorginstituut staff who keep the agreements (the editors' role, by its right to change
    them): they see every agreement and may report on any, for a party or as Zorginstituut.
    Other staff, such as the account administrators, see what a member of their party would.
    """
    return (
        user.is_authenticated
        and user.is_staff
        and user.has_perm("afspraken.change_verbeterafspraak")
    )


def partij_ids_for(user) -> set[int]:
    """Ids of the user's parties, fetched once per user object (one query)."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_partij_ids"):
        memberships = Lidmaatschap.objects.filter(user=user).order_by()
        user._partij_ids = set(memberships.values_list("partij_id", flat=True))
    return user._partij_ids


class PartijQuerySet(models.QuerySet):
    def for_user(self, user):
        """The parties the user is a member of."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(lidmaatschappen__user=user)

    def of_afspraak(self, afspraak_id: int):
        """The agreement's regiehouder and betrokken partijen, each once."""
        return self.filter(
            Q(pk__in=Verbeterafspraak.objects.filter(pk=afspraak_id).values("regiehouder"))
            | Q(
                pk__in=Verbeterafspraak.betrokken_partijen.through.objects.filter(
                    verbeterafspraak=afspraak_id
                ).values("partij")
            )
        )


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


# A member without an e-mail address can never set a password: the reset page mails a link.
NO_EMAIL_MESSAGE = (
    "{user} heeft geen e-mailadres en kan dus geen wachtwoord instellen of opnieuw instellen. "
    "Laat eerst een e-mailadres invullen bij de gebruiker."
)


class LidmaatschapQuerySet(models.QuerySet):
    def without_email(self):
        """Memberships of users without an e-mail address: they cannot set a password."""
        return self.filter(user__email="")


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

    objects = LidmaatschapQuerySet.as_manager()
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

    def clean(self):
        super().clean()
        # A member sets a password through a link mailed to them, the first time and each time
        # after: without an address they could never log in, nor get the rounds' mail.
        if self.user_id and not self.user.email:
            raise ValidationError({"user": NO_EMAIL_MESSAGE.format(user=self.user)})


class Status(models.TextChoices):
    """Status of an agreement, as reported in a progress update."""

    NIET_GESTART = "niet_gestart", "Nog niet gestart"
    OP_SCHEMA = "op_schema", "Loopt volgens planning"
    VERTRAAGD = "vertraagd", "Loopt met vertraging"
    AFGEROND = "afgerond", "Afgerond"
    GESTOPT = "gestopt", "Gestopt"
    OVERGEDRAGEN = "overgedragen", "Overgedragen"


# An agreement on which nothing has been reported yet has no status. It is not a status a party
# can report, so it is not among the choices above, but pages, filters, counts, admin and reports
# all show it, under this code and this label.
NO_STATUS = "geen"
NO_STATUS_LABEL = "Nog geen voortgang gemeld"
STATUS_LABELS = {**dict(Status.choices), NO_STATUS: NO_STATUS_LABEL}
# Every status an agreement can be in, in the order a reader expects, for filters and tables.
STATUS_CHOICES = [*Status.choices, (NO_STATUS, NO_STATUS_LABEL)]


# A delay or a stop must be explained.
NEEDS_TOELICHTING = [Status.VERTRAAGD, Status.GESTOPT]
# How far after its peildatum a delay may expect the agreement done: no agreement runs longer,
# and a date in the year 9999 is a typing error, not a plan.
MAX_DELAY_YEARS = 25


def status_label(code: str) -> str:
    return STATUS_LABELS.get(code or NO_STATUS, NO_STATUS_LABEL)


# The order of a timeline, newest first: the newest peildatum, and of two on one day the one
# recorded last. The first update on or before a date sets the agreement's status at that date.
NEWEST_FIRST = ["-peildatum", "-created_at", "-pk"]


class VerbeterafspraakQuerySet(models.QuerySet):
    def for_user(self, user):
        """Agreements the user sees: all for an editor, else those of the user's parties."""
        if not user.is_authenticated:
            return self.none()
        if is_redacteur(user):
            return self.all()
        # The ids themselves rather than a subquery: the planner then knows how few rows match.
        return self.involving(sorted(partij_ids_for(user)))

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

    def with_status_op(self, on=None, *, prefix: str = "status", updates=None):
        """The status at a date: the only place it is worked out, for pages, admin and reports.

        Annotates `status_code` (NO_STATUS when nothing was reported on or before the date),
        `status_update_id` (the update that set it, or None) and `status_peildatum`. `on` is a
        date (default today) or an expression such as `OuterRef(...)`, and `prefix` renames the
        annotations, so that one query can hold the status at two dates. `updates`, a queryset
        of updates, limits those that count (a report leaves out answers not yet accepted).
        """
        on = on or timezone.localdate()
        updates = Voortgangsupdate.objects.all() if updates is None else updates
        deciding = updates.filter(verbeterafspraak=OuterRef("pk")).as_of(on)
        return self.annotate(
            **{
                f"{prefix}_code": Coalesce(
                    Subquery(deciding.values("status")[:1]), Value(NO_STATUS)
                ),
                f"{prefix}_update_id": Subquery(deciding.values("pk")[:1]),
                f"{prefix}_peildatum": Subquery(deciding.values("peildatum")[:1]),
            }
        )

    def with_status(self):
        """The status today, with the same annotations as `with_status_op()`, read from the
        stored newest update instead of worked out per agreement (the pages)."""
        newest = Voortgangsupdate.objects.filter(pk=OuterRef("laatste_update_id")).order_by()
        return self.annotate(
            status_code=F("huidige_status"),
            status_update_id=F("laatste_update_id"),
            # A lookup by primary key per row shown, not a join the planner may make a scan of.
            status_peildatum=Subquery(newest.values("peildatum")),
        )

    def refresh_laatste_update(self) -> int:
        """Point each agreement at its newest update and take over its status, in one
        statement; returns the number of agreements."""
        newest = Voortgangsupdate.objects.filter(verbeterafspraak=OuterRef("pk")).newest_first()
        return self.update(
            laatste_update=Subquery(newest.values("pk")[:1]),
            huidige_status=Coalesce(Subquery(newest.values("status")[:1]), Value(NO_STATUS)),
        )

    def with_details(self):
        return self.select_related("traject", "thema", "regiehouder").prefetch_related(
            "betrokken_partijen"
        )

    def next_nummer(self, traject_id) -> int:
        """The number after the trajectory's highest (1 for its first agreement)."""
        highest = self.filter(traject=traject_id).aggregate(highest=models.Max("nummer"))
        return (highest["highest"] or 0) + 1

    def for_list(self):
        """What a row of a list shows: the agreement's number, title and target year, its
        trajectory, theme and parties by name, and its status today; no long texts."""
        return (
            self.with_status()
            .select_related("traject", "thema", "regiehouder")
            .only(
                *["traject__naam", "thema__naam", "regiehouder__afkorting"],
                *["nummer", "titel", "streefjaar", "huidige_status", "laatste_update"],
            )
            .prefetch_related(
                models.Prefetch(
                    "betrokken_partijen", queryset=Partij.objects.only("pk", "afkorting")
                )
            )
        )

    def with_timeline(self):
        """`with_details()` plus every update with its party and author, newest first."""
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
    omschrijving = models.TextField(
        "omschrijving",
        blank=True,
        max_length=OMSCHRIJVING_MAX_LENGTH,
        validators=[MaxLengthValidator(OMSCHRIJVING_MAX_LENGTH)],
    )
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
    # Where the agreement was made, not where data comes from (an indicator's `bron` is that).
    bron = models.CharField(
        "afgesproken in",
        max_length=300,
        blank=True,
        help_text="Het advies of rapport waarin de afspraak is gemaakt, met de paragraaf, "
        "bijvoorbeeld ‘Verbetersignalement, paragraaf 4.2’. Niet de bron van cijfers: die "
        "staat bij de indicator.",
    )
    bron_url = models.URLField(
        "link naar dat advies of rapport",
        blank=True,
        help_text="Het internetadres van dat advies of rapport, als het openbaar is.",
    )
    versie = models.PositiveIntegerField(
        "versie",
        default=1,
        help_text="Telt bij elke wijziging op, zodat twee beheerders elkaars wijziging niet "
        "ongemerkt overschrijven.",
    )
    created_at = models.DateTimeField("aangemaakt op", auto_now_add=True)
    updated_at = models.DateTimeField("gewijzigd op", auto_now=True)
    # The newest update of the timeline and its status: the status today (an update is never
    # dated in the future, edited or deleted). Written only by `Voortgangsupdate.save()`,
    # through `refresh_laatste_update()`, so that the lists count and filter on a column instead
    # of working the status out per agreement; the status at any other date comes from
    # `with_status_op()`.
    huidige_status = models.CharField(
        "huidige status",
        max_length=20,
        choices=STATUS_CHOICES,
        default=NO_STATUS,
        editable=False,
    )
    laatste_update = models.ForeignKey(
        "Voortgangsupdate",
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="laatste voortgangsupdate",
        null=True,
        blank=True,
        editable=False,
    )

    objects = VerbeterafspraakQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[betrokken_partijen],
        excluded_fields=["huidige_status", "laatste_update"],  # the timeline has its own
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
        if not self._state.adding and kwargs.get("update_fields") is None:
            # An editor's save never writes back the newest update it loaded: a party may have
            # reported since.
            kwargs["update_fields"] = EDITABLE_FIELDS
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
        """Updates newest first, each with `previous_status`: the status it replaced (None for
        the first update).

        Uses the prefetched updates, which come in the timeline's order (`NEWEST_FIRST`).
        """
        updates = list(self.voortgangsupdates.all())
        previous = None
        for update in reversed(updates):
            update.previous_status = previous
            previous = update.status
        return updates

    def status_update(self) -> "Voortgangsupdate | None":
        """The update that sets the status annotated by `with_status_op()`, from the timeline."""
        return next(
            (u for u in self.voortgangsupdates.all() if u.pk == self.status_update_id), None
        )


# What a save of an existing agreement writes: every field but the newest update and its status,
# which only `Voortgangsupdate.save()` moves.
EDITABLE_FIELDS = frozenset(
    field.name
    for field in Verbeterafspraak._meta.concrete_fields
    if not field.primary_key and field.name not in ("huidige_status", "laatste_update")
)


class VoortgangsupdateQuerySet(AppendOnlyQuerySet):
    def newest_first(self):
        return self.order_by(*NEWEST_FIRST)

    def as_of(self, on):
        """The updates known at a date, newest first: the first one sets the status then."""
        return self.filter(peildatum__lte=on).newest_first()


class Voortgangsupdate(AppendOnlyModel):
    """A progress report on an agreement. Never edited: a correction is a new update.

    The rules for a new update live in `clean()`, which `afspraken.services.rapporteer_voortgang`
    runs under a lock for every way in (party page, admin, demo loader); `save()` and
    `delete()` refuse to touch a stored update.
    """

    Status = Status
    FINAL = (
        "Een voortgangsupdate wordt nooit gewijzigd of verwijderd; een correctie is een nieuwe "
        "voortgangsupdate."
    )

    verbeterafspraak = models.ForeignKey(
        Verbeterafspraak,
        # Deleting the agreement would delete its timeline; an agreement with progress stays.
        on_delete=models.PROTECT,
        related_name="voortgangsupdates",
        verbose_name="verbeterafspraak",
    )
    peildatum = models.DateField("peildatum", default=timezone.localdate)
    status = models.CharField("status", max_length=20, choices=Status)
    tekst = models.TextField(
        "voortgang",
        max_length=TEKST_MAX_LENGTH,
        validators=[MaxLengthValidator(TEKST_MAX_LENGTH)],
    )
    toelichting = models.TextField(
        "toelichting",
        blank=True,
        max_length=TOELICHTING_MAX_LENGTH,
        validators=[MaxLengthValidator(TOELICHTING_MAX_LENGTH)],
        help_text="Verplicht bij ‘loopt met vertraging’ en ‘gestopt’: waarom?",
    )
    # The texts above as sanitised HTML (`afspraken.markup`), rendered once by `save()`.
    tekst_html = models.TextField("voortgang (HTML)", editable=False)
    toelichting_html = models.TextField("toelichting (HTML)", editable=False)
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

    objects = VoortgangsupdateQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["tekst_html", "toelichting_html"],  # follow from the texts
        verbose_name="wijziging in voortgangsupdate",
        verbose_name_plural="wijzigingen in voortgangsupdates",
    )

    class Meta:
        verbose_name = "voortgangsupdate"
        verbose_name_plural = "voortgangsupdates"
        ordering = NEWEST_FIRST
        indexes = [models.Index(fields=["verbeterafspraak", "peildatum"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=NEEDS_TOELICHTING) | ~Q(toelichting=""),
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

    def save(self, *args, **kwargs):
        if self._state.adding:
            # Rendered once, here, so that no page or report renders an update's Markdown again.
            self.tekst_html = render_markdown(self.tekst)
            self.toelichting_html = render_markdown(self.toelichting)
        super().save(*args, **kwargs)
        # Worked out by the database rather than assumed newest, so that it holds whatever the
        # order in which updates arrive.
        Verbeterafspraak.objects.filter(pk=self.verbeterafspraak_id).refresh_laatste_update()

    def clean(self):
        """The rules for a new update, whoever adds it and however."""
        super().clean()
        errors = {}
        if self.status != Status.VERTRAAGD:
            self.verwachte_datum = None  # only a delay has a new expected date
        if self.status in NEEDS_TOELICHTING and not self.toelichting.strip():
            errors["toelichting"] = "Licht toe waarom de afspraak " + (
                "vertraagd is." if self.status == Status.VERTRAAGD else "gestopt is."
            )
        if self.status == Status.VERTRAAGD:
            if not self.verwachte_datum:
                errors["verwachte_datum"] = "Geef bij een vertraging de nieuwe verwachte datum op."
            elif self.peildatum and self.verwachte_datum <= self.peildatum:
                errors["verwachte_datum"] = "De nieuwe verwachte datum moet na de peildatum liggen."
            elif self.peildatum and _too_far_after(self.peildatum, self.verwachte_datum):
                errors["verwachte_datum"] = (
                    f"De nieuwe verwachte datum kan hoogstens {MAX_DELAY_YEARS} jaar na de "
                    "peildatum liggen."
                )
        if self.peildatum and self.verbeterafspraak_id:
            errors.update(self._peildatum_errors())
        if self.partij_id and self.verbeterafspraak_id:
            involved = Partij.objects.of_afspraak(self.verbeterafspraak_id)
            if not involved.filter(pk=self.partij_id).exists():
                errors["partij"] = "Kies een partij die bij deze verbeterafspraak betrokken is."
        if errors:
            raise ValidationError(errors)

    def _peildatum_errors(self) -> dict[str, str]:
        errors = {}
        afspraak = self.verbeterafspraak
        traject = afspraak.traject
        if self.peildatum > timezone.localdate():
            errors["peildatum"] = "De peildatum kan niet in de toekomst liggen."
        elif traject.is_bevroren_op(self.peildatum):
            errors["peildatum"] = _frozen_message(traject)
        else:
            newest = (
                Voortgangsupdate.objects.filter(verbeterafspraak=afspraak)
                .exclude(pk=self.pk)
                .newest_first()
                .values_list("peildatum", flat=True)
                .first()
            )
            # Dated before the newest, it would slip into the middle of the timeline and
            # change what a later entry means.
            if newest and self.peildatum < newest:
                errors["peildatum"] = (
                    f"De peildatum ligt vóór de laatste melding ({_long(newest)}). Een nieuwe "
                    "melding kan niet terug in de tijd; klopt een eerdere melding niet, meld "
                    "dan de juiste stand met de datum van vandaag."
                )
        return errors


def _too_far_after(start: datetime.date, end: datetime.date) -> bool:
    """Whether `end` lies more than MAX_DELAY_YEARS after `start` (29 February included)."""
    return (end.year, end.month, end.day) > (start.year + MAX_DELAY_YEARS, start.month, start.day)


def _long(date: datetime.date) -> str:
    return date_format(date, "j F Y")


def _frozen_message(traject: Traject) -> str:
    return (
        f"De voortgang van {traject.naam} is vastgelegd tot en met "
        f"{_long(traject.bevroren_tot)}: een gepubliceerde rapportage toont de stand op "
        "die datum. Kies een latere peildatum; klopt een eerdere melding niet, meld dan "
        "de juiste stand met de datum van vandaag."
    )


DEFINITIE_MAX_LENGTH = 2_000
METING_TOELICHTING_MAX_LENGTH = 2_000


class IndicatorFigures:
    """What an indicator's figures mean, for the model and for the plain rows a report reads
    (`rapportages.content.IndicatorRow`)."""

    @property
    def has_target(self) -> bool:
        return self.streefjaar is not None and self.streefwaarde is not None


class Indicator(IndicatorFigures, models.Model):
    """A measured figure that shows whether care changed, for an agreement or a trajectory.

    It has a baseline and, usually, a target; its measurements (`Meting`) say where it stands.
    `afspraken.evaluatie` judges it against its target.
    """

    class Eenheid(models.TextChoices):
        PERCENTAGE = "percentage", "%"
        AANTAL = "aantal", "aantal"
        PER_1000 = "per_1000", "per 1.000"
        EURO = "euro", "€"
        WEKEN = "weken", "weken"
        DAGEN = "dagen", "dagen"

    class Richting(models.TextChoices):
        HOGER = "hoger", "Hoger is beter"
        LAGER = "lager", "Lager is beter"

    traject = models.ForeignKey(
        Traject, on_delete=models.PROTECT, related_name="indicatoren", verbose_name="traject"
    )
    verbeterafspraak = models.ForeignKey(
        Verbeterafspraak,
        on_delete=models.PROTECT,
        related_name="indicatoren",
        verbose_name="verbeterafspraak",
        null=True,
        blank=True,
        help_text="Leeg bij een indicator van het traject als geheel.",
    )
    naam = models.CharField("naam", max_length=300)
    definitie = models.TextField(
        "definitie",
        max_length=DEFINITIE_MAX_LENGTH,
        validators=[MaxLengthValidator(DEFINITIE_MAX_LENGTH)],
        help_text="Wat wordt geteld, en als deel waarvan.",
    )
    eenheid = models.CharField("eenheid", max_length=20, choices=Eenheid)
    richting = models.CharField("richting", max_length=10, choices=Richting)
    basisjaar = models.PositiveSmallIntegerField("basisjaar")
    basiswaarde = models.DecimalField("basiswaarde", max_digits=14, decimal_places=4)
    streefjaar = models.PositiveSmallIntegerField("streefjaar", null=True, blank=True)
    streefwaarde = models.DecimalField(
        "streefwaarde", max_digits=14, decimal_places=4, null=True, blank=True
    )
    bron = models.CharField(
        "bron", max_length=200, help_text="Bijvoorbeeld declaratiedata (Vektis), LROI, een enquête."
    )
    leverancier = models.ForeignKey(
        Partij,
        on_delete=models.PROTECT,
        related_name="geleverde_indicatoren",
        verbose_name="levert de cijfers",
    )
    volgorde = models.PositiveSmallIntegerField("volgorde", default=0)
    created_at = models.DateTimeField("aangemaakt op", auto_now_add=True)
    updated_at = models.DateTimeField("gewijzigd op", auto_now=True)

    history = HistoricalRecords(
        verbose_name="wijziging in indicator", verbose_name_plural="wijzigingen in indicatoren"
    )

    class Meta:
        verbose_name = "indicator"
        verbose_name_plural = "indicatoren"
        ordering = ["traject", "verbeterafspraak__nummer", "volgorde", "naam"]
        constraints = [
            models.CheckConstraint(
                condition=Q(streefjaar__isnull=True, streefwaarde__isnull=True)
                | Q(streefjaar__isnull=False, streefwaarde__isnull=False),
                name="indicator_streefjaar_en_streefwaarde_samen",
                violation_error_message="Vul streefjaar en streefwaarde allebei in, of geen van "
                "beide.",
            ),
            models.CheckConstraint(
                condition=Q(basisjaar__gte=1990) & Q(basisjaar__lte=2100),
                name="indicator_basisjaar_redelijk",
                violation_error_message="Vul een basisjaar tussen 1990 en 2100 in.",
            ),
            models.CheckConstraint(
                condition=Q(streefjaar__isnull=True) | Q(streefjaar__gt=F("basisjaar")),
                name="indicator_streefjaar_na_basisjaar",
                violation_error_message="Het streefjaar moet na het basisjaar liggen.",
            ),
        ]

    def __str__(self):
        return self.naam

    def save(self, *args, **kwargs):
        self._follow_afspraak()
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        self._follow_afspraak()  # before the fields are checked: it need not be chosen twice
        super().clean_fields(exclude)

    def _follow_afspraak(self) -> None:
        """An agreement's indicator belongs to the agreement's trajectory, however it is made."""
        if self.verbeterafspraak_id:
            self.traject_id = self.verbeterafspraak.traject_id

    def clean(self):
        super().clean()
        errors = {}
        for field in ("basiswaarde", "streefwaarde"):
            error = self.value_error(getattr(self, field))
            if error:
                errors[field] = error
        if errors:
            raise ValidationError(errors)

    def value_error(self, value) -> str:
        """Why a value cannot be a figure of this indicator, or ''."""
        if value is None:
            return ""
        if self.eenheid == self.Eenheid.PERCENTAGE and not 0 <= value <= 100:
            return "Een percentage ligt tussen 0 en 100."
        if self.eenheid != self.Eenheid.EURO and value < 0:
            return f"Een waarde in {self.get_eenheid_display()} kan niet negatief zijn."
        return ""


# Measurements known at a date, newest first: the newest one of a period supersedes the
# others of that period (a correction is a new measurement).
METING_NEWEST_FIRST = ["-peildatum", "-created_at", "-pk"]


class MetingQuerySet(AppendOnlyQuerySet):
    def as_of(self, on):
        """The measurements known at a date, newest first (of a period, the first counts)."""
        return self.filter(peildatum__lte=on).order_by(*METING_NEWEST_FIRST)


class Meting(AppendOnlyModel):
    """A value of an indicator for one year. Never edited: a correction is a new measurement of
    the same year, which supersedes the earlier one while the history keeps both.

    Like a progress update it has a peildatum, the date from which the figure was known, and
    the same rules: not in the future, not inside the trajectory's frozen period.
    """

    FINAL = (
        "Een meting wordt nooit gewijzigd of verwijderd; een correctie is een nieuwe meting van "
        "dezelfde periode."
    )

    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="metingen", verbose_name="indicator"
    )
    jaar = models.PositiveSmallIntegerField("jaar", help_text="Het jaar waarover is gemeten.")
    waarde = models.DecimalField("waarde", max_digits=14, decimal_places=4)
    peildatum = models.DateField(
        "bekend sinds",
        default=timezone.localdate,
        help_text="De datum waarop dit cijfer bekend was.",
    )
    bron = models.CharField(
        "bron", max_length=200, blank=True, help_text="Alleen als die afwijkt van de indicator."
    )
    toelichting = models.TextField(
        "toelichting",
        blank=True,
        max_length=METING_TOELICHTING_MAX_LENGTH,
        validators=[MaxLengthValidator(METING_TOELICHTING_MAX_LENGTH)],
    )
    partij = models.ForeignKey(
        Partij,
        on_delete=models.PROTECT,
        related_name="metingen",
        verbose_name="namens partij",
        null=True,
        blank=True,
    )
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="metingen",
        verbose_name="auteur",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField("vastgelegd op", auto_now_add=True)

    objects = MetingQuerySet.as_manager()
    history = HistoricalRecords(
        verbose_name="wijziging in meting", verbose_name_plural="wijzigingen in metingen"
    )

    class Meta:
        verbose_name = "meting"
        verbose_name_plural = "metingen"
        ordering = ["indicator", "jaar", *METING_NEWEST_FIRST]
        indexes = [models.Index(fields=["indicator", "jaar"])]

    def __str__(self):
        return f"{self.indicator}: {self.jaar}"

    def clean(self):
        """The rules for a new measurement, whoever adds it and however."""
        super().clean()
        if not self.indicator_id:
            return
        errors = {}
        indicator = self.indicator
        traject = indicator.traject
        if self.waarde is not None:
            error = indicator.value_error(self.waarde)
            if error:
                errors["waarde"] = error
        if self.jaar is not None:
            if self.jaar < indicator.basisjaar:
                errors["jaar"] = (
                    f"Het jaar ligt vóór het basisjaar van deze indicator ({indicator.basisjaar})."
                )
            elif self.peildatum and self.jaar > self.peildatum.year:
                errors["jaar"] = "Over een jaar dat nog moet komen, is nog niets gemeten."
        if self.peildatum:
            if self.peildatum > timezone.localdate():
                errors["peildatum"] = "Deze datum kan niet in de toekomst liggen."
            elif traject.is_bevroren_op(self.peildatum):
                errors["peildatum"] = _frozen_message(traject)
        if self.partij_id and self.partij_id != indicator.leverancier_id:
            involved = Partij.objects.of_afspraak(indicator.verbeterafspraak_id)
            if not involved.filter(pk=self.partij_id).exists():
                errors["partij"] = "Kies de partij die de cijfers levert."
        if errors:
            raise ValidationError(errors)
