"""How easy a staff text reads: the Flesch–Douma score, Flesch's reading ease fitted to Dutch
(textstat computes it for `nl`, counting syllables with Pyphen's Dutch hyphenation).

Guidance for the editor, never a rule: a text is not refused for its score. Text in B1, the
level the Dutch government writes for the public, scores about 60 or higher.
"""

from django.utils.html import strip_tags

from afspraken.markup import render_markdown

# (lowest score, what it means), from hard to easy: Douma's bands.
BANDEN = [
    (0, "zeer moeilijk"),
    (30, "moeilijk"),
    (45, "vrij moeilijk"),
    (60, "normaal, ongeveer B1"),
    (70, "vrij makkelijk"),
    (80, "makkelijk"),
    (90, "zeer makkelijk"),
]
B1_VANAF = 60


def flesch_douma(text: str) -> float | None:
    """The score of a Markdown text as it reads (without its markup); None for no text."""
    plain = strip_tags(render_markdown(text)).strip()
    if not plain:
        return None
    import textstat  # only for the editors' pages: it takes a while to import

    textstat.set_lang("nl")
    return textstat.flesch_reading_ease(plain)


def leesbaarheid(text: str) -> str:
    """The score in words for the editor: "Flesch–Douma 64: normaal, ongeveer B1"."""
    score = flesch_douma(text)
    if score is None:
        return "Nog geen tekst."
    band = next(label for lowest, label in reversed(BANDEN) if score >= lowest or lowest == 0)
    advice = "" if score >= B1_VANAF else " Voor B1: kortere zinnen en kortere, gewone woorden."
    return f"Flesch–Douma {score:.0f}: {band}.{advice}"
