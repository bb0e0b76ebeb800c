"""Checks a node's long-running processes make before serving."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_node_id() -> str:
    """The node id; web and worker must know which validator they are (commands need not)."""
    if not settings.NODE_ID:
        raise ImproperlyConfigured("NODE_ID is not set; start the node as e.g. NODE_ID=validator-1")
    return settings.NODE_ID
