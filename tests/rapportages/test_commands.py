import io
import re

import pytest
from django.core.management import CommandError, call_command

from afspraken.models import Indicator, Verbeterafspraak, Voortgangsupdate


def test_benchmark_builds_the_report_on_a_generated_data_set_that_grows(db):
    out = io.StringIO()

    call_command(
        "rapportage_benchmark",
        "--trajecten=2",
        "--afspraken=3",
        "--updates=4",
        "--zonder-pdf",
        "--schalen=1,3",
        stdout=out,
    )

    text = out.getvalue()
    assert Verbeterafspraak.objects.count() == 18  # 3× 2 trajectories of 3 agreements
    assert Voortgangsupdate.objects.count() == 72
    assert Indicator.objects.count() == 36  # two per agreement, the added ones too
    assert "Schaal 1×: 2 trajecten, 6 verbeterafspraken" in text
    assert "Schaal 3×: 6 trajecten, 18 verbeterafspraken" in text
    assert text.count("Inhoud opbouwen:") == 2 and "9 queries" in text
    assert re.search(r"opbouwen \+ HTML = [\d.]+ s = [\d.]+× de ruwe fetch", text)
    assert re.search(r"    3× \| [\d.]+ s \| [\d.]+ s \| [\d.]+ s \| [\d.]+×", text)
    assert "ms per grafiek" in text


def test_benchmark_refuses_scales_that_are_not_numbers(db):
    with pytest.raises(CommandError, match="gehele getallen"):
        call_command("rapportage_benchmark", "--schalen=1,x", stdout=io.StringIO())


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
