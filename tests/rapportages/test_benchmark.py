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
    assert "7 queries" in out.getvalue()


def test_benchmark_refuses_a_database_with_real_trajectories(dvt):
    with pytest.raises(CommandError, match="wegwerpdatabase"):
        call_command("rapportage_benchmark", "--zonder-pdf", stdout=io.StringIO())
