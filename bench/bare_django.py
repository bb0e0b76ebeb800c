"""The baseline of bench_votes.py: the cheapest Django JSON POST view, under gunicorn as the
backend runs. What the framework allows on this machine, measured in the same run.

    gunicorn bench.bare_django:application --workers 2 --threads 4
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="bench-only-not-secret",
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    DATA_UPLOAD_MAX_MEMORY_SIZE=1 << 20,
)


@csrf_exempt
def echo(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    return JsonResponse({"received": len(body)}, status=201)


urlpatterns = [path("echo", echo)]
application = get_wsgi_application()
