"""Records that are only ever added: a progress update, a measurement.

A correction is a new record; nobody, staff included, edits or deletes one, through a model,
a queryset, the admin or a command. (A user's deletion may still set the author to null: that
goes through the database, not through these methods.)
"""

from django.core.exceptions import PermissionDenied
from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied(self.model.FINAL)

    def delete(self):
        raise PermissionDenied(self.model.FINAL)


class AppendOnlyModel(models.Model):
    FINAL = "Dit wordt nooit gewijzigd of verwijderd; een correctie wordt opnieuw toegevoegd."

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied(self.FINAL)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(self.FINAL)
