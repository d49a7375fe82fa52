"""Time the implementation-wide report on a large data set: HTML and PDF, with query counts,
without and with indicators, and the time per chart; the PDF with its peak memory, laid out in
one go, in parts, and by WeasyPrint alone.

Run it against a throwaway database, never the demo or production one:

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py rapportage_benchmark
"""

import datetime
import io
import json
import os
import random
import resource
import statistics
import time
import traceback

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from afspraken.evaluatie import beoordeel_alle
from afspraken.markup import render_markdown
from afspraken.models import (
    Indicator,
    Meting,
    Partij,
    Status,
    Verbeterafspraak,
    Voortgangsupdate,
)
from rapportages import rendering
from rapportages.charts import chart_data_uri
from rapportages.content import build_content
from rapportages.models import Rapportage
from rapportages.rendering import render_html, render_pdf, render_pdf_in_parts
from trajecten.models import Faseperiode, Thema, Traject

PREFIX = "benchmark-"
YEAR = 2024
PEILDATUM = datetime.date(YEAR, 11, 1)
TEXT = (
    "De werkgroep heeft de conceptmodule besproken met de betrokken verenigingen en "
    "patiëntenvertegenwoordigers. Het commentaar wordt verwerkt; daarna volgt de autorisatie "
    "door de besturen en de implementatie in de regio's."
)

DELAY_TEXT = "Er is vertraging door capaciteitsgebrek."


