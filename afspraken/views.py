from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .models import Verbeterafspraak


@login_required
def afspraak_list(request):
    afspraken = Verbeterafspraak.objects.for_user(request.user).with_details()
    return render(request, "afspraken/verbeterafspraak_list.html", {"afspraken": afspraken})


@login_required
def afspraak_detail(request, pk):
    afspraak = get_object_or_404(
        Verbeterafspraak.objects.for_user(request.user).with_details(), pk=pk
    )
    return render(request, "afspraken/verbeterafspraak_detail.html", {"afspraak": afspraak})
