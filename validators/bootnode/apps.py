from django.apps import AppConfig


class BootnodeConfig(AppConfig):
    name = "validators.bootnode"
    label = "bootnode"
    verbose_name = "Bootnode (peer discovery)"
    default_auto_field = "django.db.models.BigAutoField"
