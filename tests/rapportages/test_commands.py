import io

import pytest
from django.core.management import CommandError, call_command

from afspraken.models import Verbeterafspraak, Voortgangsupdate


def test_benchmark_builds_the_report_on_a_generated_data_set(db):
    out = io.StringIO()

    call_command(
        "rapportage_benchmark",
        "--trajecten=2",
        "--afspraken=3",
        "--updates=4",
        "--zonder-pdf",
        stdout=out,
    )

    assert Verbeterafspraak.objects.count() == 6
    assert Voortgangsupdate.objects.count() == 24
    assert "Inhoud opbouwen:" in out.getvalue()
    assert "Met indicatoren" in out.getvalue()
    assert "9 queries" in out.getvalue()  # with indicators: two more
    assert "ms per grafiek" in out.getvalue()


def test_benchmark_refuses_a_database_with_real_trajectories(dvt):
    with pytest.raises(CommandError, match="wegwerpdatabase"):
        call_command("rapportage_benchmark", "--zonder-pdf", stdout=io.StringIO())


def test_publish_command_publishes_a_new_edition(rapportage, afspraken, staff):
    out = io.StringIO()

    call_command(
        "publiceer_rapportage",
        "2022",
        "--traject=diepe-veneuze-trombose-en-longembolie",
        "--gebruiker=redactie",
        stdout=out,
    )

    editie = rapportage.edities.get()
    assert (editie.nummer, editie.published_by) == (1, staff)
    assert "/rapportages/diepe-veneuze-trombose-en-longembolie/2022/" in out.getvalue()


def test_publish_command_needs_an_editor(rapportage, alice):
    with pytest.raises(CommandError, match="geen redacteur"):
        call_command("publiceer_rapportage", "2022", "--traject=x", "--gebruiker=alice")