class Command(BaseCommand):
    help = (
        "Maakt een grote testset (standaard 100 trajecten, 3.000 verbeterafspraken, 30.000 "
        "voortgangsupdates, 6.000 indicatoren met elk 6 metingen) en meet de tijd en het aantal "
        "queries voor de HTML en de PDF van de implementatiebrede rapportage, zonder en met "
        "indicatoren, en de tijd per grafiek. Alleen voor een wegwerpdatabase."
    )

    def add_arguments(self, parser):
        parser.add_argument("--trajecten", type=int, default=100)
        parser.add_argument("--afspraken", type=int, default=30, help="per traject")
        parser.add_argument("--updates", type=int, default=10, help="per afspraak")
        parser.add_argument("--indicatoren", type=int, default=2, help="per afspraak")
        parser.add_argument("--zonder-pdf", action="store_true", help="alleen de HTML meten")
        parser.add_argument(
            "--pdf",
            default="heel,delen,weasyprint",
            help="welke PDF's meten: heel (in één keer), delen (in delen), weasyprint "
            "(WeasyPrint alleen); standaard alle drie",
        )
        parser.add_argument(
            "--schalen",
            default="1",
            help="meet bij deze veelvouden van de testset, oplopend, bijvoorbeeld 1,3,10 "
            "(de testset groeit in dezelfde database)",
        )

    def handle(self, *args, **options):
        real = Traject.objects.exclude(slug__startswith=PREFIX)
        if real.exists():
            raise CommandError(
                "Deze database bevat echte trajecten. Draai de benchmark op een lege "
                "wegwerpdatabase, bijvoorbeeld DATABASE_URL=sqlite:////tmp/bench.sqlite3."
            )
        try:
            scales = sorted({int(scale) for scale in options["schalen"].split(",")})
        except ValueError:
            raise CommandError("Geef --schalen als gehele getallen, bijvoorbeeld 1,3,10.") from None
        rapportage, _ = Rapportage.objects.get_or_create(
            soort=Rapportage.Soort.IMPLEMENTATIE,
            jaar=YEAR,
            defaults={
                "titel": f"Voortgangsrapportage implementatiefase {YEAR} (benchmark)",
                "peildatum": PEILDATUM,
                "inleiding": "Benchmark.",
                "vervolg": "Benchmark.",
            },
        )
        summary = []
        for scale in scales:
            self._grow_to(scale * options["trajecten"], options)
            self.stdout.write(
                f"\nSchaal {scale}×: {Traject.objects.count()} trajecten, "
                f"{Verbeterafspraak.objects.count()} verbeterafspraken, "
                f"{Voortgangsupdate.objects.count()} voortgangsupdates, "
                f"{Indicator.objects.count()} indicatoren, {Meting.objects.count()} metingen."
            )
            summary.append((scale, *self._report(rapportage, options)))
        self._time_charts()
        if len(summary) > 1:
            self.stdout.write("\nschaal | opbouwen | HTML | ruwe fetch | (opbouwen + HTML) ÷ ruwe")
            for scale, build_s, render_s, raw_s in summary:
                self.stdout.write(
                    f"{scale:>5}× | {build_s:.2f} s | {render_s:.2f} s | {raw_s:.2f} s | "
                    f"{(build_s + render_s) / raw_s:.1f}×"
                )

    def _grow_to(self, traject_count, options):
        """Add benchmark trajectories, with agreements, updates and indicators, up to the count."""
        have = Traject.objects.count()
        if have >= traject_count:
            return
        started = time.perf_counter()
        self._create_data_set(
            traject_count - have, options["afspraken"], options["updates"], start=have
        )
        new = Verbeterafspraak.objects.filter(indicatoren__isnull=True)
        _create_indicators_for(new, options["indicatoren"], random.Random(have))
        self.stdout.write(f"Testset aangevuld in {time.perf_counter() - started:.1f} s.")

    def _report(self, rapportage, options, runs=3):
        """Build and HTML against the raw fetch of the same rows, side by side, median of runs.

        The raw fetch runs the very queries the build ran (as the database received them) on a
        plain cursor and fetches every row: what the database and driver cost, without Django's
        or our Python. Their ratio is the price of everything else.
        """
        # The statements, captured once: capturing writes out every statement with its
        # parameters, which would count in the build's time.
        with CaptureQueriesContext(connection) as queries:
            render_html(build_content(rapportage))  # also compiles the template
        statements = [query["sql"] for query in queries]
        build, render, raw = [], [], []
        for _ in range(runs):
            started = time.perf_counter()
            content = build_content(rapportage)
            build.append(time.perf_counter() - started)
            started = time.perf_counter()
            html = render_html(content)
            render.append(time.perf_counter() - started)
            raw.append(_raw_fetch(statements))
        build_s, render_s, raw_s = (statistics.median(t) for t in (build, render, raw))
        self.stdout.write(f"Inhoud opbouwen: {build_s:.2f} s, {len(queries)} queries")
        self.stdout.write(f"HTML renderen: {render_s:.2f} s")
        self.stdout.write(f"Ruwe fetch van dezelfde rijen: {raw_s:.2f} s")
        self.stdout.write(
            f"  opbouwen + HTML = {build_s + render_s:.2f} s = "
            f"{(build_s + render_s) / raw_s:.1f}× de ruwe fetch (mediaan van {runs})"
        )
        self.stdout.write(f"  HTML: {len(html.encode()) / 1e6:.1f} MB")
        if not options["zonder_pdf"]:
            self._measure_pdfs(content, html, options["pdf"].split(","))
        return build_s, render_s, raw_s

    def _measure_pdfs(self, content, html, ways):
        """The PDF three ways, each in a process of its own so that its peak memory is its own:
        in one go (`render_pdf`), in parts (`render_pdf_in_parts`, what a worker does for a
        large implementation-wide report), and by WeasyPrint alone on the same HTML, as shipped
        (without our pydyf cache), for reference."""
        self.stdout.write(
            f"PDF, elk in een eigen proces dat begint met de inhoud en de HTML in het geheugen "
            f"({_rss_mb():.0f} MB):"
        )
        whole = parts = alone = None
        if "heel" in ways:
            whole = self._in_child("in één keer", lambda: render_pdf(html))
        if "delen" in ways:
            parts = self._in_child("in delen", lambda: render_pdf_in_parts(content))
        if "weasyprint" in ways:
            alone = self._in_child("WeasyPrint alleen", lambda: _weasyprint_alone(html))
        if parts and whole:
            self.stdout.write(
                f"  in delen: {parts[0] / whole[0]:.2f}× de tijd en {parts[1] / whole[1]:.2f}× "
                "het piekgeheugen van in één keer"
            )
        if parts and alone:
            self.stdout.write(
                f"  in delen: {parts[0] / alone[0]:.2f}× de tijd en {parts[1] / alone[1]:.2f}× "
                "het piekgeheugen van WeasyPrint alleen"
            )

    def _in_child(self, label, func):
        """(seconds, peak MB) of func() in a forked process, which starts with this one's memory,
        as a worker has the content and HTML when it lays out the PDF."""
        connection.close()  # the child must not share the database connection
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover (the child)
            status = 1
            try:
                os.close(read)
                started = time.perf_counter()
                pdf = func()
                elapsed = time.perf_counter() - started
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                os.write(write, json.dumps([elapsed, peak, len(pdf), _pages(pdf)]).encode())
                status = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(status)
        os.close(write)
        with os.fdopen(read) as result:
            answer = result.read()
        os.waitpid(pid, 0)
        if not answer:
            self.stdout.write(f"  {label}: mislukt")
            return None
        elapsed, peak, size, pages = json.loads(answer)
        self.stdout.write(
            f"  {label}: {elapsed:.1f} s, piekgeheugen {peak:,.0f} MB, "
            f"{size / 1e6:.1f} MB, {pages} pagina's"
        )
        return elapsed, peak

    def _time_charts(self, count=200):
        """A trajectory report draws a chart per indicator; the time of one."""
        beoordelingen = beoordeel_alle(Indicator.objects.all()[:count], PEILDATUM)
        if not beoordelingen:
            return
        started = time.perf_counter()
        for beoordeling in beoordelingen:
            chart_data_uri(beoordeling)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Grafieken: {elapsed / len(beoordelingen) * 1000:.1f} ms per grafiek "
            f"({len(beoordelingen)} gemeten)"
        )

    @transaction.atomic
    def _create_data_set(self, traject_count, per_traject, per_afspraak, start=0):
        """Trajectories number `start` to `start + traject_count`, the same on every run."""
        rng = random.Random(4 + start)
        partijen = list(Partij.objects.filter(naam__startswith="Benchmarkpartij"))
        if not partijen:
            partijen = Partij.objects.bulk_create(
                Partij(
                    naam=f"Benchmarkpartij {n}",
                    afkorting=f"BP{n}",
                    soort=Partij.Soort.WETENSCHAPPELIJKE_VERENIGING,
                )
                for n in range(20)
            )
        trajecten = Traject.objects.bulk_create(
            Traject(
                naam=f"Benchmarktraject {n:04}",
                slug=f"{PREFIX}{n:04}",
                domein="Hart, vaat en long",
                signalementdatum=datetime.date(2022, 1, 1),
            )
            for n in range(start, start + traject_count)
        )
        Faseperiode.objects.bulk_create(
            Faseperiode(
                traject=traject,
                fase=Faseperiode.Fase.IMPLEMENTATIE,
                startdatum=datetime.date(2022, 1, 1),
            )
            for traject in trajecten
        )
        themas = Thema.objects.bulk_create(
            Thema(traject=traject, naam=f"Thema {n}", volgorde=n)
            for traject in trajecten
            for n in range(1, 4)
        )
        themas_by_traject = {}
        for thema in themas:
            themas_by_traject.setdefault(thema.traject_id, []).append(thema)
        afspraken = Verbeterafspraak.objects.bulk_create(
            Verbeterafspraak(
                traject=traject,
                thema=themas_by_traject[traject.pk][nummer % 3],
                nummer=nummer,
                titel=f"Voorkom onnodige zorg, onderdeel {nummer}",
                regiehouder=rng.choice(partijen),
                streefjaar=rng.choice([2024, 2025, 2026]),
            )
            for traject in trajecten
            for nummer in range(1, per_traject + 1)
        )
        Through = Verbeterafspraak.betrokken_partijen.through
        Through.objects.bulk_create(
            Through(verbeterafspraak=afspraak, partij=partij)
            for afspraak in afspraken
            for partij in rng.sample(partijen, 2)
        )
        Rapportage.objects.bulk_create(
            Rapportage(
                traject=traject,
                jaar=YEAR - 1,
                titel=f"Voortgangsrapportage {traject.naam} {YEAR - 1}",
                peildatum=datetime.date(YEAR - 1, 11, 1),
            )
            for traject in trajecten
        )
        updates = []
        # bulk_create skips `Voortgangsupdate.save()`, which renders the texts; so here, once.
        html = {text: render_markdown(text) for text in (TEXT, DELAY_TEXT, "")}
        for afspraak in afspraken:
            for index in range(per_afspraak):
                status = rng.choice(Status.values)
                toelichting = (
                    DELAY_TEXT
                    if status
                    in (
                        Status.VERTRAAGD,
                        Status.GESTOPT,
                    )
                    else ""
                )
                updates.append(
                    Voortgangsupdate(
                        verbeterafspraak=afspraak,
                        # Spread over two years, so that both reports have something to compare.
                        peildatum=datetime.date(YEAR - 1, 1, 1)
                        + datetime.timedelta(days=index * 640 // per_afspraak),
                        status=status,
                        tekst=TEXT,
                        tekst_html=html[TEXT],
                        toelichting=toelichting,
                        toelichting_html=html[toelichting],
                        verwachte_datum=datetime.date(2026, 12, 31)
                        if status == Status.VERTRAAGD
                        else None,
                        partij=afspraak.regiehouder,
                    )
                )
        Voortgangsupdate.objects.bulk_create(updates, batch_size=2000)
        # bulk_create skips the pointer to each agreement's newest update too.
        Verbeterafspraak.objects.refresh_laatste_update()


@transaction.atomic
def _create_indicators_for(afspraken, per_afspraak, rng):
    partijen = list(Partij.objects.filter(naam__startswith="Benchmarkpartij"))
    indicatoren = Indicator.objects.bulk_create(
        Indicator(
            traject_id=afspraak.traject_id,
            verbeterafspraak=afspraak,
            naam=f"Indicator {n} van afspraak {afspraak.nummer}",
            definitie="Patiënten die passende zorg kregen, als deel van alle patiënten.",
            eenheid=Indicator.Eenheid.PERCENTAGE,
            richting=Indicator.Richting.HOGER,
            basisjaar=YEAR - 6,
            basiswaarde=rng.randint(20, 50),
            streefjaar=YEAR,
            streefwaarde=rng.randint(55, 90),
            bron="Declaratiedata (Vektis)",
            leverancier=rng.choice(partijen),
            volgorde=n,
        )
        for afspraak in afspraken
        for n in range(1, per_afspraak + 1)
    )
    # New rows only: a measurement is never changed, but may be added in bulk.
    Meting.objects.bulk_create(
        (
            Meting(
                indicator=indicator,
                jaar=jaar,
                waarde=indicator.basiswaarde + rng.randint(0, 6) * (jaar - indicator.basisjaar),
                peildatum=datetime.date(jaar + 1, 3, 1),
            )
            for indicator in indicatoren
            for jaar in range(YEAR - 6, YEAR)
        ),
        batch_size=2000,
    )


def _raw_fetch(statements: list[str]) -> float:
    """Seconds to run the statements on a plain cursor and fetch all their rows."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()
    return time.perf_counter() - started


def _weasyprint_alone(html: str) -> bytes:
    """The PDF of the HTML by WeasyPrint as it ships: one call, pydyf without our cache."""
    from weasyprint import HTML

    rendering.pydyf.PDF.page_references = rendering._uncached_page_references
    source = HTML(
        string=html, base_url=rendering.portal_url(), url_fetcher=rendering.StaticURLFetcher()
    )
    return source.write_pdf(pdf_variant=rendering.PDF_VARIANT)


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _pages(pdf: bytes) -> str:
    try:
        from pypdf import PdfReader  # a test dependency, so perhaps not installed
    except ImportError:
        return "?"
    return str(len(PdfReader(io.BytesIO(pdf)).pages))
