from django import template

from afspraken.models import Status

register = template.Library()


@register.filter
def status_label(code: str) -> str:
    """The Dutch label of a status code; '' means nothing has been reported yet."""
    return Status(code).label if code in Status.values else "Nog geen voortgang"
