from django.db import models


class PasswordResetRequest(models.Model):
    """A request for a password-reset mail, kept an hour or so to throttle the next ones.

    Stored whether or not an account has the address, so the throttle says nothing about
    which addresses are known. In the database, not in a process's memory: the app servers
    share nothing else.
    """

    # Written by anonymous visitors; no kept page shows it (portal/core/datacache.py).
    data_version_unwatched = True

    email = models.EmailField("e-mailadres")
    ip_address = models.GenericIPAddressField("IP-adres", null=True)
    created_at = models.DateTimeField("aangevraagd op", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "aanvraag van een nieuw wachtwoord"
        verbose_name_plural = "aanvragen van een nieuw wachtwoord"
        indexes = [
            models.Index(fields=["email", "created_at"], name="portal_reset_email_idx"),
            models.Index(fields=["ip_address", "created_at"], name="portal_reset_ip_idx"),
        ]

    def __str__(self):
        return f"{self.email} ({self.created_at:%d-%m-%Y %H:%M})"


class Toegankelijkheidstoets(models.Model):
    """The automated accessibility results of one run of the test suite, read in after it
    (`manage.py toegankelijkheid_inlezen`), for the accessibility statement to show."""

    uitgevoerd_op = models.DateTimeField("uitgevoerd op")
    versie = models.CharField("versie (commit)", max_length=40, blank=True)
    axe_paginas = models.PositiveIntegerField("pagina's gecontroleerd met axe")
    axe_controles = models.PositiveIntegerField("controles met axe (pagina en breedte)")
    axe_overtredingen = models.PositiveIntegerField("overtredingen gevonden door axe")
    pdfua_bestanden = models.PositiveIntegerField("PDF's gecontroleerd met pdfua")
    pdfua_fouten = models.PositiveIntegerField("fouten gevonden door pdfua")
    pdfua_waarschuwingen = models.PositiveIntegerField("waarschuwingen van pdfua")
    ingelezen_op = models.DateTimeField("ingelezen op", auto_now_add=True)

    class Meta:
        verbose_name = "toegankelijkheidstoets"
        verbose_name_plural = "toegankelijkheidstoetsen"
        ordering = ["-uitgevoerd_op", "-pk"]

    def __str__(self):
        return f"Toets van {self.uitgevoerd_op:%d-%m-%Y %H:%M}"
