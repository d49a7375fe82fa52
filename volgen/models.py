"""Following: a logged-in user follows an agreement or a trajectory and gets a mail when an
agreement's status changes or a report about it is published (`volgen/services.py`).

A `Volgbericht` records each mail, one per person per change, in the transaction that makes
the change and queues the mail: however often a trigger runs or a job is retried, nobody gets
the same news twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from afspraken.models import Verbeterafspraak, Voortgangsupdate
from rapportages.models import Editie
from trajecten.models import Traject


class VolgQuerySet(models.QuerySet):
    def for_user(self, user):
        """The user's own follows."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def with_details(self):
        return self.select_related("traject", "verbeterafspraak__traject")

    def of_afspraak(self, afspraak: Verbeterafspraak):
        """Follows of the agreement itself or of its trajectory."""
        return self.filter(Q(verbeterafspraak=afspraak) | Q(traject=afspraak.traject_id))


class Volg(models.Model):
    """A user follows one agreement or one trajectory."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="volgen",
        verbose_name="gebruiker",
    )
    traject = models.ForeignKey(
        Traject,
        on_delete=models.CASCADE,
        related_name="volgers",
        verbose_name="traject",
        null=True,
        blank=True,
    )
    verbeterafspraak = models.ForeignKey(
        Verbeterafspraak,
        on_delete=models.CASCADE,
        related_name="volgers",
        verbose_name="verbeterafspraak",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField("gevolgd sinds", auto_now_add=True)

    objects = VolgQuerySet.as_manager()

    class Meta:
        verbose_name = "volger"
        verbose_name_plural = "volgers"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(traject__isnull=False, verbeterafspraak__isnull=True)
                | Q(traject__isnull=True, verbeterafspraak__isnull=False),
                name="volg_traject_of_afspraak",
                violation_error_message="Volg een traject of een verbeterafspraak, niet allebei "
                "en niet geen van beide.",
            ),
            models.UniqueConstraint(
                fields=["user", "traject"],
                condition=Q(traject__isnull=False),
                name="volg_traject_een_keer",
                violation_error_message="U volgt dit traject al.",
            ),
            models.UniqueConstraint(
                fields=["user", "verbeterafspraak"],
                condition=Q(verbeterafspraak__isnull=False),
                name="volg_afspraak_een_keer",
                violation_error_message="U volgt deze verbeterafspraak al.",
            ),
        ]

    def __str__(self):
        return f"{self.user} volgt {self.beschrijving}"

    def get_absolute_url(self):
        return self.onderwerp.get_absolute_url()

    @property
    def onderwerp(self) -> Traject | Verbeterafspraak:
        return self.traject if self.traject_id else self.verbeterafspraak

    @property
    def beschrijving(self) -> str:
        """ "het traject X" or "verbeterafspraak 3. Titel (X)", as a sentence says it."""
        if self.traject_id:
            return f"het traject {self.traject.naam}"
        afspraak = self.verbeterafspraak
        return f"verbeterafspraak {afspraak} ({afspraak.traject.naam})"


class Volgbericht(models.Model):
    """A mail to a follower about one change: a status change (the update that made it) or a
    published edition. One per person per change, whichever and however many of their follows
    it concerns; `volgen` are those follows, and the mail's one-click unsubscribe stops them.
    """

    class Status(models.TextChoices):
        WACHTRIJ = "wachtrij", "In de wachtrij"
        VERZONDEN = "verzonden", "Verzonden"
        # The follows were stopped before it went, the agreement is out of the person's sight,
        # or the account has no address or is inactive.
        VERVALLEN = "vervallen", "Niet verzonden"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="volgberichten",
        verbose_name="ontvanger",
    )
    voortgangsupdate = models.ForeignKey(
        Voortgangsupdate,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="voortgangsupdate",
        null=True,
        blank=True,
    )
    vorige_status = models.CharField("vorige status", max_length=20, blank=True)
    editie = models.ForeignKey(
        Editie,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="editie",
        null=True,
        blank=True,
    )
    volgen = models.ManyToManyField(
        Volg, related_name="berichten", verbose_name="voor het volgen van", blank=True
    )
    status = models.CharField("status", max_length=20, choices=Status, default=Status.WACHTRIJ)
    created_at = models.DateTimeField("aangemaakt op", auto_now_add=True)
    verzonden_op = models.DateTimeField("afgehandeld op", null=True, blank=True)

    class Meta:
        verbose_name = "volgbericht"
        verbose_name_plural = "volgberichten"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(voortgangsupdate__isnull=False, editie__isnull=True)
                | Q(voortgangsupdate__isnull=True, editie__isnull=False),
                name="volgbericht_update_of_editie",
                violation_error_message="Een volgbericht gaat over een statuswijziging of over "
                "een editie.",
            ),
            models.UniqueConstraint(
                fields=["user", "voortgangsupdate"],
                condition=Q(voortgangsupdate__isnull=False),
                name="volgbericht_een_per_statuswijziging",
                violation_error_message="Deze persoon krijgt al bericht over deze wijziging.",
            ),
            models.UniqueConstraint(
                fields=["user", "editie"],
                condition=Q(editie__isnull=False),
                name="volgbericht_een_per_editie",
                violation_error_message="Deze persoon krijgt al bericht over deze editie.",
            ),
        ]

    def __str__(self):
        over = (
            f"update {self.voortgangsupdate_id}"
            if self.voortgangsupdate_id
            else (f"editie {self.editie_id}")
        )
        return f"{self.user} – {over}"
