from django import template

from afspraken.markup import render_markdown

register = template.Library()


@register.filter
def markdown(text: str):
    """Render a progress text: `{{ update.tekst|markdown }}`."""
    return render_markdown(text)
