"""Load benchmark: the party pages and the reports list under concurrent connections.

Against a throwaway PostgreSQL database, never the demo or production one:

    export DATABASE_URL=postgres://localhost/portal_bench SECRET_KEY=benchmark
    python manage.py migrate && python manage.py load_benchmark

It fills the database with the report benchmark's data set (`rapportage_benchmark`: 100
trajectories, 3,000 agreements, 30,000 updates) when it is empty, and gives a member of one
benchmark party a fresh password. Then it prints:

- the server time of one request to `/afspraken/` and to a trajectory page, measured in this
  process with Django's test client (the median of `--keer` requests, after a warm-up), and its
  number of queries;
- for `/afspraken/`, that trajectory page and `/rapportages/`, each in turn: requests per
  second, p50 and p99 of the response time and the number of errors, with `--verbindingen`
  connections kept busy for `--seconden` seconds against gunicorn (`--workers` workers) with
  production settings, `--rondes` times.

Everything it starts listens on and talks to 127.0.0.1 only, and it stops gunicorn when done,
also after an error or Ctrl-C. The load comes from a small asyncio HTTP client below: one request
per connection, as a browser without keep-alive; each connection has a session of its own (the
first logged in through the login page), as so many people of the party would.
"""

import asyncio
import contextlib
import http.client
import math
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings

from afspraken.models import Lidmaatschap, Partij, Verbeterafspraak, Voortgangsupdate
from portal.core import datacache
from rapportages.management.commands.rapportage_benchmark import PREFIX
from rapportages.management.commands.rapportage_benchmark import Command as ReportBenchmark
from rapportages.models import Editie, Rapportage
from trajecten.models import Traject

HOST = "127.0.0.1"  # the only address this command listens on or connects to
MEMBER = "benchmark-lid"
BASE_TRAJECTEN = 100  # the data set at scale 1×: 100 trajectories, 3,000 agreements
MEMBER_PARTIJ = "BP0"  # a party of the benchmark data: regiehouder or betrokken in ~420 agreements
REQUEST_TIMEOUT = 30  # seconds; a request that takes longer counts as an error
WARM_UP_SECONDS = 2  # per page and round, not counted: every worker loads its templates


