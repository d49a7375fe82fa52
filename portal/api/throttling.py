"""How often one client may ask: a separate module, since DRF imports it while its views load."""

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import AnonRateThrottle


class AddressRateThrottle(AnonRateThrottle):
    """At most API_RATE_LIMIT requests per client address, counted in the shared cache.

    The address is the one the login throttle uses (AXES_PROXY_COUNT proxies in front), so
    that behind the load balancer each client counts, not the balancer.
    """

    scope = "api"

    def __init__(self):
        self.cache = caches["api"]
        super().__init__()

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def get_ident(self, request):
        return get_client_ip_address(request) or request.META.get("REMOTE_ADDR", "")
