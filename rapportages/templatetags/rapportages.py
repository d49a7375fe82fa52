from django import template
from django.template.defaultfilters import stringfilter
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
@stringfilter
def voortgangstekst(value: str):
    """Text entered by a party, made safe for the report: escaped, paragraphs and line breaks.

    The one place where the report turns party text into HTML, so it can switch to the
    portal's shared Markdown rendering later without touching the templates.
    """
    return mark_safe(linebreaks(value, autoescape=True))
