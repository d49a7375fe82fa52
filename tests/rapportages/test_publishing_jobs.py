"""Publishing and the concept PDF as background work: progress, retries, and all-or-nothing.

Most tests run the job with the tests' immediate backend (at once, in the request); the last
ones start the real worker (`manage.py task_worker`) as a process against the test database,
kill it halfway through publishing, and restart it.
"""

import datetime
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rapportages import tasks
from rapportages.models import Editie, Opdracht
from rapportages.services import publiceer_rapportage
from tests.factories import VerbeterafspraakFactory, VoortgangsupdateFactory
from trajecten.models import Traject

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
NOWHERE = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def publish_url(rapportage):
    return reverse("rapportages:publiceren", args=[rapportage.pk])


def job_url(opdracht):
    return reverse(
        "rapportages:opdracht", kwargs={"pk": opdracht.rapportage_id, "opdracht": opdracht.pk}
    )


def test_the_page_returns_at_once_and_shows_the_stage(client, staff, rapportage, afspraken):
    client.force_login(staff)
    with override_settings(TASKS=NOWHERE):  # nobody takes the job: it waits
        response = client.post(publish_url(rapportage), {"bevestig": "on", "nummer": "1"})
    opdracht = Opdracht.objects.get()
    assert response["Location"] == job_url(opdracht)
    assert not Editie.objects.exists()

    page = client.get(job_url(opdracht))
    assert "Bezig: in de wachtrij." in page.text
    assert "js/opdracht.js" in page.text  # follows the progress by itself
    Opdracht.objects.update(status="bezig", fase="opmaak", pagina=1200)
    assert "Bezig: pagina-opmaak, pagina 1.200." in client.get(job_url(opdracht)).text
    concept = client.get(rapportage.get_concept_url()).text
    assert "Editie 1 wordt gepubliceerd (pagina-opmaak, pagina 1.200)" in concept
    assert "Publiceren als editie" not in concept  # one publication at a time

    Opdracht.objects.update(status="bezig", fase="pdf", paginas=3037)
    assert "PDF samenstellen, 3.037 pagina&#x27;s" in client.get(job_url(opdracht)).text


def test_a_second_click_joins_the_running_job(client, staff, rapportage, afspraken):
    client.force_login(staff)
    with override_settings(TASKS=NOWHERE):
        first = client.post(publish_url(rapportage), {"bevestig": "on", "nummer": "1"})
        second = client.post(publish_url(rapportage), {"bevestig": "on", "nummer": "1"})
    assert first["Location"] == second["Location"]
    assert Opdracht.objects.count() == 1


def test_an_outdated_form_publishes_nothing(client, staff, rapportage, afspraken):
    publiceer_rapportage(rapportage=rapportage, user=staff)
    client.force_login(staff)

    response = client.post(publish_url(rapportage), {"bevestig": "on", "nummer": "1"}, follow=True)

    assert "Intussen is editie 1 al gepubliceerd." in response.text
    for nummer in ["", "abc", "99999999999999999999", "3"]:
        response = client.post(
            publish_url(rapportage), {"bevestig": "on", "nummer": nummer}, follow=True
        )
        assert "Dit formulier is verouderd." in response.text
    assert not Opdracht.objects.exists()
    assert Editie.objects.count() == 1


def test_a_job_that_finds_another_edition_first_fails_and_changes_nothing(
    staff, rapportage, afspraken
):
    with override_settings(TASKS=NOWHERE):
        opdracht, _ = tasks.start_opdracht(
            rapportage=rapportage, soort=Opdracht.Soort.PUBLICEREN, user=staff, nummer=1
        )
    publiceer_rapportage(rapportage=rapportage, user=staff)  # from the command line, meanwhile
    Traject.objects.update(bevroren_tot=None)

    assert tasks.voer_opdracht_uit.call(opdracht.pk, 1) == "mislukt"

    opdracht.refresh_from_db()
    assert opdracht.status == "mislukt"
    assert "Intussen is editie 1 al gepubliceerd." in opdracht.fout
    assert Editie.objects.count() == 1
    assert Traject.objects.get().bevroren_tot is None


def test_a_failing_render_stores_nothing_and_says_so(
    client, staff, rapportage, afspraken, monkeypatch
):
    def broken(content, *, progress=None, **options):
        progress(fase="opmaak", pagina=1)
        raise RuntimeError("kapot")

    monkeypatch.setattr("rapportages.services.render_report_pdf", broken)
    client.force_login(staff)

    response = client.post(publish_url(rapportage), {"bevestig": "on", "nummer": "1"})

    page = client.get(response["Location"]).text
    assert "Publiceren is mislukt: Er ging iets mis" in page
    assert not Editie.objects.exists()
    assert Traject.objects.get().bevroren_tot is None
    concept = client.get(rapportage.get_concept_url()).text
    assert "Publiceren van editie 1 is mislukt" in concept
    assert "Publiceren als editie 1" in concept  # and may be tried again


def test_running_a_job_again_publishes_nothing_twice(staff, rapportage, afspraken):
    opdracht, _ = tasks.start_opdracht(
        rapportage=rapportage, soort=Opdracht.Soort.PUBLICEREN, user=staff, nummer=1
    )
    opdracht.refresh_from_db()
    assert (opdracht.status, opdracht.editie.nummer) == ("klaar", 1)
    # As if the worker stopped after the commit but before it said so, and a second attempt
    # ran: it finds the edition the job made.
    Opdracht.objects.update(status="bezig", poging=2)

    assert tasks.voer_opdracht_uit.call(opdracht.pk, 2) == "klaar"
    # A late run of the first attempt does nothing at all.
    assert tasks.voer_opdracht_uit.call(opdracht.pk, 1) == "overgeslagen"

    assert list(Editie.objects.values_list("nummer", flat=True)) == [1]
    assert Opdracht.objects.get().status == "klaar"


