import os

from django.core.wsgi import get_wsgi_application

from portal.core.memory import freeze_after_warm_up

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = freeze_after_warm_up(get_wsgi_application())
