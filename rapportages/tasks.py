"""Background work on reports: publishing one, and making its concept PDF.

Both take longer than a web request should (minutes for the implementation-wide report), so a
page only starts them (`start_opdracht`) and shows how far they are. A job is two rows:

- an `Opdracht`, which the editors' pages show: waiting, running (with its stage and pages),
  done (the edition, or the concept PDF for an hour) or failed (with a Dutch message);
- a task in the queue of Django's tasks framework (django-tasks-db keeps it in the database),
  which `manage.py task_worker` takes and runs: `voer_opdracht_uit(opdracht_id, poging)`.

A running job writes a sign of life (`Opdracht.hartslag`) every few seconds, from a thread of
its own with its own database connection, together with its stage, so the progress is visible
while the publishing transaction is still open. A worker that is killed stops writing it; once
it has been silent for `TASK_LEASE_SECONDS`, any worker's upkeep (`herstel_opdrachten`, at its
start and every few seconds after) puts the job back in the queue as its next attempt, at most
`MAX_POGINGEN` in all. A run of an earlier attempt that turns out to be alive after all changes
nothing: every write names its attempt. Publishing itself is one transaction that records its
edition on the job (`publiceer_rapportage`), so a second run publishes nothing twice.
"""

import datetime
import logging
import threading
import time
import uuid

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.tasks import task
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils import timezone

from .content import build_content
from .models import Opdracht, Rapportage
from .rendering import render_html, render_report_pdf
from .services import PublicatieFout, publiceer_rapportage

logger = logging.getLogger(__name__)

MAX_POGINGEN = 3
CONCEPT_PDF_BEWAARD = datetime.timedelta(hours=1)
ALGEMENE_FOUT = (
    "Er ging iets mis bij het maken van de rapportage; er is niets gepubliceerd. Probeer het "
    "opnieuw; lukt het dan weer niet, meld het dan aan de beheerders."
)


def lease() -> datetime.timedelta:
    """How long a running job may be silent before it is taken for a stopped worker's."""
    return datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS)


def heartbeat_interval() -> float:
    return max(0.2, min(2.0, settings.TASK_LEASE_SECONDS / 4))


def start_opdracht(
    *, rapportage: Rapportage, soort: str, user, nummer: int | None = None
) -> tuple[Opdracht, bool]:
    """Put a job in the queue; (the job, True), or (the one already waiting or running for this
    report, False): a report has at most one job of each kind at a time."""
    try:
        with transaction.atomic():
            opdracht = Opdracht.objects.create(
                soort=soort, rapportage=rapportage, aangevraagd_door=user, nummer=nummer
            )
            # In the same transaction: no job without its task, nor a task without its job.
            _enqueue(opdracht)
    except IntegrityError:
        running = Opdracht.objects.actief().filter(rapportage=rapportage, soort=soort).first()
        if running is None:
            raise
        return running, False
    opdracht.refresh_from_db()
    return opdracht, True


def _enqueue(opdracht: Opdracht) -> None:
    result = voer_opdracht_uit.enqueue(opdracht.pk, opdracht.poging)
    Opdracht.objects.filter(pk=opdracht.pk, poging=opdracht.poging).update(taak_id=str(result.id))


@task
def voer_opdracht_uit(opdracht_id: int, poging: int) -> str:
    """Run attempt `poging` of the job; returns what became of it."""
    now = timezone.now()
    mine = Opdracht.objects.filter(pk=opdracht_id, poging=poging, status__in=Opdracht.ACTIEF)
    if not mine.update(
        status=Opdracht.Status.BEZIG, fase=Opdracht.Fase.INHOUD, gestart_op=now, hartslag=now
    ):
        return "overgeslagen"  # done already, or taken over by a later attempt
    opdracht = Opdracht.objects.select_related("rapportage__traject").get(pk=opdracht_id)
    try:
        with Voortgang(opdracht) as voortgang:
            if opdracht.soort == Opdracht.Soort.PUBLICEREN:
                publiceer_rapportage(
                    rapportage=opdracht.rapportage,
                    user=opdracht.aangevraagd_door,
                    opdracht=opdracht,
                    progress=voortgang.report,
                )
                done = {}
            else:
                done = _concept_pdf(opdracht, voortgang)
    except PublicatieFout as error:
        _finish(opdracht, status=Opdracht.Status.MISLUKT, fout=str(error))
        return "mislukt"
    except Exception:
        logger.exception("Opdracht %s (poging %s) mislukt", opdracht_id, poging)
        _finish(opdracht, status=Opdracht.Status.MISLUKT, fout=ALGEMENE_FOUT)
        return "mislukt"
    _finish(opdracht, status=Opdracht.Status.KLAAR, **done)  # publishing has done it already
    return "klaar"


def _concept_pdf(opdracht: Opdracht, voortgang: "Voortgang") -> dict:
    content = build_content(opdracht.rapportage, with_uitvraag=True)
    pdf = render_report_pdf(content, html=render_html(content), progress=voortgang.report)
    voortgang.report(fase=Opdracht.Fase.OPSLAAN)
    return {"pdf": pdf, "verloopt_op": timezone.now() + CONCEPT_PDF_BEWAARD}


def _finish(opdracht: Opdracht, *, status: str, **values) -> None:
    Opdracht.objects.filter(
        pk=opdracht.pk, poging=opdracht.poging, status=Opdracht.Status.BEZIG
    ).update(status=status, fase=Opdracht.Fase.KLAAR, klaar_op=timezone.now(), **values)


