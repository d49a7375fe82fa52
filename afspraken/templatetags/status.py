from django import template

from afspraken.models import status_label as label_of

register = template.Library()


@register.filter
def status_label(code: str) -> str:
    """The Dutch label of a status code, `NO_STATUS` included."""
    return label_of(code)
