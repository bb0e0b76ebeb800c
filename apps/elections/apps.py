from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    """Elections, their candidates, voter rolls, keys, and the open/close/tally verbs."""

    name = "apps.elections"
