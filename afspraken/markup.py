"""Progress texts: simple Markdown, sanitised, so nothing a user types runs in a browser."""

import re

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}


# A list item right under a line of text: Markdown wants a blank line between the two, but
# people typing in a text box do not leave one.
LIST_AFTER_TEXT = re.compile(r"^(?!\s*(?:[-*+]|\d+\.)\s)(.*\S.*)\n(?=\s*(?:[-*+]|\d+\.)\s)", re.M)


def render_markdown(text: str) -> SafeString:
    """Markdown with line breaks kept, cleaned by nh3 to a short list of harmless tags."""
    text = LIST_AFTER_TEXT.sub(r"\1\n\n", (text or "").replace("\r\n", "\n"))
    html = markdown.markdown(text, extensions=["nl2br", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # nh3 has just removed everything else
