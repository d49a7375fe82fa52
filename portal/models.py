from django.db import models


class PasswordResetRequest(models.Model):
    """A request for a password-reset mail, kept an hour or so to throttle the next ones.

    Stored whether or not an account has the address, so the throttle says nothing about
    which addresses are known. In the database, not in a process's memory: the app servers
    share nothing else.
    """

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
