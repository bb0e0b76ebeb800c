from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """People who log in: voters and officials, identified by e-mail."""

    name = "apps.accounts"
