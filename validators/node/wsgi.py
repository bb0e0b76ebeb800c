"""WSGI entry point of a validator node (gunicorn validators.node.wsgi:application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "validators.node.settings")

application = get_wsgi_application()

from validators.node.startup import require_node_id  # noqa: E402 (needs the settings loaded)

require_node_id()
