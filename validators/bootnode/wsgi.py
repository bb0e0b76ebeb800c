"""WSGI entry point: `gunicorn validators.bootnode.wsgi:application --bind 127.0.0.1:8546`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "validators.bootnode.settings")

application = get_wsgi_application()
