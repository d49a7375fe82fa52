from django import template

from afspraken.markup import render_markdown

register = template.Library()


@register.filter
def report_markdown(value: str):
    """A staff text of the report (inleiding, vervolg): sanitised Markdown, as in the rest of
    the portal, rendered while the report is built; their length limits bound that work.

    An update's texts are not rendered here: the report shows the HTML stored with the update.
    Links stay links; WeasyPrint never fetches them, and images are not among the allowed tags.
    """
    return render_markdown(value)
