"""The backend's settings for the integration tier: production's, with a fast password hasher
(tests create and log in hundreds of voters in real processes; PBKDF2 would dominate), and
each backend's cache keys under its own prefix, so that log-in counts in a shared Redis do not
carry from one test's backend to the next."""

import os

from evoting.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

CACHES["default"]["KEY_PREFIX"] = os.environ.get("TEST_CACHE_KEY_PREFIX", "")  # noqa: F405
