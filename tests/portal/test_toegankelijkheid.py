"""The accessibility statement shows the automated results of the latest test run read in."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal.models import Toegankelijkheidstoets
from tests import toegankelijkheid

RESULT = {
    "uitgevoerd_op": "2026-12-07T03:00:00+00:00",
    "versie": "bec1ce2f00",
    "axe_paginas": 41,
    "axe_controles": 164,
    "axe_overtredingen": 0,
    "pdfua_bestanden": 5,
    "pdfua_fouten": 0,
    "pdfua_waarschuwingen": 0,
}


def test_a_run_sums_up_its_checks(monkeypatch):
    monkeypatch.setattr(toegankelijkheid, "AXE", [])
    monkeypatch.setattr(toegankelijkheid, "PDFUA", [])
    when = datetime.datetime(2026, 12, 7, 3, tzinfo=datetime.UTC)
    toegankelijkheid.record_axe("http://x/afspraken/?status=1", 1280, 0)
    assert toegankelijkheid.summary(when) is None  # no PDF checked: a partial run
    toegankelijkheid.record_axe("http://x/afspraken/", 360, 2)
    toegankelijkheid.record_axe("http://x/", 1280, 0)
    toegankelijkheid.record_pdfua("a", 0, 1)
    assert toegankelijkheid.summary(when, "abc") == {
        "uitgevoerd_op": "2026-12-07T03:00:00+00:00",
        "versie": "abc",
        "axe_paginas": 2,
        "axe_controles": 3,
        "axe_overtredingen": 2,
        "pdfua_bestanden": 1,
        "pdfua_fouten": 0,
        "pdfua_waarschuwingen": 1,
    }


@pytest.mark.django_db
def test_the_statement_shows_the_results_read_in(client, tmp_path):
    assert "De laatste automatische controle" not in client.get(reverse("toegankelijkheid")).text
    path = tmp_path / "toegankelijkheid.json"
    path.write_text(json.dumps(RESULT))
    call_command("toegankelijkheid_inlezen", str(path), stdout=io.StringIO())
    text = client.get(reverse("toegankelijkheid")).text
    assert "op 7 december 2026 (versie bec1ce2)" in text
    assert "axe-core op 41 pagina&#x27;s in 164 controles, met 0 overtredingen" in text
    assert "pdfua op 5 PDF&#x27;s, met 0 fouten en 0 waarschuwingen" in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content",
    [
        "",
        "{",
        json.dumps({**RESULT, "axe_paginas": -1}),
        json.dumps({**RESULT, "uitgevoerd_op": "gisteren"}),
        json.dumps({k: v for k, v in RESULT.items() if k != "pdfua_fouten"}),
        "x" * 200_000,
    ],
)
def test_a_bad_result_file_is_refused_in_dutch(tmp_path, content):
    path = tmp_path / "toegankelijkheid.json"
    path.write_text(content)
    with pytest.raises(CommandError):
        call_command("toegankelijkheid_inlezen", str(path))
    assert not Toegankelijkheidstoets.objects.exists()


@pytest.mark.django_db
def test_a_missing_file_says_to_run_the_tests(tmp_path):
    with pytest.raises(CommandError, match="draai eerst de tests"):
        call_command("toegankelijkheid_inlezen", str(tmp_path / "weg.json"))
