"""Django's admin app, with the site whose log-in page is limited (admin_site.py); kept apart
from it because an app config is imported before any model is ready."""

from django.contrib.admin.apps import AdminConfig


class ThrottledAdminConfig(AdminConfig):
    default_site = "apps.accounts.admin_site.ThrottledAdminSite"
