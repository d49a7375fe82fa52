"""The load benchmark's own parts (`manage.py load_benchmark`); the run itself needs PostgreSQL,
gunicorn and a minute or more, so it is not part of the suite."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal.management.commands.load_benchmark import (
    HOST,
    Result,
    _ensure_editie,
    _pdf_bytes,
    drive,
    get,
)
from rapportages.management.commands.rapportage_benchmark import PREFIX
from rapportages.models import Editie
from tests.factories import RapportageFactory, TrajectFactory


def test_it_refuses_a_database_other_than_postgresql(db, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")  # as it is without DATABASE_URL
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("load_benchmark")


def test_it_refuses_to_measure_with_debug_on(db, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        call_command("load_benchmark")


@pytest.mark.parametrize("schalen", ["1,drie", "0,1", ""])
def test_it_refuses_scales_that_are_not_whole_numbers_from_one(db, monkeypatch, schalen):
    monkeypatch.setattr(connection, "vendor", "postgresql")  # as it must be, to get that far
    with pytest.raises(CommandError, match="--schalen"):
        call_command("load_benchmark", schalen=schalen)


def test_percentiles_are_nearest_rank():
    result = Result([0.001 * n for n in range(100, 0, -1)], errors=2, duration=2.0)
    assert result.requests == 102
    assert result.percentile(0.50) == pytest.approx(0.050)
    assert result.percentile(0.99) == pytest.approx(0.099)
    assert result.line().split() == ["102", "50.0", "50", "99", "2"]


def run_async(main):
    """`asyncio.run(main())` in a thread of its own: the browser tests' Playwright keeps an
    event loop running in this one, where `asyncio.run()` would refuse."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result()


def serve(statuses):
    """A server on HOST that answers each request with the next status; its port and the
    cookies it saw."""
    seen = []

    async def answer(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(next(line for line in head.split(b"\r\n") if line.startswith(b"Cookie:")))
        status = statuses.pop(0) if statuses else 200
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 2\r\n\r\nok".encode())
        await writer.drain()
        writer.close()

    return answer, seen


def test_the_client_counts_answers_and_errors():
    async def run():
        answer, seen = serve([200, 500, 200, 302])
        server = await asyncio.start_server(answer, HOST, 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            assert await get(port, "/x/", "sessionid=a") == 200
            result = await drive(port, "/x/", ["sessionid=a", "sessionid=b"], 0.3)
        return result, seen

    result, seen = run_async(run)
    assert result.errors == 2  # the 500 and the redirect
    assert len(result.latencies) == result.requests - 2 > 2
    assert {b"Cookie: sessionid=a", b"Cookie: sessionid=b"} == set(seen)


def test_a_refused_connection_is_an_error():
    async def run():
        server = await asyncio.start_server(lambda r, w: None, HOST, 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        return await drive(port, "/x/", ["sessionid=a"], 0.1)

    result = run_async(run)
    assert result.errors >= 1
    assert result.latencies == []


def test_the_edition_to_serve_has_the_bytes_of_the_static_file(db):
    traject = TrajectFactory(slug=f"{PREFIX}0000")
    RapportageFactory(traject=traject, jaar=2023)
    pdf = _pdf_bytes(150 * 1024)

    editie = _ensure_editie(pdf)
    again = _ensure_editie(pdf)

    assert len(pdf) == 150 * 1024 and pdf.startswith(b"%PDF-")
    assert again.pk == editie.pk and bytes(Editie.objects.get().pdf) == pdf
    assert Editie.objects.get().is_intact()
    assert editie.get_pdf_url() == f"/rapportages/{PREFIX}0000/2023/editie/1.pdf"
