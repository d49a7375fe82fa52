"""The accessibility results of a test run, gathered as the tests go and written at its end to
test-artifacts/toegankelijkheid.json, which `manage.py toegankelijkheid_inlezen` reads in for
the accessibility statement. Written only by a run that had both kinds of check (axe in the
browser tests, pdfua over the demo reports), so a partial run never passes for a whole one."""

import datetime
import json
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

AXE: list[tuple[str, int, int]] = []
"""(page path, width, violations) per axe check."""
PDFUA: list[tuple[str, int, int]] = []
"""(file, errors, warnings) per PDF checked."""


def record_axe(url: str, width: int, violations: int) -> None:
    AXE.append((urlsplit(url).path, width, violations))


def record_pdfua(name: str, errors: int, warnings: int) -> None:
    PDFUA.append((name, errors, warnings))


def summary(when: datetime.datetime, versie: str = "") -> dict | None:
    if not AXE or not PDFUA:
        return None
    return {
        "uitgevoerd_op": when.isoformat(),
        "versie": versie,
        "axe_paginas": len({path for path, _width, _violations in AXE}),
        "axe_controles": len(AXE),
        "axe_overtredingen": sum(violations for *_, violations in AXE),
        "pdfua_bestanden": len(PDFUA),
        "pdfua_fouten": sum(errors for _name, errors, _warnings in PDFUA),
        "pdfua_waarschuwingen": sum(warnings for *_, warnings in PDFUA),
    }


def write(folder: Path) -> None:
    try:
        versie = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        versie = ""
    result = summary(datetime.datetime.now(datetime.UTC), versie)
    if result is not None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "toegankelijkheid.json").write_text(json.dumps(result, indent=2) + "\n")
