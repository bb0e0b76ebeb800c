from django.contrib import admin
from django.urls import include, path

from apps.api.views.health import health
from evoting.views import metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("apps.api.urls")),
    path("health", health, name="health"),
    path("metrics", metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("apps.pages.urls")),
]

handler500 = "apps.api.errors.server_error"
