from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The composed site: home, trajectory pages, the staff roles and the demo loader."""

    name = "portal"
    verbose_name = "Portaal"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from .core.datacache import install_after_migrate
        from .core.sessions import record_login_time
        from .groups import ensure_roles

        user_logged_in.connect(record_login_time, dispatch_uid="portal_record_login_time")
        # After the permissions of every app, portal's being the last app's.
        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="portal_ensure_roles")
        # The data version's triggers, on every table the migrations made or remade.
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="portal_data_version")
