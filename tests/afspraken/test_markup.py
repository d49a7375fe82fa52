import re
import time
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from afspraken.management.commands.markdown_benchmark import nasty_texts
from afspraken.markup import ALLOWED_TAGS, LINK_TARGET, render_markdown
from afspraken.models import TEKST_MAX_LENGTH
from tests.bounds import SAFETY_BOUND_SECONDS


def test_simple_formatting_and_line_breaks_are_kept():
    html = render_markdown("Eerste regel\ntweede **vet** en *schuin*\n\n- een\n- twee")
    assert "<br>" in html
    assert "<strong>vet</strong>" in html
    assert "<em>schuin</em>" in html
    assert "<li>een</li>" in html


def test_raw_html_is_shown_as_typed_not_run():
    html = render_markdown("Hallo <script>alert('x')</script> wereld")
    assert "<script" not in html
    assert "Hallo &lt;script&gt;alert('x')&lt;/script&gt; wereld" in html


def test_raw_tags_with_event_handlers_are_text():
    html = render_markdown('<img src="x" onerror="alert(1)"> <b onmouseover="alert(2)">b</b>')
    assert_clean(html)
    assert "<img" not in html and "<b " not in html
    assert "&lt;img" in html


def test_javascript_links_lose_their_target():
    html = render_markdown("[klik](javascript:alert(1)) <a href='javascript:alert(2)'>a</a>")
    assert_clean(html)
    assert 'href="javascript' not in html


def test_links_get_a_safe_rel():
    html = render_markdown("[NHG](https://www.nhg.org/)")
    assert 'href="https://www.nhg.org/"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_a_list_right_under_a_line_of_text_is_a_list():
    html = render_markdown("Wat er gebeurde:\r\n- nascholing gepland\r\n- standaard herzien")
    assert "<p>Wat er gebeurde:</p>" in html
    assert "<li>nascholing gepland</li>" in html
    assert "<li>standaard herzien</li>" in html


@pytest.mark.parametrize(
    "text",
    [
        "[x](//evil.example)",
        "[x](/\\evil.example)",
        "[x](&#47;/evil.example)",
        "[x](<//evil.example>)",
        "[x](/afspraken/1/)",
    ],
)
def test_links_without_a_scheme_lose_their_target(text):
    html = render_markdown(text)
    assert "href" not in html
    assert ">x</a>" in html  # the words stay


def test_a_raw_protocol_relative_link_is_text():
    html = render_markdown('<a href="//evil.example">x</a>')
    assert_clean(html)
    assert "<a " not in html


def test_a_link_may_hold_parentheses_and_a_title():
    html = render_markdown('[wiki](https://nl.wikipedia.org/wiki/Trombose_(ziekte) "Trombose")')
    assert '<a href="https://nl.wikipedia.org/wiki/Trombose_(ziekte)"' in html
    assert ">wiki</a>" in html


def test_a_list_in_a_quote_after_text_is_a_list():
    html = render_markdown("> Besproken:\n> - nascholing\n> - standaard")
    assert "<blockquote>" in html
    assert "<li>nascholing</li>" in html


@pytest.mark.parametrize("marker", ["- ", "* ", "1. ", "> ", ">"])
def test_markers_nested_on_one_line_stop_at_a_few_levels(marker):
    # Python-Markdown nested a list per marker and overflowed the stack at a few thousand;
    # markdown-it stops nesting at its maxNesting.
    html = render_markdown(marker * 5_000 + "a")
    assert html.count("<ul>") + html.count("<ol>") + html.count("<blockquote>") <= 20


# Rendering takes time in proportion to the text and always comes out clean.


def assert_clean(html: str) -> None:
    """Only the allowed tags and harmless attributes; links only to http(s) or mailto."""
    parser = TagCollector()
    parser.feed(html)
    parser.close()
    for tag, attributes in parser.tags:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attributes:
            assert name in {"href", "rel", "title", "lang"}, name
            if name == "href":
                assert LINK_TARGET.match(value), value
                assert not value.lower().startswith("javascript:")
    lowered = html.lower()
    assert "<script" not in lowered
    assert not re.search(r"<[^>]*\son[a-z]*\s*=", lowered)


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def render_timed(text: str) -> tuple[str, float]:
    started = time.perf_counter()
    html = render_markdown(text)
    return html, time.perf_counter() - started


@pytest.mark.parametrize(("name", "text"), nasty_texts(TEKST_MAX_LENGTH).items())
def test_the_nastiest_texts_of_the_longest_length_render_quickly(name, text):
    """`manage.py markdown_benchmark` prints the times; this is only a safety bound."""
    assert len(text) == TEKST_MAX_LENGTH
    html, seconds = render_timed(text)
    assert seconds < SAFETY_BOUND_SECONDS, f"{name}: {seconds:.2f} s"
    assert_clean(html)


# Markdown's own characters, and pieces of the attacks that a sanitiser must stop.
MARKDOWN_CHARACTERS = "[]()<>!*_`\\-+.#=&;:/\"' \n\t1aj"
ATTACK_PIECES = [
    "<script>",
    "</script>",
    "<a href=",
    '<a href="',
    "<img src=x onerror=alert(1)>",
    "<b onmouseover=alert(2)>",
    "<svg onload=alert(3)>",
    "javascript:",
    "java\tscript:",
    "JaVaScRiPt:",
    "&#106;avascript:",
    "data:text/html,",
    "//evil.example",
    "/\\evil.example",
    "[x](",
    "](",
    ")",
    "<",
    ">",
    '"',
    "'",
    "=",
    " on",
    "- ",
    "1. ",
    "> ",
    "\n",
    "**",
    "`",
    "&#",
    "https://ok.example/",
    "mailto:a@b.example",
]
texts = st.one_of(
    st.text(max_size=2_000),
    st.text(alphabet=MARKDOWN_CHARACTERS, max_size=2_000),
    st.lists(st.sampled_from(ATTACK_PIECES), max_size=200).map("".join),
    st.lists(
        st.one_of(st.sampled_from(ATTACK_PIECES), st.text(alphabet=MARKDOWN_CHARACTERS)),
        max_size=100,
    ).map("".join),
)


@settings(max_examples=200, deadline=None, database=None)
@given(texts)
def test_any_text_renders_clean_and_quickly(text):
    html, seconds = render_timed(text)
    assert seconds < SAFETY_BOUND_SECONDS
    assert_clean(html)
