import os

from django.core.wsgi import get_wsgi_application

from portal.core.memory import freeze_after_warm_up

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = freeze_after_warm_up(get_wsgi_application())

# The code's checksum for the kept parts of pages (portal/core/datacache.py) reads every
# template and Python file once; at start rather than in a visitor's first request.
from portal.core.datacache import code_version  # noqa: E402

code_version()
