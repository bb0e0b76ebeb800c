from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The voter pages: server-rendered HTML over the election and vote verbs."""

    name = "apps.pages"
    label = "pages"