class Voortgang:
    """Writes a running job's stage and pages, and its sign of life.

    A worker runs the job outside any transaction; the publishing transaction it then opens
    must not hide the progress, so a thread with its own connection writes it every
    `heartbeat_interval()` seconds. Run inside a transaction (the immediate backend of the
    tests), it writes on the job's own connection instead, at most once a second.
    """

    def __init__(self, opdracht: Opdracht):
        self.opdracht = opdracht
        self.rows = Opdracht.objects.filter(
            pk=opdracht.pk, poging=opdracht.poging, status=Opdracht.Status.BEZIG
        )
        self.values = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.inline = connection.in_atomic_block
        self.thread = None
        self.written_at = 0.0

    def report(self, **values) -> None:
        """fase=..., pagina=..., paginas=...: what is being done now."""
        with self.lock:
            if values.get("fase", Opdracht.Fase.OPMAAK) != Opdracht.Fase.OPMAAK:
                values.setdefault("pagina", None)
            changed = values.get("fase", self.values.get("fase")) != self.values.get("fase")
            self.values.update(values)
        if changed:
            label = Opdracht.Fase(values["fase"]).label
            opdracht = self.opdracht
            logger.info("Opdracht %s (poging %s): %s", opdracht.pk, opdracht.poging, label)
        if self.inline and (changed or time.monotonic() - self.written_at >= 1):
            self.write()

    def write(self) -> None:
        with self.lock:
            values = dict(self.values)
        self.rows.update(hartslag=timezone.now(), **values)
        self.written_at = time.monotonic()

    def beat(self) -> None:
        try:
            while not self.stopped.wait(heartbeat_interval()):
                try:
                    self.write()
                except DatabaseError as error:
                    # SQLite, one writer at a time, refuses while a report is published.
                    logger.debug("Geen hartslag geschreven: %s", error)
        finally:
            connection.close()

    def __enter__(self):
        if not self.inline:
            self.thread = threading.Thread(target=self.beat, name="hartslag", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopped.set()
        if self.thread is not None:
            self.thread.join()


def herstel_opdrachten() -> int:
    """Put the jobs of a stopped worker back in the queue; the number of jobs tried again.

    A running job silent for longer than the lease, or a waiting one whose task a worker took
    but never started: its next attempt is queued, or after `MAX_POGINGEN` it has failed. Each
    change is conditional on the attempt still being the one seen, so of two workers doing
    this at once one changes it. Also removes concept PDFs past their time.
    """
    now = timezone.now()
    cutoff = now - lease()
    Opdracht.objects.filter(
        soort=Opdracht.Soort.CONCEPT_PDF,
        status__in=[Opdracht.Status.KLAAR, Opdracht.Status.MISLUKT],
        klaar_op__lt=now - CONCEPT_PDF_BEWAARD,
    ).delete()
    stale = list(
        Opdracht.objects.filter(status=Opdracht.Status.BEZIG, hartslag__lt=cutoff).only(
            "pk", "poging", "status", "taak_id"
        )
    )
    for waiting in Opdracht.objects.filter(
        status=Opdracht.Status.WACHTRIJ, aangemaakt_op__lt=cutoff
    ).only("pk", "poging", "status", "taak_id"):
        if _task_was_dropped(waiting.taak_id, cutoff):
            stale.append(waiting)
    return sum(_try_again(opdracht, now) for opdracht in stale)


def _task_was_dropped(taak_id: str, cutoff: datetime.datetime) -> bool:
    try:
        result = voer_opdracht_uit.get_result(taak_id)
    except (TaskResultDoesNotExist, NotImplementedError, ValueError):
        return False
    if result.status == "RUNNING":
        return result.started_at is not None and result.started_at < cutoff
    return result.status in ("FAILED", "SUCCESSFUL")


def _try_again(opdracht: Opdracht, now: datetime.datetime) -> int:
    seen = Opdracht.objects.filter(pk=opdracht.pk, poging=opdracht.poging, status=opdracht.status)
    with transaction.atomic():
        if opdracht.poging >= MAX_POGINGEN:
            seen.update(
                status=Opdracht.Status.MISLUKT,
                fase=Opdracht.Fase.KLAAR,
                klaar_op=now,
                fout=f"De verwerking is {opdracht.poging} keer afgebroken; er is niets "
                "gepubliceerd. Probeer het later opnieuw, en meld het aan de beheerders.",
            )
            return 0
        if not seen.update(
            status=Opdracht.Status.WACHTRIJ,
            fase=Opdracht.Fase.WACHTRIJ,
            poging=F("poging") + 1,
            pagina=None,
            paginas=None,
            hartslag=None,
        ):
            return 0
        opdracht.poging += 1
        _enqueue(opdracht)
    logger.warning(
        "Opdracht %s: de worker stopte; poging %s staat in de wachtrij",
        opdracht.pk,
        opdracht.poging,
    )
    _close_task(opdracht.taak_id, now)
    return 1


def _close_task(taak_id: str, now: datetime.datetime) -> None:
    """Mark the stopped worker's task as failed, so the queue does not keep it as running."""
    if not apps.is_installed("django_tasks_db"):
        return
    from django_tasks_db.models import DBTaskResult

    try:
        uuid.UUID(taak_id)
    except ValueError:
        return  # not a task of the database backend
    DBTaskResult.objects.filter(pk=taak_id, status="RUNNING").update(
        status="FAILED",
        finished_at=now,
        exception_class_path="rapportages.tasks.WorkerGestopt",
        traceback="De worker stopte tijdens deze taak; de opdracht staat opnieuw in de wachtrij.",
    )