def test_a_silent_job_is_tried_again_and_at_most_three_times(staff, rapportage, afspraken):
    with override_settings(TASKS=NOWHERE):
        opdracht, _ = tasks.start_opdracht(
            rapportage=rapportage, soort=Opdracht.Soort.PUBLICEREN, user=staff, nummer=1
        )
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS + 1)
    Opdracht.objects.update(status="bezig", hartslag=timezone.now())
    assert tasks.herstel_opdrachten() == 0  # alive

    Opdracht.objects.update(hartslag=long_ago)
    assert tasks.herstel_opdrachten() == 1  # the immediate backend runs the next attempt
    opdracht.refresh_from_db()
    assert (opdracht.status, opdracht.poging, opdracht.editie.nummer) == ("klaar", 2, 1)

    Opdracht.objects.update(status="bezig", hartslag=long_ago, poging=tasks.MAX_POGINGEN)
    assert tasks.herstel_opdrachten() == 0
    opdracht.refresh_from_db()
    assert opdracht.status == "mislukt"
    assert "3 keer afgebroken" in opdracht.fout


def test_concept_pdfs_are_removed_after_their_time(staff, rapportage, afspraken):
    opdracht, _ = tasks.start_opdracht(
        rapportage=rapportage, soort=Opdracht.Soort.CONCEPT_PDF, user=staff
    )
    opdracht.refresh_from_db()
    assert bytes(opdracht.pdf).startswith(b"%PDF-")
    tasks.herstel_opdrachten()
    assert Opdracht.objects.exists()

    Opdracht.objects.update(klaar_op=timezone.now() - datetime.timedelta(hours=2))
    tasks.herstel_opdrachten()
    assert not Opdracht.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "alice"])
def test_jobs_are_for_editors_only(client, request, who, staff, rapportage, afspraken):
    opdracht, _ = tasks.start_opdracht(
        rapportage=rapportage, soort=Opdracht.Soort.CONCEPT_PDF, user=staff
    )
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    pdf_url = reverse(
        "rapportages:opdracht_pdf", kwargs={"pk": rapportage.pk, "opdracht": opdracht.pk}
    )
    for url in [job_url(opdracht), pdf_url]:
        assert client.get(url).status_code == 404
    assert client.post(reverse("rapportages:concept_pdf", args=[rapportage.pk])).status_code == 404


# The real worker, as a process against the test database.


def worker_environment() -> dict:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        url = f"postgres://{db['USER']}@{host}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": url,
        "SECRET_KEY": "tests-only-not-secret",
        "DEBUG": "0",
        "TASK_LEASE_SECONDS": "1",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }


class Worker:
    """`manage.py task_worker` in a process of its own; its output line by line."""

    def __init__(self, *options):
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "task_worker", "--no-startup-delay", "--no-reload"]
            + ["--interval", "0.1", *options],
            cwd=ROOT,
            env=worker_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines = queue.Queue()
        self.output = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.process.stdout.close()

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.05)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.output.append(line)
            if text in line:
                return
        self.kill()
        pytest.fail(f"De worker schreef geen {text!r}:\n{''.join(self.output)}")

    def finish(self, timeout: float = 60) -> int:
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.kill()
            time.sleep(0.1)  # the last lines
            while not self.lines.empty():
                self.output.append(self.lines.get())

    def __str__(self):
        return "".join(self.output)

    def kill(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def larger_report(rapportage, afspraken):
    """Enough pages that the worker is still laying them out when it is killed."""
    for nummer in range(4, 40):
        afspraak = VerbeterafspraakFactory(
            traject=afspraken[0].traject, thema=afspraken[0].thema, nummer=nummer
        )
        VoortgangsupdateFactory(
            verbeterafspraak=afspraak,
            peildatum=datetime.date(2022, 10, 1),
            tekst="Een alinea over wat er dit jaar gebeurde. " * 40,
        )
    return rapportage


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_QUEUE)
def test_killing_the_worker_halfway_leaves_nothing_and_a_restart_publishes_once(
    staff, larger_report
):
    opdracht, _ = tasks.start_opdracht(
        rapportage=larger_report, soort=Opdracht.Soort.PUBLICEREN, user=staff, nummer=1
    )
    worker = Worker()
    worker.wait_for("pagina-opmaak")  # inside the publishing transaction, laying out pages
    worker.kill()

    assert not Editie.objects.exists()
    assert Traject.objects.get().bevroren_tot is None  # the freeze was rolled back too
    opdracht.refresh_from_db()
    assert (opdracht.status, opdracht.poging) == ("bezig", 1)
    first_task = opdracht.taak_id

    # Its sign of life goes silent; a restarted worker takes the job up again, and stops when
    # the queue is empty.
    time.sleep(1.2)
    restarted = Worker("--batch")
    assert restarted.finish() == 0, restarted
    assert Editie.objects.count() == 1, f"{worker}\n{restarted}"
    editie = Editie.objects.get()
    assert (editie.nummer, editie.published_by) == (1, staff)
    assert editie.is_intact()
    assert bytes(editie.pdf).startswith(b"%PDF-")
    assert Traject.objects.get().bevroren_tot == larger_report.peildatum
    opdracht.refresh_from_db()
    assert (opdracht.status, opdracht.poging, opdracht.editie) == ("klaar", 2, editie)
    assert opdracht.taak_id != first_task
    statuses = dict(DBTaskResult.objects.values_list("id", "status"))
    assert sorted(statuses.values()) == ["FAILED", "SUCCESSFUL"]
