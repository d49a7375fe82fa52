from django import template

from afspraken.markup import render_markdown

register = template.Library()


@register.filter
def report_markdown(value: str):
    """Text entered by a party or by staff, as in the rest of the portal: sanitised Markdown.

    The one place where the report turns such text into HTML. Links stay links; WeasyPrint
    never fetches them, and images are not among the allowed tags.
    """
    return render_markdown(value)
