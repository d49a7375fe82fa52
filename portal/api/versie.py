"""The version of the open data as a whole, for ETag and Last-Modified: one small query.

The published data changes only when an edition is published (a new `Editie`; its
`published_at` may lie in the past for a report that appeared before the portal recorded it,
so its id counts too), when staff change what they keep in public (trajectories, phases,
themes, parties, indicators: each change, deletions included, leaves a row in that model's
history, whose dates are indexed), or when a round's answer is reviewed (a figure counts once
accepted). The newest of each, read together, is the version: any change gives another ETag
and, but for a back-dated edition, a later Last-Modified. A reuser who sends the ETag back in
If-None-Match gets a 304 without the list being read.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from afspraken.models import Indicator, Partij
from rapportages.models import Editie
from trajecten.models import Faseperiode, Thema, Traject
from uitvragen.models import Beoordeling

STAFF_MAINTAINED = (Traject, Faseperiode, Thema, Partij, Indicator)


@dataclass(frozen=True, slots=True)
class Versie:
    tag: str
    last_modified: datetime.datetime | None

    def etag(self, representation: str) -> str:
        """A strong ETag for one representation (JSON, the browsable page) of a resource."""
        return f'"{self.tag}-{representation}"'


def _newest(queryset, field: str):
    return queryset.order_by(f"-{field}").values(field)[:1]


def huidige_versie() -> Versie:
    columns = [
        _newest(Editie.objects.all(), "pk"),
        _newest(Editie.objects.all(), "published_at"),
        _newest(Beoordeling.objects.all(), "pk"),
        *(_newest(model.history.all(), "history_date") for model in STAFF_MAINTAINED),
    ]
    selects, params = [], []
    for queryset in columns:
        sql, column_params = queryset.query.sql_with_params()
        selects.append(f"({sql})")
        params.extend(column_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        row = cursor.fetchone()
    tag = hashlib.sha256(repr([str(value) for value in row]).encode()).hexdigest()[:32]
    moments = [_as_datetime(value) for value in row[1:2] + row[3:]]
    return Versie(tag, max((m for m in moments if m is not None), default=None))


def _as_datetime(value) -> datetime.datetime | None:
    """A moment as the cursor gives it: a datetime on PostgreSQL, text in UTC on SQLite."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value
