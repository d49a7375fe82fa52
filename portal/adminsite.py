"""The admin site: the default one, opened to staff only once they have passed a second factor.

`portal.mfa.require_second_factor` already sends unverified staff to the verification page
before any view runs; the site checks again, so that the admin stays closed should that
middleware ever be left out.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class PortalAdminSite(admin.AdminSite):
    site_header = "Passende zorg verbetertrajecten: beheer"
    site_title = "Passende zorg beheer"
    index_title = "Beheer door Zorginstituut Nederland"

    def has_permission(self, request):
        is_verified = getattr(request.user, "is_verified", None)
        return super().has_permission(request) and is_verified is not None and is_verified()


class PortalAdminConfig(AdminConfig):
    default_site = "portal.adminsite.PortalAdminSite"
