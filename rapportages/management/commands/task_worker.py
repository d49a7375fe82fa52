"""The worker for the portal's background work: django-tasks-db's `db_worker`, plus upkeep.

The upkeep (`rapportages.tasks.herstel_opdrachten`) runs when the worker starts and then every
half lease in a thread beside it: it puts the jobs of a worker that stopped (killed, out of
memory, its machine gone) back in the queue, and removes concept PDFs past their time.
Everything else, the options included, is `db_worker`'s (`--help`).
"""

import logging
import threading

from django.conf import settings
from django.db import DatabaseError, connection
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from rapportages.tasks import herstel_opdrachten

logger = logging.getLogger("rapportages.tasks")


def upkeep() -> None:
    try:
        herstel_opdrachten()
    except DatabaseError as error:  # SQLite busy, a database restarting: next time
        logger.warning("Onderhoud van de opdrachten overgeslagen: %s", error)
    finally:
        connection.close()


def upkeep_forever(stop: threading.Event) -> None:
    interval = max(0.5, settings.TASK_LEASE_SECONDS / 2)
    while not stop.wait(interval):
        upkeep()


class Command(DBWorkerCommand):
    help = (
        "Voert het achtergrondwerk van het portaal uit (rapportages publiceren, concept-PDF's "
        "maken) en zet het werk van een gestopte worker opnieuw in de wachtrij."
    )

    def handle(self, *args, **options):
        upkeep()
        stop = threading.Event()
        threading.Thread(target=upkeep_forever, args=(stop,), name="onderhoud", daemon=True).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
