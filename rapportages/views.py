from django.shortcuts import render

from .models import Rapportage


def rapportage_list(request):
    rapportages = Rapportage.objects.filter(status=Rapportage.Status.GEPUBLICEERD).select_related(
        "traject"
    )
    return render(request, "rapportages/rapportage_list.html", {"rapportages": rapportages})
