"""The Jinja2 environment of the report document (`templates/jinja2/`).

Only the report is a Jinja2 template: it is the one page that renders tens of thousands of rows,
where Django's template language spent seconds resolving variables. The filters here are the
few that template needs, written for Dutch and without a locale lookup per call.
"""

import datetime
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils.html import linebreaks as django_linebreaks
from django.utils.text import Truncator
from fontTools.ttLib import TTFont
from jinja2 import Environment, StrictUndefined
from markupsafe import Markup, escape

from afspraken.markup import render_markdown

MAANDEN = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]


def datum(value: datetime.date | datetime.datetime) -> str:
    """`1 november 2023`; a moment is shown as its day in the portal's time zone."""
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    return f"{value.day} {MAANDEN[value.month - 1]} {value.year}"


def datum_kort(value: datetime.date) -> str:
    """`1-11-2023`."""
    return f"{value.day}-{value.month}-{value.year}"


def isodatetime(value: datetime.datetime) -> str:
    return timezone.localtime(value).isoformat()


def isodate(value: datetime.date) -> str:
    """`2023-11-01`; a moment as its day in the portal's time zone."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def markdown(value: str) -> Markup:
    """A staff text (inleiding, conclusies, vervolg): sanitised Markdown, as everywhere in the
    portal; its length limit bounds the work."""
    return Markup(render_markdown(value))


def linebreaks(value: str) -> Markup:
    """Plain text as paragraphs, escaped."""
    return Markup(django_linebreaks(value, autoescape=True))


def truncate_html(value: str, words: int) -> Markup:
    """Stored, sanitised HTML cut after `words` words with its tags closed."""
    return Markup(Truncator(value).words(words, html=True))


@lru_cache(maxsize=1024)
def abbr(partij) -> Markup:
    """A party as its abbreviation with its name as title, escaped. A report names the same
    few dozen parties thousands of times, so each is written once; the key is the whole row
    (pk, naam, afkorting), so a renamed party is written anew."""
    return Markup('<abbr title="{}">{}</abbr>').format(partij.naam, partij.afkorting)


# The cover's title in the PDF (rapportage-pdf.css): bold DejaVu Sans Condensed at 26pt in a box
# 158 mm wide, 17.2 em; a little less, for the kerning the widths below leave out.
TITEL_FONT = "fonts/DejaVuSansCondensed-Bold.ttf"
TITEL_BREEDTE_EM = 16.6


@lru_cache(maxsize=1)
def _advance_widths() -> tuple[dict[int, float], float]:
    """The width of each character of the title's font in em, and of a character it lacks."""
    font = TTFont(finders.find(TITEL_FONT))
    per_em = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {code: metrics[name][0] / per_em for code, name in font.getBestCmap().items()}
    return widths, metrics[".notdef"][0] / per_em


def _width(text: str) -> float:
    widths, missing = _advance_widths()
    return sum(widths.get(ord(char), missing) for char in text)


def titelregels(titel: str, breedte: float = TITEL_BREEDTE_EM) -> Markup:
    """A title as lines of about equal width, each a `span` (escaped), for a title that breaks
    between words where a reader would: "Eindevaluatie, Zinnige Zorg / Artrose van knie en
    heup" rather than a lone "Eindevaluatie," above the rest. WeasyPrint has no `text-wrap:
    balance`, so the lines are chosen here, by the widths of the PDF's font: the fewest lines
    that fit `breedte` (in em), and of those the one whose widest line is narrowest. The PDF
    shows each span as a line (rapportage-pdf.css); a span too wide after all still wraps, and
    a browser lays them out as one text."""
    words = titel.split()
    if not words:
        return Markup("")
    sizes = [_width(word) for word in words]
    space = _width(" ")
    limit = max(breedte, *sizes)  # a word wider than the box gets a line of its own

    def line(i, j):  # words i..j-1 on one line
        return sum(sizes[i:j]) + space * (j - i - 1)

    # best[k][j]: the narrowest widest line of words 0..j-1 in k lines, and where the last begins
    n = len(words)
    best = [{0: (0.0, 0)}]
    for k in range(1, n + 1):
        row = {}
        for j in range(1, n + 1):
            options = [
                (max(best[k - 1][i][0], line(i, j)), i)
                for i in range(j)
                if i in best[k - 1] and line(i, j) <= limit
            ]
            if options:
                row[j] = min(options)
        best.append(row)
        if n in row:
            break
    lines, j = [], n
    for k in range(len(best) - 1, 0, -1):
        i = best[k][j][1]
        lines.append(" ".join(words[i:j]))
        j = i
    spans = (f'<span class="omslag__regel">{escape(text)}</span>' for text in reversed(lines))
    return Markup(" ".join(spans))


def environment(**options) -> Environment:
    options["undefined"] = StrictUndefined  # a misspelt name fails the tests, not the reader
    env = Environment(**options)
    env.filters.update(
        abbr=abbr,
        datum=datum,
        datum_kort=datum_kort,
        isodate=isodate,
        isodatetime=isodatetime,
        markdown=markdown,
        linebreaks=linebreaks,
        truncate_html=truncate_html,
        titelregels=titelregels,
    )
    return env
