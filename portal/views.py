from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from afspraken.models import Partij, Verbeterafspraak, Voortgangsupdate
from rapportages.models import Rapportage
from trajecten.models import Traject


@require_safe
@login_required
def traject_list(request):
    own_afspraken = Verbeterafspraak.objects.involving(Partij.objects.for_user(request.user))
    trajecten = Traject.objects.prefetch_related("faseperiodes").annotate(
        afspraken_count=Count("verbeterafspraken", distinct=True),
        own_afspraken_count=Count(
            "verbeterafspraken", filter=Q(verbeterafspraken__in=own_afspraken), distinct=True
        ),
    )
    return render(request, "trajecten/traject_list.html", {"trajecten": trajecten})


@require_safe
@login_required
def traject_detail(request, slug):
    afspraken = (
        Verbeterafspraak.objects.with_status_op()
        .select_related("regiehouder")
        .prefetch_related(
            Prefetch(
                "voortgangsupdates", queryset=Voortgangsupdate.objects.select_related("partij")
            )
        )
    )
    traject = get_object_or_404(
        Traject.objects.prefetch_related(
            "faseperiodes",
            Prefetch(
                "verbeterafspraken",
                queryset=afspraken.order_by("nummer"),
            ),
            "themas",
        ),
        slug=slug,
    )
    visible_pks = set(
        Verbeterafspraak.objects.for_user(request.user)
        .filter(traject=traject)
        .values_list("pk", flat=True)
    )
    by_thema = {thema.pk: [] for thema in traject.themas.all()}
    for afspraak in traject.verbeterafspraken.all():
        afspraak.is_visible = afspraak.pk in visible_pks
        afspraak.latest_update = afspraak.status_update()
        by_thema.setdefault(afspraak.thema_id, []).append(afspraak)
    themas = [thema for thema in traject.themas.all() if by_thema[thema.pk]]
    for thema in themas:
        thema.afspraken = by_thema[thema.pk]
    rapportages = Rapportage.objects.published().filter(traject=traject).order_by("-jaar")
    return render(
        request,
        "trajecten/traject_detail.html",
        {"traject": traject, "themas": themas, "rapportages": rapportages},
    )