class Command(BaseCommand):
    help = (
        "Meet de partijpagina's en de rapportagelijst onder last: gunicorn op 127.0.0.1 tegen "
        "een wegwerpdatabase (PostgreSQL) met de benchmarkgegevens, met per pagina req/s, p50, "
        "p99 en fouten, en de servertijd van één verzoek."
    )

    def add_arguments(self, parser):
        parser.add_argument("--verbindingen", type=int, default=32, help="gelijktijdig")
        parser.add_argument("--seconden", type=float, default=20, help="per pagina per ronde")
        parser.add_argument("--rondes", type=int, default=1)
        parser.add_argument("--workers", type=int, default=3, help="gunicorn-workers")
        parser.add_argument(
            "--keer", type=int, default=50, help="verzoeken voor de servertijd van één verzoek"
        )
        parser.add_argument(
            "--alleen-servertijd", action="store_true", help="zonder gunicorn en last"
        )
        parser.add_argument(
            "--zonder-cache",
            action="store_true",
            help="gunicorn bewaart geen pagina-onderdelen (FRAGMENT_CACHE=0): elk verzoek "
            "rendert, zoals het eerste na een wijziging",
        )
        parser.add_argument(
            "--schalen",
            default="1",
            help="meet bij deze veelvouden van de testset (100 trajecten), oplopend, "
            "bijvoorbeeld 1,3,10; de testset groeit in dezelfde database",
        )
        parser.add_argument(
            "--editie-kb",
            type=int,
            default=150,
            help="grootte van de PDF van de editie en van het statische bestand om mee te "
            "vergelijken",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "De lastmeting draait op PostgreSQL, zoals productie: zet DATABASE_URL op een "
                "lege wegwerpdatabase, bijvoorbeeld postgres://localhost/portal_bench."
            )
        if settings.DEBUG:
            raise CommandError("Meet met productie-instellingen: zet DEBUG uit.")
        if Traject.objects.exclude(slug__startswith=PREFIX).exists():
            raise CommandError(
                "Deze database bevat echte trajecten. Draai de lastmeting op een lege "
                "wegwerpdatabase."
            )
        try:
            scales = sorted({int(scale) for scale in options["schalen"].split(",")})
        except ValueError:
            raise CommandError("Geef --schalen als gehele getallen, bijvoorbeeld 1,3,10.") from None
        if not scales or scales[0] < 1:
            raise CommandError("Geef --schalen als gehele getallen vanaf 1, bijvoorbeeld 1,3,10.")
        for scale in scales:
            if len(scales) > 1:
                self.stdout.write(f"\n=== Schaal {scale}× ===")
            self._ensure_data(scale * BASE_TRAJECTEN)
            self._measure(options)

    def _measure(self, options):
        password = secrets.token_urlsafe(16)
        member = self._ensure_member(password)
        traject = Traject.objects.order_by("slug").first()
        pages = ["/afspraken/", traject.get_absolute_url(), "/rapportages/"]
        pdf = _pdf_bytes(options["editie_kb"] * 1024)
        editie = _ensure_editie(pdf)
        with tempfile.TemporaryDirectory(prefix="portal-load-benchmark-") as tmp:
            static_root = Path(tmp) / "static"
            self.stdout.write("Statische bestanden verzamelen (productie-opslag met manifest)…")
            with override_settings(STATIC_ROOT=static_root):
                call_command("collectstatic", interactive=False, verbosity=0)
                self._server_time(member, pages[:2], options["keer"])
            # The same bytes as a static file, for whitenoise to serve beside the edition.
            (static_root / "benchmark").mkdir()
            (static_root / "benchmark" / "editie.pdf").write_bytes(pdf)
            self.editie_pages = [editie.get_pdf_url(), f"{settings.STATIC_URL}benchmark/editie.pdf"]
            if not options["alleen_servertijd"]:
                self._load(
                    member, pages, password, static_root, Path(tmp) / "gunicorn.log", options
                )

    def _ensure_data(self, traject_count):
        """The report benchmark's data set, grown to `traject_count` trajectories."""
        have = Traject.objects.count()
        if have < traject_count:
            self.stdout.write("Benchmarkgegevens maken (rapportage_benchmark)…")
            started = time.perf_counter()
            ReportBenchmark()._create_data_set(traject_count - have, 30, 10, start=have)
            # Statistics and visibility maps for the new rows now, not by autovacuum while the
            # pages are measured (it took a good part of a core at 3× and 10×).
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            self.stdout.write(f"  gemaakt in {time.perf_counter() - started:.1f} s")
        self.stdout.write(
            f"{Traject.objects.count()} trajecten, {Verbeterafspraak.objects.count()} "
            f"verbeterafspraken, {Voortgangsupdate.objects.count()} voortgangsupdates; "
            f"{os.cpu_count()} processorkernen."
        )

    def _ensure_member(self, password):
        """A member of one benchmark party (not staff: no second factor), with a new password."""
        partij = Partij.objects.filter(afkorting=MEMBER_PARTIJ).first()
        if partij is None:
            raise CommandError(f"Partij {MEMBER_PARTIJ} van de benchmarkgegevens ontbreekt.")
        member, _ = get_user_model().objects.get_or_create(username=MEMBER)
        member.set_password(password)
        member.save()
        Lidmaatschap.objects.get_or_create(user=member, partij=partij)
        count = Verbeterafspraak.objects.for_user(member).count()
        self.stdout.write(f"Ingelogd als {MEMBER}, lid van {partij}: ziet {count} afspraken.")
        return member

    def _server_time(self, member, pages, times):
        """The server time of one request, in this process: the median of `times` requests."""
        self.stdout.write(
            f"\nServertijd van één verzoek (in dit proces, mediaan van {times}, na 5 om op te "
            "warmen); 'bewaard': de partijpagina uit de cache (portal/core/datacache.py), "
            "'na wijziging': opnieuw gerenderd, zoals het eerste verzoek na een wijziging:"
        )
        with override_settings(ALLOWED_HOSTS=[HOST]):
            client = Client(HTTP_HOST=HOST)
            client.force_login(member)
            for page in pages:
                for _ in range(5):
                    _check(client.get(page, secure=True), page)
                queries = QueryCounter()  # Django empties its own log at each request
                with connection.execute_wrapper(queries):
                    _check(client.get(page, secure=True), page)

                def request(page=page):
                    client.get(page, secure=True)

                kept = _timed(request, times)
                rendered = _timed(request, times, before=_forget)
                self.stdout.write(
                    f"  {page:32} bewaard {statistics.median(kept) * 1000:6.1f} ms "
                    f"(min {min(kept) * 1000:.1f} ms, {queries.count} queries); "
                    f"na wijziging {statistics.median(rendered) * 1000:6.1f} ms "
                    f"(min {min(rendered) * 1000:.1f} ms)"
                )

    def _load(self, member, pages, password, static_root, log_path, options):
        port = _free_port()
        env = {
            **os.environ,
            "DEBUG": "0",
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "0",  # plain HTTP on the loopback, no TLS terminator here
            "STATIC_ROOT": str(static_root),
            "LOG_LEVEL": "WARNING",
            "FRAGMENT_CACHE": "0" if options["zonder_cache"] else "1",
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(options["workers"]),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        with open(log_path, "wb") as log:
            server = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                _wait_until_up(server, port, log_path)
                # One session per connection, as for so many people of the party: the first by
                # logging in through the login page, the others the way the tests log in.
                cookies = [_log_in(port, MEMBER, password)] + [
                    _session_cookie(member) for _ in range(options["verbindingen"] - 1)
                ]
                self.stdout.write(
                    f"\nLast: gunicorn met {options['workers']} workers op {HOST}:{port}, "
                    f"{options['verbindingen']} verbindingen, {options['seconden']:g} s per "
                    f"pagina, {options['rondes']} ronde(s), "
                    + (
                        "zonder cache van pagina-onderdelen (elk verzoek rendert):"
                        if options["zonder_cache"]
                        else "met de cache van pagina-onderdelen:"
                    )
                )
                self.stdout.write(
                    f"  {'pagina':32} {'ronde':>5} {'verzoeken':>9} {'req/s':>7} "
                    f"{'p50 ms':>7} {'p99 ms':>7} {'fouten':>6}"
                )
                for ronde in range(1, options["rondes"] + 1):
                    for page in pages:
                        asyncio.run(drive(port, page, cookies, WARM_UP_SECONDS))
                        result = asyncio.run(drive(port, page, cookies, options["seconden"]))
                        self.stdout.write(f"  {page:32} {ronde:>5} {result.line()}")
                self._editions(port, options)
            finally:
                _stop(server)

    def _editions(self, port, options):
        """A stored edition's PDF against whitenoise serving the same bytes as a static file,
        side by side in each round, for anonymous visitors; and the 304 of a repeated request."""
        edition, static = self.editie_pages
        anonymous = [""] * options["verbindingen"]
        self.stdout.write(
            f"\nEen editie als PDF ({options['editie_kb']} kB) tegenover hetzelfde bestand "
            "als statisch bestand (whitenoise), anoniem:"
        )
        for ronde in range(1, options["rondes"] + 1):
            results = {}
            for path in (edition, static):
                asyncio.run(drive(port, path, anonymous, WARM_UP_SECONDS))
                results[path] = asyncio.run(drive(port, path, anonymous, options["seconden"]))
                self.stdout.write(f"  {path:48} {ronde:>5} {results[path].line()}")
            ratio = results[edition].rate / results[static].rate
            self.stdout.write(f"  editie ÷ statisch bestand: {ratio:.2f}× (ronde {ronde})")
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request("GET", edition)
            first = conn.getresponse()
            first.read()
            conn.request("GET", edition, headers={"If-None-Match": first.getheader("ETag")})
            again = conn.getresponse()
            again.read()
        finally:
            conn.close()
        self.stdout.write(
            f"  herhaald verzoek met If-None-Match: {again.status} "
            f"(Cache-Control: {first.getheader('Cache-Control')})"
        )


def _timed(request, times: int, *, before=None) -> list[float]:
    """The time of each of `times` calls of `request`, `before()` run ahead of each, untimed."""
    elapsed = []
    for _ in range(times):
        if before is not None:
            before()
        started = time.perf_counter()
        request()
        elapsed.append(time.perf_counter() - started)
    return elapsed


def _forget():
    """As after a change of data: nothing kept (the next request renders and keeps anew)."""
    caches[datacache.CACHE].clear()


def _pdf_bytes(size: int) -> bytes:
    """Stand-in bytes of a PDF of `size` bytes: serving does not look inside."""
    head = b"%PDF-1.7\n% benchmark\n"
    return head + bytes(index % 251 for index in range(size - len(head)))


def _ensure_editie(pdf: bytes) -> Editie:
    """An edition of the first benchmark trajectory's report with these bytes as its PDF."""
    rapportage = (
        Rapportage.objects.filter(soort=Rapportage.Soort.TRAJECT, traject__slug__startswith=PREFIX)
        .select_related("traject")
        .order_by("traject__slug", "jaar")
        .first()
    )
    if rapportage is None:
        raise CommandError("De benchmarkgegevens hebben geen trajectrapportage.")
    html = f"<h1>{rapportage.titel}</h1>"
    editie, _ = Editie.objects.update_or_create(
        rapportage=rapportage,
        nummer=1,
        defaults={
            "titel": rapportage.titel,
            "peildatum": rapportage.peildatum,
            "html": html,
            "pdf": pdf,
            "html_sha256": Editie.checksum(html),
            "pdf_sha256": Editie.checksum(pdf),
        },
    )
    editie.rapportage = rapportage
    return editie


class QueryCounter:
    count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class Result:
    def __init__(self, latencies: list[float], errors: int, duration: float):
        self.latencies = sorted(latencies)
        self.errors = errors
        self.duration = duration

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    def percentile(self, share: float) -> float:
        """Nearest rank: the smallest latency that `share` of the requests do not exceed."""
        if not self.latencies:
            return math.nan
        rank = max(1, math.ceil(share * len(self.latencies)))
        return self.latencies[rank - 1]

    @property
    def rate(self) -> float:
        """Answered requests per second."""
        return len(self.latencies) / self.duration if self.duration else 0.0

    def line(self) -> str:
        return (
            f"{self.requests:>9} {self.rate:>7.1f} {self.percentile(0.50) * 1000:>7.0f} "
            f"{self.percentile(0.99) * 1000:>7.0f} {self.errors:>6}"
        )


async def drive(port: int, path: str, cookies: list[str], seconds: float) -> Result:
    """A loop per session cookie, each sending one request after another on a connection of its
    own until `seconds` have passed.

    A response other than 200, a failed connection or a request over REQUEST_TIMEOUT is an
    error. Requests under way at the deadline are finished and counted.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    latencies, errors = [], []

    async def one_connection(cookie):
        while loop.time() < deadline:
            started = time.perf_counter()
            try:
                status = await asyncio.wait_for(get(port, path, cookie), REQUEST_TIMEOUT)
            except (OSError, TimeoutError, ValueError):
                status = None
            if status == 200:
                latencies.append(time.perf_counter() - started)
            else:
                errors.append(status)

    started = time.perf_counter()
    await asyncio.gather(*(one_connection(cookie) for cookie in cookies))
    return Result(latencies, len(errors), time.perf_counter() - started)


async def get(port: int, path: str, cookie: str) -> int:
    """One GET on a new connection to HOST, read to the end; its status code."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nCookie: {cookie}\r\n"
            "Connection: close\r\n\r\n".encode("ascii")
        )
        await writer.drain()
        response = await reader.read()  # to the end: the server closes the connection
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    status_line = response.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise ValueError("geen HTTP-antwoord")
    return int(status_line[1])


