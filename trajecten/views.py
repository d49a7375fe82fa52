from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .models import Traject


@login_required
def traject_list(request):
    trajecten = Traject.objects.with_details()
    return render(request, "trajecten/traject_list.html", {"trajecten": trajecten})


@login_required
def traject_detail(request, slug):
    traject = get_object_or_404(Traject.objects.with_details(), slug=slug)
    return render(request, "trajecten/traject_detail.html", {"traject": traject})
