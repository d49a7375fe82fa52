"""Queue again the follow mails still waiting: a job that failed (the mail server was down, a
worker stopped) leaves its records waiting, and nothing else picks them up. Meant for cron,
say every quarter of an hour; running it twice, or beside a job still running, sends nothing
twice, since the job takes each record under a lock and only while it is waiting."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from volgen.models import Volgbericht
from volgen.tasks import mail_volgberichten

BATCH = 500


class Command(BaseCommand):
    help = "Zet volgberichten die nog wachten opnieuw in de wachtrij (voor cron)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--ouder-dan",
            type=int,
            default=15,
            metavar="MINUTEN",
            help="Alleen berichten die al zo lang wachten (standaard 15 minuten).",
        )

    def handle(self, *args, ouder_dan, **options):
        cutoff = timezone.now() - datetime.timedelta(minutes=max(ouder_dan, 0))
        ids = list(
            Volgbericht.objects.filter(status=Volgbericht.Status.WACHTRIJ, created_at__lt=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(ids), BATCH):
            mail_volgberichten.enqueue(ids[start : start + BATCH])
        self.stdout.write(
            f"{len(ids)} wachtend{'' if len(ids) == 1 else 'e'} volgbericht"
            f"{'' if len(ids) == 1 else 'en'} opnieuw in de wachtrij gezet."
        )
