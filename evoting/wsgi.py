"""WSGI entry point of the backend: `gunicorn evoting.wsgi:application`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evoting.settings")

application = get_wsgi_application()
