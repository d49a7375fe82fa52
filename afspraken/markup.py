"""Text that users write: simple Markdown, sanitised, so nothing a user types runs in a browser.

markdown-it-py parses CommonMark in time proportional to the text (it was built to, and
`manage.py markdown_benchmark` times the nastiest inputs known), and CommonMark does what people
typing in a text box expect: a list may follow a line of text directly, and with `breaks` a line
break stays a line break. Raw HTML is shown as typed rather than parsed, images and
reference-style links are off; nh3 then keeps a short list of harmless tags.

Updates are rendered once, when they are stored (`Voortgangsupdate.save()`); pages show the
stored HTML.
"""

import re

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
# A link keeps its target only when that is an absolute URL with one of the schemes above. nh3
# lets through a URL without a scheme, and `//evil.example` (or `/\evil.example`, which browsers
# read alike) leads to another site while looking like a link within the portal.
LINK_TARGET = re.compile(r"(?:https?://|mailto:)", re.IGNORECASE)

# A parser holds its rules only; each render works on a state of its own.
_MARKDOWN = MarkdownIt("commonmark", {"breaks": True, "html": False}).disable(
    ["image", "reference"]
)


def render_markdown(text: str) -> SafeString:
    """Markdown with line breaks kept, cleaned by nh3 to a short list of harmless tags."""
    clean = nh3.clean(
        _MARKDOWN.render(text or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_keep_attribute,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean.strip())  # nh3 has just removed everything else


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href" and not LINK_TARGET.match(value):
        return None
    return value
