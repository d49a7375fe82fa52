from django import template

from afspraken.models import Verbeterafspraak

from ..models import Volg

register = template.Library()


@register.inclusion_tag("volgen/_volg_knop.html", takes_context=True)
def volg_knop(context, onderwerp):
    """The button to follow (or stop following) a trajectory or an agreement, for a logged-in
    user; nothing for a visitor. One query: whether the user follows it.

    A tag rather than the view's context, because the agreement page is rendered by
    `afspraken`, which knows nothing of following (it lies below), and on three paths.
    """
    user = context["user"]
    if not user.is_authenticated:
        return {"toon": False}
    if isinstance(onderwerp, Verbeterafspraak):
        gevolgd = Volg.objects.filter(user=user, verbeterafspraak=onderwerp)
        soort, naam = "afspraak", "deze afspraak"
    else:
        gevolgd = Volg.objects.filter(user=user, traject=onderwerp)
        soort, naam = "traject", "dit traject"
    return {
        "toon": True,
        "onderwerp": onderwerp,
        "soort": soort,
        "naam": naam,
        "volgt": gevolgd.exists(),
        "csrf_token": context.get("csrf_token"),
    }
