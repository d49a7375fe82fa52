"""The Jinja2 environment of the report document (`templates/jinja2/`).

Only the report is a Jinja2 template: it is the one page that renders tens of thousands of rows,
where Django's template language spent seconds resolving variables. The filters here are the
few that template needs, written for Dutch and without a locale lookup per call.
"""

import datetime
from functools import lru_cache

from django.utils import timezone
from django.utils.html import linebreaks as django_linebreaks
from django.utils.text import Truncator
from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

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
    )
    return env