def _log_in(port: int, username: str, password: str) -> str:
    """Log in through the login page, as a browser would; the Cookie header for the session."""
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", "/accounts/login/")
        response = conn.getresponse()
        page = response.read().decode()
        cookies = _cookies(response)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if response.status != 200 or token is None or "csrftoken" not in cookies:
            raise CommandError(f"De inlogpagina gaf {response.status} zonder CSRF-token.")
        body = urlencode(
            {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
        ).encode()
        conn.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookies['csrftoken']}",
            },
        )
        response = conn.getresponse()
        response.read()
        cookies = _cookies(response)
        if response.status != 302 or settings.SESSION_COOKIE_NAME not in cookies:
            raise CommandError(f"Inloggen als {username} mislukte ({response.status}).")
        return f"{settings.SESSION_COOKIE_NAME}={cookies[settings.SESSION_COOKIE_NAME]}"
    finally:
        conn.close()


def _session_cookie(member) -> str:
    client = Client()
    client.force_login(member)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _cookies(response) -> dict[str, str]:
    cookies = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    return cookies


def _check(response, page):
    if response.status_code != 200:
        raise CommandError(f"{page} gaf {response.status_code} in plaats van 200.")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_until_up(server, port, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError(f"gunicorn stopte meteen:\n{_tail(log_path)}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.2)
    raise CommandError(f"gunicorn kwam niet op binnen {timeout} s:\n{_tail(log_path)}")


def _stop(server):
    if server.poll() is None:
        server.terminate()  # gunicorn stops its workers gracefully on SIGTERM
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _tail(path, lines=30) -> str:
    return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
