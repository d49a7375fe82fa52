"""Time the rendering of a progress text on the nastiest input known, at the longest length.

    python manage.py markdown_benchmark [--lengte 20000]

Each text fills the length with one construct that makes some Markdown renderer slow (most of
them made Python-Markdown, which the portal used before markdown-it-py, quadratic or worse).
tests/afspraken/test_markup.py renders the same texts. Needs no database.
"""

import time

from django.core.management.base import BaseCommand

from afspraken.markup import render_markdown
from afspraken.models import TEKST_MAX_LENGTH

# One unit per construct, repeated up to the length.
NASTY_UNITS = {
    "one line of text": "a",
    "spaces": " ",
    "open brackets": "[",
    "images": "![",
    "links without end": "[a](",
    "links without end, with a URL": "[a](b",
    "links in angle brackets without end": "[x](<y",
    "references": "[a][",
    "empty links": "[](",
    "brackets over lines": "[a\n",
    "escaped brackets": "\\[",
    "parentheses": "(",
    "angle brackets": "<",
    "tags without end": "<a ",
    "tag names": "<a",
    "attributes without end": "<a href=",
    "autolinks without end": "<http://",
    "CDATA": "<![",
    "closing tags": "</",
    "processing instructions": "<?",
    "comments": "<!--",
    "mail addresses": "<a@",
    "tags": "<b>",
    "nested list tags": "<ul><li>",
    "misnested tags": "<i><b>",
    "empty links as tags": "<a></a>",
    "quote markers": ">",
    "quotes": "> ",
    "list in quote": "- > ",
    "list markers": "- ",
    "numbered list markers": "1. ",
    "short lines": "a\n",
    "list items": "- a\n",
    "text and list items": "a\n- a\n",
    "hard line breaks": "a  \n",
    "emphasis without end": "*a",
    "strong without end": "**a",
    "strong emphasis": "***a",
    "mixed emphasis": "*_",
    "underscores": "_a",
    "code without end": "`a",
    "double backticks": "``",
    "backslashes": "\\",
    "entities": "&#x1",
    "ampersands": "&a",
    "headings": "#",
}


def nasty_texts(length: int = TEKST_MAX_LENGTH) -> dict[str, str]:
    """Texts of `length` characters, each made of one nasty construct, by name."""
    texts = {name: _fill(unit, length) for name, unit in NASTY_UNITS.items()}
    texts["distinct tags"] = _fill("".join(f"<b x={i}>" for i in range(length)), length)
    texts["lists nested by indentation"] = _fill(
        "\n".join("\t" * depth + "- a" for depth in range(length)), length
    )
    texts["quotes deepening by line"] = _fill(
        "\n".join(">" * depth + " a" for depth in range(1, length)), length
    )
    texts["all of them"] = _fill("".join(NASTY_UNITS.values()), length)
    return texts


def _fill(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


class Command(BaseCommand):
    help = (
        "Meet hoe lang het omzetten van een voortgangstekst (Markdown naar HTML) duurt voor de "
        "lastigste teksten van de maximale lengte."
    )

    def add_arguments(self, parser):
        parser.add_argument("--lengte", type=int, default=TEKST_MAX_LENGTH)

    def handle(self, *args, **options):
        slowest = 0.0
        for name, text in nasty_texts(options["lengte"]).items():
            started = time.perf_counter()
            render_markdown(text)
            seconds = time.perf_counter() - started
            slowest = max(slowest, seconds)
            self.stdout.write(f"{seconds * 1000:7.1f} ms  {name} ({len(text):,} tekens)")
        self.stdout.write(f"Traagste: {slowest * 1000:.1f} ms.")
