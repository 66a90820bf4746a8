"""Production settings (DEBUG=0) with static files by name, so a server a test starts needs no collectstatic."""

from config.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
